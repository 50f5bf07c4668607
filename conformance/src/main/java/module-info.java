/**
 * The loopsock conformance suite: a small property engine and the properties every backend must
 * pass. Backends depend on it in test scope.
 */
module io.loopsock.conformance {
    requires io.loopsock;

    exports io.loopsock.conformance.engine;
}
