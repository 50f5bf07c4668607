package io.loopsock.epoll;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.Handle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.unix.internal.HandlerLoop;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * epoll runs on the shared core that kqueue is built on too: the loop is the shared handler
 * driver, and its streams and UDP handles are the shared classes. So the conformance suite that
 * runs here exercises kqueue's stream, UDP and driver code as well, everything but its poller
 * (docs/backends.md, "kqueue").
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EpollSharedCoreTest {

    @Test
    void loopAndHandlesAreTheSharedCoresClasses() throws LoopException {
        try (Loop loop = Loop.open("epoll")) {
            assertThat(loop).isInstanceOf(HandlerLoop.class);
            List<Handle> handles = List.of(loop.tcp(), loop.pipe(), loop.udp());
            assertThat(handles).extracting(h -> h.getClass().getName()).containsExactly(
                    "io.loopsock.unix.internal.UnixTcp",
                    "io.loopsock.unix.internal.UnixPipe",
                    "io.loopsock.unix.internal.UnixUdp");
            for (Handle handle : handles) {
                handle.close();
            }
            loop.run(io.loopsock.RunMode.DEFAULT);
        }
    }
}
