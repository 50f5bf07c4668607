/**
 * The loopsock conformance suite: a small property engine, the properties and the examples every
 * backend must pass, and the helpers those examples use. Backends depend on it in test scope.
 */
module io.loopsock.conformance {
    requires transitive io.loopsock;
    requires transitive org.junit.jupiter.api;
    requires transitive org.assertj.core;
    requires transitive io.loopsock.socket;
    requires org.junit.jupiter.params;
    requires org.junit.platform.launcher;
    requires jdk.net;

    exports io.loopsock.conformance;
    exports io.loopsock.conformance.engine;
    exports io.loopsock.conformance.faults;
    exports io.loopsock.conformance.properties;
    exports io.loopsock.conformance.testing;

    // The examples are JUnit classes: the engine instantiates them and calls their methods.
    opens io.loopsock.conformance.examples to org.junit.platform.commons;
}
