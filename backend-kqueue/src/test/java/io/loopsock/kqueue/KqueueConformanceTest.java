package io.loopsock.kqueue;

import io.loopsock.conformance.Conformance;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite against the kqueue backend. On macOS or BSD it runs in full, with the
 * cross pairs to nio; on Linux kqueue is unavailable and the suite gives one skipped test that
 * says why.
 */
class KqueueConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        return Conformance.suite("kqueue");
    }
}
