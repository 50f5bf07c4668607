package io.loopsock.nio;

import io.loopsock.conformance.Conformance;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/** The conformance suite against the nio backend: the one class a backend module needs. */
class NioConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        return Conformance.suite("nio");
    }
}
