package io.loopsock.iouring;

import io.loopsock.conformance.Conformance;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite against the io_uring backend; nio and epoll are on the test class path
 * too, so the suite's cross pairs (io_uring to nio and to epoll, and back) run as well.
 */
class IoUringConformanceTest {
    @TestFactory
    Stream<DynamicNode> conformance() {
        return Conformance.suite("io_uring");
    }
}
