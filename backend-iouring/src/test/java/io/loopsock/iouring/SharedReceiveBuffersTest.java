package io.loopsock.iouring;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.Loop;
import io.loopsock.ReadResult;
import io.loopsock.Tcp;
import io.loopsock.conformance.testing.Descriptors;
import io.loopsock.unix.internal.KernelMemory;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * io_uring streams that wait for bytes hold no receive buffer of their own: their receives take
 * the loop's shared buffers (a provided-buffer ring) as bytes arrive. More completions at once
 * than the ring has buffers find it empty and are submitted again, losing nothing; a stream that
 * fills a shared buffer moves to a buffer of its own; the loop's close frees the ring.
 */
class SharedReceiveBuffersTest {
    /** More than the ring's buffers, so that one burst of messages empties it. */
    private static final int CONNECTIONS = 600;
    private static final int MESSAGE = 100;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void waitingStreamsShareTheLoopsBuffersAndABurstLosesNothing() throws Exception {
        Descriptors.Count descriptorsBefore = Descriptors.count();
        int heldBefore = KernelMemory.held();
        List<Socket> peers = new ArrayList<>();
        List<Tcp> accepted = new ArrayList<>();
        List<ByteArrayOutputStream> received = new ArrayList<>();
        boolean[] ended = new boolean[CONNECTIONS];
        try (Loop loop = Loop.open("io_uring")) {
            Tcp listener = loop.tcp();
            listener.bind(loopback());
            listener.listen(CONNECTIONS, error -> {
                Tcp server = listener.accept();
                int index = accepted.size();
                accepted.add(server);
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                received.add(bytes);
                server.startRead(result -> {
                    switch (result) {
                        case ReadResult.Data(ByteBuffer data) -> {
                            byte[] chunk = new byte[data.remaining()];
                            data.get(chunk);
                            bytes.writeBytes(chunk);
                        }
                        case ReadResult.EndOfStream() -> ended[index] = true;
                        case ReadResult.Failed(var e) -> throw e;
                    }
                });
            });
            InetSocketAddress address = listener.localAddress();
            for (int i = 0; i < CONNECTIONS; i++) {
                // The backlog holds them until the loop runs.
                peers.add(new Socket(address.getAddress(), address.getPort()));
            }
            runUntil(loop, () -> accepted.size() == CONNECTIONS);
            // One more poll puts every receive in the kernel.
            loop.run(io.loopsock.RunMode.NOWAIT);
            assertThat(KernelMemory.held() - heldBefore)
                    .as("blocks of kernel memory with %d streams waiting: the ring's entries and its buffers", CONNECTIONS)
                    .isEqualTo(2);

            // Every peer writes before the loop runs again: one poll completes more receives than
            // the ring has buffers.
            for (int i = 0; i < CONNECTIONS; i++) {
                peers.get(i).getOutputStream().write(message(i));
            }
            runUntil(loop, () -> allHave(received, MESSAGE));
            for (int i = 0; i < CONNECTIONS; i++) {
                assertThat(received.get(i).toByteArray()).as("connection %d", i).isEqualTo(message(i));
            }
            assertThat(KernelMemory.held() - heldBefore).as("still no buffer per stream").isEqualTo(2);

            // A bulk transfer fills a shared buffer: that stream receives into its own from then on.
            byte[] bulk = new byte[4 * 1024 * 1024];
            for (int i = 0; i < bulk.length; i++) {
                bulk[i] = (byte) (i * 31 + 7);
            }
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    OutputStream out = peers.get(0).getOutputStream();
                    out.write(bulk);
                    out.flush();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            runUntil(loop, () -> received.get(0).size() == MESSAGE + bulk.length);
            writer.join(TimeUnit.SECONDS.toMillis(10));
            byte[] all = received.get(0).toByteArray();
            assertThat(java.util.Arrays.copyOfRange(all, MESSAGE, all.length)).as("the bulk bytes, in order").isEqualTo(bulk);
            assertThat(KernelMemory.held() - heldBefore).as("the ring, and one stream's own buffer").isEqualTo(3);

            for (Socket peer : peers) {
                peer.shutdownOutput();
            }
            runUntil(loop, () -> allEnded(ended));
            for (Tcp server : accepted) {
                server.close();
            }
            listener.close();
            runToEnd(loop);
            assertThat(KernelMemory.held() - heldBefore).as("the ring, until the loop closes").isEqualTo(2);
        } finally {
            for (Socket peer : peers) {
                peer.close();
            }
        }
        assertThat(KernelMemory.held()).as("blocks of kernel memory after the loop closed").isEqualTo(heldBefore);
        assertThat(Descriptors.awaitAtMost(descriptorsBefore).total()).as("descriptors").isLessThanOrEqualTo(descriptorsBefore.total());
    }

    private static byte[] message(int index) {
        byte[] message = new byte[MESSAGE];
        for (int i = 0; i < MESSAGE; i++) {
            message[i] = (byte) (index + i);
        }
        return message;
    }

    private static boolean allHave(List<ByteArrayOutputStream> received, int size) {
        for (ByteArrayOutputStream bytes : received) {
            if (bytes.size() < size) {
                return false;
            }
        }
        return true;
    }

    private static boolean allEnded(boolean[] ended) {
        for (boolean end : ended) {
            if (!end) {
                return false;
            }
        }
        return true;
    }
}
