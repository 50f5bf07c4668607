/**
 * The loopsock conformance suite: a small property engine and the properties every backend must
 * pass. Backends depend on it in test scope.
 */
module io.loopsock.conformance {
    requires transitive io.loopsock;
    requires transitive org.junit.jupiter.api;

    exports io.loopsock.conformance;
    exports io.loopsock.conformance.engine;
    exports io.loopsock.conformance.faults;
    exports io.loopsock.conformance.properties;
}
