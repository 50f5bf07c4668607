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

    /**
     * Two bursts, each several times the ring: the streams left without a buffer by the first are
     * retried a ringful per poll, so the second poll completes the second burst and 512 retries,
     * under the completion queue's 4,096 entries. Retrying them all at once (as before) made that
     * poll 1,988 + 2,500 completions, which overflowed the queue (Netty logs a warning each time).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void streamsLeftWithoutABufferAreRetriedARingfulPerPoll() throws Exception {
        int connections = 5_000;
        int burst = connections / 2;
        Descriptors.Count descriptorsBefore = Descriptors.count();
        java.util.logging.Logger nettyRing = java.util.logging.Logger.getLogger("io.netty.channel.uring.IoUringIoHandler");
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(String.valueOf(record.getMessage()));
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        nettyRing.addHandler(capture);
        List<Socket> peers = new ArrayList<>();
        List<Tcp> accepted = new ArrayList<>();
        int[] received = new int[connections];
        try (Loop loop = Loop.open("io_uring")) {
            Tcp listener = loop.tcp();
            listener.bind(loopback());
            listener.listen(1024, error -> {
                Tcp server = listener.accept();
                int index = accepted.size();
                accepted.add(server);
                server.startRead(result -> {
                    switch (result) {
                        case ReadResult.Data(ByteBuffer data) -> received[index] += data.remaining();
                        case ReadResult.EndOfStream() -> server.close();
                        case ReadResult.Failed(var e) -> throw e;
                    }
                });
            });
            InetSocketAddress address = listener.localAddress();
            while (peers.size() < connections) {
                // A thousand at a time: the backlog holds them until the loop accepts.
                for (int i = 0; i < 1000; i++) {
                    peers.add(new Socket(address.getAddress(), address.getPort()));
                }
                runUntil(loop, () -> accepted.size() == peers.size());
            }
            loop.run(io.loopsock.RunMode.NOWAIT);

            for (int i = 0; i < burst; i++) {
                peers.get(i).getOutputStream().write(1);
            }
            loop.run(io.loopsock.RunMode.NOWAIT);
            for (int i = burst; i < connections; i++) {
                peers.get(i).getOutputStream().write(1);
            }
            loop.run(io.loopsock.RunMode.NOWAIT);
            runUntil(loop, () -> java.util.Arrays.stream(received).allMatch(count -> count == 1));

            // A thousand ends at a time too: more completions at once than the queue holds would
            // overflow it whatever the loop does.
            for (int start = 0; start < connections; start += 1000) {
                for (Socket peer : peers.subList(start, start + 1000)) {
                    peer.shutdownOutput();
                }
                long ended = start + 1000;
                runUntil(loop, () -> accepted.stream().filter(Tcp::isClosing).count() == ended);
            }
            listener.close();
            runToEnd(loop);
        } finally {
            nettyRing.removeHandler(capture);
            for (Socket peer : peers) {
                peer.close();
            }
        }
        assertThat(warnings).as("warnings of Netty's ring (a completion queue overflow)").isEmpty();
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
