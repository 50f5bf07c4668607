package io.loopsock.iouring;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.Loop;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A loop dropped without being closed, with a receive armed in the kernel, must not let the
 * kernel write into memory the garbage collector has given back. With receive buffers that were
 * plain direct buffers it did: the peer's next bytes appeared in new, unrelated direct buffers,
 * which took the freed memory (KernelMemory has the story).
 *
 * <p>The dropped loop leaks its ring, its socket and its buffer, by design: a leak is what an
 * abandoned loop may cost, never someone else's memory. This is the one test that leaves
 * descriptors behind on purpose.
 */
class AbandonedLoopTest {
    private static final byte CANARY = (byte) 0xA5;
    private static final byte PAYLOAD = 0x11;
    private static final int BUFFER = 64 * 1024;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theKernelNeverWritesIntoMemoryOfADroppedLoop() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            WeakReference<Loop> dropped = dropALoopThatReceives(server.getLocalPort());
            try (Socket peer = server.accept()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (dropped.get() != null && System.nanoTime() < deadline) {
                    System.gc();
                }
                assertThat(dropped.get()).as("the dropped loop was collected").isNull();
                // More collections, so that the cleaners of whatever was direct memory have run.
                for (int i = 0; i < 5; i++) {
                    System.gc();
                }
                // New direct buffers of the receive buffer's size, as likely as not to be given
                // the memory freed above if it was freed.
                List<ByteBuffer> fresh = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
                    while (buffer.hasRemaining()) {
                        buffer.put(CANARY);
                    }
                    fresh.add(buffer);
                }
                byte[] data = new byte[1000];
                Arrays.fill(data, PAYLOAD);
                OutputStream out = peer.getOutputStream();
                out.write(data);
                out.flush();
                // The kernel's write, if any, lands within moments; nothing announces its absence,
                // so the check watches for a bounded time.
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                int hit;
                do {
                    hit = written(fresh);
                } while (hit < 0 && System.nanoTime() < until);
                assertThat(hit).as("the index of a new buffer the kernel wrote the peer's bytes into").isEqualTo(-1);
            }
        }
    }

    private static int written(List<ByteBuffer> buffers) {
        for (int i = 0; i < buffers.size(); i++) {
            ByteBuffer buffer = buffers.get(i);
            for (int j = 0; j < 4096; j++) {
                if (buffer.get(j) == PAYLOAD) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Connects an io_uring stream to the port, starts reading, and drops the loop unclosed. */
    private static WeakReference<Loop> dropALoopThatReceives(int port) throws Exception {
        Loop loop = Loop.open("io_uring");
        Tcp tcp = loop.tcp();
        boolean[] reading = {false};
        tcp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), error -> {
            tcp.startRead(result -> { });
            reading[0] = true;
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!reading[0] && System.nanoTime() < deadline) {
            loop.run(RunMode.NOWAIT);
        }
        assertThat(reading[0]).as("connected and reading").isTrue();
        // One more poll hands the receive to the kernel.
        loop.run(RunMode.NOWAIT);
        return new WeakReference<>(loop);
    }
}
