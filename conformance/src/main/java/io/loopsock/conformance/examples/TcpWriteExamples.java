package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static io.loopsock.conformance.testing.Streams.describe;
import static io.loopsock.conformance.testing.Streams.drain;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.testing.JdkPeer;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Writing: order, queue size, cancellation, errors, try-write, large transfers (rules 19, 25, 94–104). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpWriteExamples {
    /** A chunk big enough that a few of them fill the kernel's buffers when the peer does not read. */
    private static final int CHUNK = 4 << 20;

    /** The test pattern: a byte for every offset, not periodic at any power of two. */
    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 11) + (i >>> 19));
        }
        return bytes;
    }

    /**
     * Writes chunks of zeros until the kernel takes no more and bytes stay queued (the peer must not
     * be reading); every callback appends its outcome to the list.
     *
     * @return the bytes written
     */
    private static long fillUntilStuck(Tcp tcp, List<String> outcomes) throws LoopException {
        ByteBuffer zeros = ByteBuffer.allocate(CHUNK).asReadOnlyBuffer();
        long written = 0;
        for (int i = 0; i < 64 && tcp.writeQueueSize() == 0; i++) {
            tcp.write(zeros, error -> outcomes.add(describe(error)));
            written += CHUNK;
        }
        assertThat(tcp.writeQueueSize()).as("bytes stuck in the write queue after %d bytes", written).isPositive();
        return written;
    }

    /** Reads everything into the stream, recording the end as "EOF" or the error code. */
    private static void collect(Tcp tcp, ByteArrayOutputStream into, List<String> ends) throws LoopException {
        tcp.startRead(result -> {
            switch (result) {
                case ReadResult.Data(ByteBuffer bytes) -> {
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    into.writeBytes(copy);
                }
                case ReadResult.EndOfStream end -> ends.add("EOF");
                case ReadResult.Failed(LoopException e) -> ends.add(e.code().name());
            }
        });
    }



    /** Connects a new handle to the address and runs the loop until the connect succeeded. */
    private static Tcp connect(Loop loop, InetSocketAddress address) throws LoopException {
        Tcp client = loop.tcp();
        List<String> results = new ArrayList<>();
        client.connect(address, error -> results.add(describe(error)));
        runUntil(loop, () -> !results.isEmpty());
        assertThat(results).containsExactly("ok");
        return client;
    }

    @Test
    @DisplayName("rule 94: write, a gathering write and tryWrite on a handle without a socket are EBADF, and no callback runs")
    void writeWithoutSocketIsBadDescriptor(Loop loop) throws Exception {
        Tcp fresh = loop.tcp();
        List<LoopException> callbacks = new ArrayList<>();
        assertCode(() -> fresh.write(ascii("x"), callbacks::add), ErrorCode.EBADF);
        assertCode(() -> fresh.write(new ByteBuffer[] {ascii("x"), ascii("y")}, callbacks::add), ErrorCode.EBADF);
        assertCode(() -> fresh.tryWrite(ascii("x")), ErrorCode.EBADF);
        assertThat(fresh.writeQueueSize()).isZero();
        assertThat(loop.isAlive()).isFalse();
        fresh.close();
        runToEnd(loop);
        assertThat(callbacks).isEmpty();
    }

    @Test
    @DisplayName("rule 94: a write of no buffers is EINVAL, queues nothing and never calls its callback")
    void writeOfNoBuffersIsInvalid(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<LoopException> callbacks = new ArrayList<>();
        assertCode(() -> pair.client().write(new ByteBuffer[0], callbacks::add), ErrorCode.EINVAL);
        assertThat(pair.client().writeQueueSize()).isZero();
        assertThat(pair.client().isActive()).isFalse();
        pair.close();
        runToEnd(loop);
        assertThat(callbacks).isEmpty();
    }

    @Test
    @DisplayName("rule 96: writes, single and gathering, small and large, reach the peer and call back in submission order")
    void writesAndCallbacksKeepSubmissionOrder(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        List<String> ends = new ArrayList<>();
        collect(pair.server(), received, ends);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<Integer> order = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        byte[] large = pattern(512 * 1024);
        for (int i = 0; i < 300; i++) {
            int index = i;
            byte[] header = ("<" + i + ">").getBytes(StandardCharsets.US_ASCII);
            expected.writeBytes(header);
            if (i % 3 == 0) {
                // A gathering write: its buffers go out in array order.
                expected.write(large, 0, 4096 * (i % 7 + 1));
                pair.client().write(new ByteBuffer[] {ByteBuffer.wrap(header), ByteBuffer.wrap(large, 0, 4096 * (i % 7 + 1))}, error -> {
                    order.add(index);
                    outcomes.add(describe(error));
                });
            } else {
                pair.client().write(ByteBuffer.wrap(header), error -> {
                    order.add(index);
                    outcomes.add(describe(error));
                });
            }
        }
        pair.client().shutdown(null);
        runUntil(loop, () -> !ends.isEmpty() && order.size() == 300);
        assertThat(order).containsExactlyElementsOf(IntStream.range(0, 300).boxed().toList());
        assertThat(outcomes).containsOnly("ok");
        assertThat(ends).containsExactly("EOF");
        assertThat(received.toByteArray()).isEqualTo(expected.toByteArray());
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 96, 101: a JDK socket peer reads single writes, large writes and gathering writes of 1-byte buffers in submission order")
    void jdkPeerReadsWritesInSubmissionOrder(Loop loop) throws Exception {
        byte[] data = pattern(3 * 1024 * 1024 + 4096);
        try (JdkPeer<byte[]> peer = new JdkPeer<>(socket -> socket.getInputStream().readAllBytes())) {
            Tcp client = connect(loop, peer.address());
            List<Integer> order = new ArrayList<>();
            int offset = 0;
            int index = 0;
            while (offset < data.length) {
                int writeIndex = index++;
                int length = Math.min(data.length - offset, switch (writeIndex % 4) {
                    case 0 -> 1;
                    case 1 -> 1024 * 1024;
                    case 2 -> 1000;
                    default -> 4096;
                });
                if (writeIndex % 4 == 3) {
                    // Vectored 1-byte buffers must behave as a single buffer would (rule 101).
                    ByteBuffer[] bytes = new ByteBuffer[length];
                    for (int i = 0; i < length; i++) {
                        bytes[i] = ByteBuffer.wrap(data, offset + i, 1);
                    }
                    client.write(bytes, error -> order.add(error == null ? writeIndex : -1));
                } else {
                    client.write(ByteBuffer.wrap(data, offset, length), error -> order.add(error == null ? writeIndex : -1));
                }
                offset += length;
            }
            int writes = index;
            boolean[] shut = {false};
            client.shutdown(error -> shut[0] = error == null);
            runUntil(loop, () -> shut[0]);
            assertThat(order).containsExactlyElementsOf(IntStream.range(0, writes).boxed().toList());
            assertThat(peer.result()).isEqualTo(data);
            client.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 97: writeQueueSize counts queued bytes; a 1-byte write behind a stuck one adds exactly 1; it is 0 after the callbacks")
    void writeQueueSizeCountsQueuedBytes(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        assertThat(client.writeQueueSize()).isZero();
        List<String> outcomes = new ArrayList<>();
        long written = fillUntilStuck(client, outcomes);
        long stuck = client.writeQueueSize();
        assertThat(stuck).isLessThanOrEqualTo(written);
        for (int i = 0; i < 3; i++) {
            loop.run(RunMode.NOWAIT);
        }
        long before = client.writeQueueSize();
        assertThat(before).as("still stuck after the loop ran").isPositive();
        long[] sizeAtLastCallback = {-1};
        client.write(ByteBuffer.wrap(new byte[] {1}), error -> {
            outcomes.add(describe(error));
            sizeAtLastCallback[0] = client.writeQueueSize();
        });
        assertThat(client.writeQueueSize()).isEqualTo(before + 1);
        long[] received = {0};
        drain(pair.server(), received, new ArrayList<>());
        runUntil(loop, () -> sizeAtLastCallback[0] >= 0);
        assertThat(sizeAtLastCallback[0]).isZero();
        assertThat(client.writeQueueSize()).isZero();
        assertThat(outcomes).containsOnly("ok");
        runUntil(loop, () -> received[0] == written + 1);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 98, 19: with 10,000 queued writes and then close, every write calls back exactly once, in order, before the close callback")
    void everyQueuedWriteCallsBackOnceWhenClosed(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        int count = 10_000;
        List<Integer> order = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        ByteBuffer block = ByteBuffer.wrap(pattern(4096)).asReadOnlyBuffer();
        for (int i = 0; i < count; i++) {
            int index = i;
            pair.client().write(block, error -> {
                order.add(index);
                outcomes.add(describe(error));
            });
        }
        assertThat(pair.client().writeQueueSize()).isPositive();
        pair.client().close(() -> order.add(-1));
        assertThat(order).as("nothing runs inside write or close").isEmpty();
        runUntil(loop, () -> order.contains(-1));
        List<Integer> expected = new ArrayList<>(IntStream.range(0, count).boxed().toList());
        expected.add(-1);
        assertThat(order).containsExactlyElementsOf(expected);
        assertThat(outcomes).containsOnly("ok", "ECANCELED").contains("ECANCELED");
        int firstCancelled = outcomes.indexOf("ECANCELED");
        assertThat(outcomes.subList(firstCancelled, count)).as("once cancelled, all later writes are cancelled").containsOnly("ECANCELED");
        pair.close();
        runToEnd(loop);
        assertThat(order).hasSize(count + 1);
    }

    @Test
    @DisplayName("rule 100, 104: writing to a JDK peer that closed eventually fails with EPIPE or ECONNRESET, and the loop carries on")
    void writeToClosedJdkPeerEventuallyFails(Loop loop) throws Exception {
        try (JdkPeer<Boolean> peer = new JdkPeer<>(socket -> true)) {
            Tcp client = connect(loop, peer.address());
            assertThat(peer.result()).isTrue();
            List<String> outcomes = new ArrayList<>();
            ByteBuffer block = ByteBuffer.wrap(pattern(64 * 1024)).asReadOnlyBuffer();
            Runnable[] writeNext = new Runnable[1];
            writeNext[0] = () -> {
                try {
                    client.write(block, error -> {
                        outcomes.add(describe(error));
                        if (error == null && outcomes.size() < 1000) {
                            writeNext[0].run();
                        }
                    });
                } catch (LoopException e) {
                    outcomes.add("threw " + e.code());
                }
            };
            writeNext[0].run();
            runUntil(loop, () -> !outcomes.isEmpty() && (!outcomes.getLast().equals("ok") || outcomes.size() >= 1000));
            assertThat(outcomes.getLast()).isIn("EPIPE", "ECONNRESET");
            assertThat(outcomes.subList(0, outcomes.size() - 1)).containsOnly("ok");
            assertThat(client.writeQueueSize()).isZero();
            Timer timer = loop.timer();
            boolean[] fired = {false};
            timer.start(() -> fired[0] = true, 1);
            runUntil(loop, () -> fired[0]);
            timer.close();
            client.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 103: after the peer has gone, a tryWrite loop ends with EPIPE, ECONNRESET or ECONNABORTED, and writeQueueSize stays 0")
    void tryWriteToGonePeerEndsWithError(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        pair.server().close();
        runToEnd(loop);
        ByteBuffer small = ByteBuffer.wrap(pattern(1024)).asReadOnlyBuffer();
        LoopException failure = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (failure == null && System.nanoTime() < deadline) {
            try {
                pair.client().tryWrite(small.duplicate());
            } catch (LoopException e) {
                failure = e;
            }
            assertThat(pair.client().writeQueueSize()).isZero();
            loop.run(RunMode.NOWAIT);
        }
        assertThat(failure).as("tryWrite failed within 10 s").isNotNull();
        assertThat(failure.code()).isIn(ErrorCode.EPIPE, ErrorCode.ECONNRESET, ErrorCode.ECONNABORTED);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 101: 32 MiB sent as gathering writes of 4 KiB buffers arrive byte-exact")
    void largeGatheringTransferArrivesByteExact(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        int buffersPerWrite = 1024;
        int bufferSize = 4096;
        int writes = 8;
        byte[] data = pattern(writes * buffersPerWrite * bufferSize);
        long[] verified = {0};
        long[] firstMismatch = {-1};
        List<String> ends = new ArrayList<>();
        pair.server().startRead(result -> {
            switch (result) {
                case ReadResult.Data(ByteBuffer bytes) -> {
                    int n = bytes.remaining();
                    int offset = (int) verified[0];
                    if (offset + n > data.length) {
                        firstMismatch[0] = data.length;
                    } else {
                        int at = bytes.mismatch(ByteBuffer.wrap(data, offset, n));
                        if (at >= 0 && firstMismatch[0] < 0) {
                            firstMismatch[0] = offset + at;
                        }
                    }
                    verified[0] += n;
                }
                case ReadResult.EndOfStream end -> ends.add("EOF");
                case ReadResult.Failed(LoopException e) -> ends.add(e.code().name());
            }
        });
        List<String> outcomes = new ArrayList<>();
        for (int w = 0; w < writes; w++) {
            ByteBuffer[] buffers = new ByteBuffer[buffersPerWrite];
            for (int b = 0; b < buffersPerWrite; b++) {
                buffers[b] = ByteBuffer.wrap(data, (w * buffersPerWrite + b) * bufferSize, bufferSize);
            }
            pair.client().write(buffers, error -> outcomes.add(describe(error)));
        }
        pair.client().shutdown(error -> outcomes.add("shutdown " + describe(error)));
        runUntil(loop, () -> !ends.isEmpty());
        assertThat(ends).containsExactly("EOF");
        assertThat(firstMismatch[0]).as("offset of the first wrong byte").isEqualTo(-1);
        assertThat(verified[0]).isEqualTo(data.length);
        runUntil(loop, () -> outcomes.size() == writes + 1);
        assertThat(outcomes).endsWith("shutdown ok").filteredOn(o -> !o.startsWith("shutdown")).containsOnly("ok");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 102: tryWrite returns the count written and advances the position; a zero-length tryWrite returns 0")
    void tryWriteReturnsCountAndAdvancesPosition(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        ByteBuffer hello = ascii("hello, world");
        hello.position(7);
        assertThat(pair.client().tryWrite(hello)).isEqualTo(5);
        assertThat(hello.position()).isEqualTo(12);
        ByteBuffer empty = ByteBuffer.allocate(0);
        assertThat(pair.client().tryWrite(empty)).isZero();
        assertThat(pair.client().tryWrite(hello)).as("nothing left between position and limit").isZero();
        assertThat(pair.client().writeQueueSize()).isZero();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        collect(pair.server(), received, new ArrayList<>());
        runUntil(loop, () -> received.size() >= 5);
        assertThat(received.toString(StandardCharsets.US_ASCII)).isEqualTo("world");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 102: tryWrite writes nothing and returns 0 while a connect is pending or writes are queued")
    void tryWriteWritesNothingWhileConnectPendingOrWritesQueued(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp listener = loop.tcp();
        listener.bind(Loops.loopback());
        List<Tcp> accepted = new ArrayList<>();
        listener.listen(8, error -> {
            try {
                accepted.add(listener.accept());
            } catch (LoopException e) {
                throw new AssertionError("accept failed", e);
            }
        });
        Tcp connecting = loop.tcp();
        List<String> connected = new ArrayList<>();
        connecting.connect(listener.localAddress(), error -> connected.add(describe(error)));
        ByteBuffer probe = ascii("early");
        assertThat(connecting.tryWrite(probe)).isZero();
        assertThat(probe.position()).isZero();

        List<String> outcomes = new ArrayList<>();
        fillUntilStuck(pair.client(), outcomes);
        long queued = pair.client().writeQueueSize();
        ByteBuffer late = ascii("late");
        assertThat(pair.client().tryWrite(late)).isZero();
        assertThat(late.position()).isZero();
        assertThat(pair.client().writeQueueSize()).isEqualTo(queued);

        runUntil(loop, () -> !connected.isEmpty() && accepted.size() == 1);
        assertThat(connected).containsExactly("ok");
        connecting.close();
        listener.close();
        accepted.forEach(Tcp::close);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 102: tryWrite returns 0 once the kernel's buffers are full, and never queues")
    void tryWriteReturnsZeroWhenKernelIsFull(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).asReadOnlyBuffer();
        long total = 0;
        int last = -1;
        for (int i = 0; i < 256 && last != 0; i++) {
            ByteBuffer attempt = chunk.duplicate();
            last = pair.client().tryWrite(attempt);
            assertThat(last).isBetween(0, 1 << 20).isEqualTo(attempt.position());
            total += last;
            assertThat(pair.client().writeQueueSize()).isZero();
        }
        assertThat(last).as("tryWrite returned 0 after %d bytes", total).isZero();
        assertThat(total).isPositive();
        long[] received = {0};
        drain(pair.server(), received, new ArrayList<>());
        long expected = total;
        runUntil(loop, () -> received[0] == expected);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 94, 96: write sends the bytes between position and limit and leaves the caller's buffers' position and limit alone")
    void writeLeavesCallerBuffersUntouched(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        ByteBuffer single = ascii("..abcd..");
        single.position(2).limit(6);
        ByteBuffer first = ascii("xyEF");
        first.position(2);
        ByteBuffer second = ascii("GH!!");
        second.limit(2);
        List<String> outcomes = new ArrayList<>();
        pair.client().write(single, error -> outcomes.add(describe(error)));
        pair.client().write(new ByteBuffer[] {first, second}, error -> outcomes.add(describe(error)));
        assertThat(single.position()).isEqualTo(2);
        assertThat(single.limit()).isEqualTo(6);
        assertThat(first.position()).isEqualTo(2);
        assertThat(first.limit()).isEqualTo(4);
        assertThat(second.position()).isZero();
        assertThat(second.limit()).isEqualTo(2);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        collect(pair.server(), received, new ArrayList<>());
        runUntil(loop, () -> outcomes.size() == 2 && received.size() >= 8);
        assertThat(outcomes).containsOnly("ok");
        assertThat(received.toString(StandardCharsets.US_ASCII)).isEqualTo("abcdEFGH");
        assertThat(single.position()).isEqualTo(2);
        assertThat(first.position()).isEqualTo(2);
        assertThat(second.position()).isZero();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 25: a write on an unreferenced handle keeps the loop alive until its callback has run")
    void writeOnUnreferencedHandleStillCompletes(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        runToEnd(loop);
        pair.client().unref();
        pair.server().unref();
        List<String> outcomes = new ArrayList<>();
        pair.client().write(ascii("unref"), error -> outcomes.add(describe(error)));
        assertThat(loop.isAlive()).isTrue();
        loop.run(RunMode.DEFAULT);
        assertThat(outcomes).containsExactly("ok");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 98: a write made by a write callback and finished at once is delivered later, so timers still run")
    void chainedWritesDoNotStarveTimers(Loop loop) throws Exception {
        try (JdkPeer<Long> peer = new JdkPeer<>(socket -> {
            long total = 0;
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = socket.getInputStream().read(buffer)) > 0; ) {
                total += n;
            }
            return total;
        })) {
            Tcp client = loop.tcp();
            boolean[] connected = {false};
            client.connect(peer.address(), error -> connected[0] = error == null);
            runUntil(loop, () -> connected[0]);
            ByteBuffer chunk = ByteBuffer.allocate(256);
            long start = System.nanoTime();
            long giveUp = start + TimeUnit.SECONDS.toNanos(3);
            long[] firedAfter = {-1};
            int[] writes = {0};
            boolean[] done = {false};
            Timer timer = loop.timer();
            timer.start(() -> firedAfter[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), 20);
            io.loopsock.Completion[] next = new io.loopsock.Completion[1];
            next[0] = error -> {
                if (error == null && firedAfter[0] < 0 && System.nanoTime() < giveUp) {
                    writes[0]++;
                    client.write(chunk, next[0]);
                } else {
                    done[0] = true;
                }
            };
            client.write(chunk, next[0]);
            runUntil(loop, () -> done[0] && firedAfter[0] >= 0);
            client.close();
            timer.close();
            runToEnd(loop);
            assertThat(firedAfter[0]).as("ms until a 20 ms timer fired, after %d chained writes", writes[0]).isLessThan(1_000);
        }
    }
}
