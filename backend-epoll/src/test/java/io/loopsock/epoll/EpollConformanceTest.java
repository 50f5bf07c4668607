package io.loopsock.epoll;

import io.loopsock.conformance.Conformance;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite against the epoll backend; nio is on the test class path too, so the
 * suite's cross pairs (epoll to nio, nio to epoll) run as well.
 */
class EpollConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        return Conformance.suite("epoll");
    }
}
