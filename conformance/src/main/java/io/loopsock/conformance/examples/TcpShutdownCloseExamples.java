package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static io.loopsock.conformance.testing.Streams.describe;
import static io.loopsock.conformance.testing.Streams.drain;
import static io.loopsock.conformance.testing.Streams.recordReads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.testing.Descriptors;
import io.loopsock.conformance.testing.JdkPeer;
import io.loopsock.conformance.testing.LoopExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Shutdown, close and reset: ordering against writes, half-close, cancellation, descriptors, what the peer sees (rules 18, 19, 103, 105–111). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpShutdownCloseExamples {
    /** A chunk big enough that a few of them fill the kernel's buffers when the peer does not read. */
    private static final int CHUNK = 4 << 20;

    /**
     * Writes chunks of zeros until bytes stay queued (the peer must not be reading); callbacks add
     * "writeN outcome" to the list.
     *
     * @return the bytes written
     */
    private static long fillUntilStuck(Tcp tcp, List<String> events) throws LoopException {
        ByteBuffer zeros = ByteBuffer.allocate(CHUNK).asReadOnlyBuffer();
        long written = 0;
        for (int i = 0; i < 64 && tcp.writeQueueSize() == 0; i++) {
            int index = i;
            tcp.write(zeros, error -> events.add("write" + index + " " + describe(error)));
            written += CHUNK;
        }
        assertThat(tcp.writeQueueSize()).as("bytes stuck in the write queue after %d bytes", written).isPositive();
        return written;
    }

    /** The descriptor count to come back to once the given number of sockets are closed. */
    private static Descriptors.Count minusSockets(int sockets) {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "no /proc/self/fd to count descriptors");
        return new Descriptors.Count(Map.of("all", Descriptors.count().total() - sockets));
    }



    @Test
    @DisplayName("rule 105: shutdown waits for queued writes; its callback follows every write callback with writeQueueSize 0, then the peer reads everything and EOF")
    void shutdownWaitsForQueuedWrites(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        List<String> events = new ArrayList<>();
        long written = fillUntilStuck(client, events);
        int writes = (int) (written / CHUNK);
        long[] queueAtShutdown = {-1};
        client.shutdown(error -> {
            events.add("shutdown " + describe(error));
            queueAtShutdown[0] = client.writeQueueSize();
        });
        assertThat(events).doesNotContain("shutdown ok");
        long[] received = {0};
        List<String> ends = new ArrayList<>();
        drain(pair.server(), received, ends);
        runUntil(loop, () -> !ends.isEmpty() && events.size() == writes + 1);
        assertThat(events).last().isEqualTo("shutdown ok");
        assertThat(events.subList(0, writes)).allMatch(e -> e.endsWith(" ok"));
        assertThat(queueAtShutdown[0]).isZero();
        assertThat(ends).containsExactly("EOF");
        assertThat(received[0]).isEqualTo(written);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 105, 87: after shutdown the peer reads EOF but can still write back, and the half-closed side still reads")
    void halfClosedStreamStillReads(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> atServer = recordReads(pair.server());
        List<String> atClient = recordReads(pair.client());
        pair.client().write(ascii("question"), null);
        pair.client().shutdown(null);
        runUntil(loop, () -> atServer.contains("EOF"));
        assertThat(String.join("", atServer)).isEqualTo("questionEOF");
        assertThat(pair.server().isWritable()).isTrue();
        pair.server().write(ascii("answer"), null);
        pair.server().shutdown(null);
        runUntil(loop, () -> atClient.contains("EOF"));
        assertThat(String.join("", atClient)).isEqualTo("answerEOF");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 106: isWritable is false as soon as shutdown returns; write and tryWrite are then EPIPE, while reading stays possible")
    void notWritableOnceShutdownReturns(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        assertThat(client.isWritable()).isTrue();
        List<LoopException> callbacks = new ArrayList<>();
        client.shutdown(null);
        assertThat(client.isWritable()).isFalse();
        assertThat(client.isReadable()).isTrue();
        assertCode(() -> client.write(ascii("late"), callbacks::add), ErrorCode.EPIPE);
        assertCode(() -> client.tryWrite(ascii("late")), ErrorCode.EPIPE);
        pair.close();
        runToEnd(loop);
        assertThat(callbacks).isEmpty();
    }

    @Test
    @DisplayName("rule 107: a second shutdown is ENOTCONN and only the first callback runs; shutdown before connecting is ENOTCONN")
    void secondShutdownIsNotConnected(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> callbacks = new ArrayList<>();
        pair.client().shutdown(error -> callbacks.add("first " + describe(error)));
        assertCode(() -> pair.client().shutdown(error -> callbacks.add("second " + describe(error))), ErrorCode.ENOTCONN);
        runUntil(loop, () -> !callbacks.isEmpty());
        assertCode(() -> pair.client().shutdown(error -> callbacks.add("third " + describe(error))), ErrorCode.ENOTCONN);
        Tcp fresh = loop.tcp();
        assertCode(() -> fresh.shutdown(error -> callbacks.add("fresh " + describe(error))), ErrorCode.ENOTCONN);
        fresh.close();
        pair.close();
        runToEnd(loop);
        assertThat(callbacks).containsExactly("first ok");
    }

    @Test
    @DisplayName("rule 108: shutdown right before close calls the shutdown callback once, with success or ECANCELED, then the close callback")
    void shutdownThenCloseCallsShutdownOnceThenClose(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        pair.client().shutdown(error -> events.add("shutdown " + describe(error)));
        pair.client().close(() -> events.add("closed"));
        runToEnd(loop);
        assertThat(events).hasSize(2).last().isEqualTo("closed");
        assertThat(events.getFirst()).isIn("shutdown ok", "shutdown ECANCELED");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 108, 19: close with writes and a shutdown still queued cancels them, in order, before the close callback")
    void closeWithQueuedWritesAndShutdownCancelsThem(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        fillUntilStuck(pair.client(), events);
        pair.client().write(ascii("tail"), error -> events.add("tail " + describe(error)));
        pair.client().shutdown(error -> events.add("shutdown " + describe(error)));
        pair.client().close(() -> events.add("closed"));
        runToEnd(loop);
        assertThat(events).endsWith("tail ECANCELED", "shutdown ECANCELED", "closed");
        assertThat(events.stream().filter(e -> e.startsWith("write"))).allMatch(e -> e.endsWith(" ok") || e.endsWith(" ECANCELED"));
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 109: both ends shutting down at once complete without hanging, and each reads EOF")
    void simultaneousShutdownGivesEachSideEndOfStream(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> atClient = recordReads(pair.client());
        List<String> atServer = recordReads(pair.server());
        List<String> shutdowns = new ArrayList<>();
        pair.client().shutdown(error -> shutdowns.add("client " + describe(error)));
        pair.server().shutdown(error -> shutdowns.add("server " + describe(error)));
        runUntil(loop, () -> shutdowns.size() == 2 && atClient.contains("EOF") && atServer.contains("EOF"));
        assertThat(shutdowns).containsExactlyInAnyOrder("client ok", "server ok");
        assertThat(atClient).containsExactly("EOF");
        assertThat(atServer).containsExactly("EOF");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 110: closeReset makes a JDK socket peer's read fail with SocketException \"Connection reset\"")
    void closeResetMakesJdkPeerSeeConnectionReset(Loop loop) throws Exception {
        try (JdkPeer<String> peer = new JdkPeer<>(socket -> {
            try {
                int first = socket.getInputStream().read();
                return "read returned " + first;
            } catch (SocketException e) {
                return e.getMessage();
            }
        })) {
            Tcp client = loop.tcp();
            List<String> events = new ArrayList<>();
            client.connect(peer.address(), error -> events.add("connect " + describe(error)));
            runUntil(loop, () -> !events.isEmpty());
            assertThat(events).containsExactly("connect ok");
            peer.awaitAccepted();
            client.closeReset(() -> events.add("closed"));
            runToEnd(loop);
            assertThat(events).containsExactly("connect ok", "closed");
            assertThat(peer.result()).containsIgnoringCase("connection reset");
        }
    }

    @Test
    @DisplayName("rule 110: closeReset right after shutdown (its callback not yet run) is EINVAL and leaves the handle open")
    void closeResetRightAfterShutdownIsInvalid(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        pair.client().shutdown(error -> events.add("shutdown " + describe(error)));
        assertCode(() -> pair.client().closeReset(() -> events.add("reset closed")), ErrorCode.EINVAL);
        assertThat(pair.client().isClosing()).isFalse();
        pair.client().close(() -> events.add("closed"));
        runToEnd(loop);
        assertThat(events).containsExactly("shutdown ok", "closed");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 110: closeReset while a shutdown waits behind queued writes is EINVAL and leaves the handle open")
    void closeResetWithQueuedShutdownIsInvalid(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        fillUntilStuck(pair.client(), events);
        pair.client().shutdown(error -> events.add("shutdown " + describe(error)));
        assertCode(() -> pair.client().closeReset(() -> events.add("reset closed")), ErrorCode.EINVAL);
        assertThat(pair.client().isClosing()).isFalse();
        pair.client().close(() -> events.add("closed"));
        runToEnd(loop);
        assertThat(events).endsWith("shutdown ECANCELED", "closed").doesNotContain("reset closed");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 110, 19: closeReset with writes queued runs their callbacks (ECANCELED) before the close callback; the peer reads ECONNRESET")
    void closeResetRunsPendingWriteCallbacksBeforeCloseCallback(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        fillUntilStuck(pair.client(), events);
        int writes = events.size();
        pair.client().write(ascii("tail"), error -> events.add("tail " + describe(error)));
        pair.client().closeReset(() -> events.add("closed"));
        runToEnd(loop);
        assertThat(events).endsWith("tail ECANCELED", "closed");
        assertThat(events).contains("closed").filteredOn(e -> e.startsWith("write")).isNotEmpty();
        assertThat(writes).as("callbacks run inside write").isZero();
        long[] received = {0};
        List<String> ends = new ArrayList<>();
        drain(pair.server(), received, ends);
        runUntil(loop, () -> !ends.isEmpty());
        assertThat(ends).containsExactly("ECONNRESET");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 18: closing a stream with unread data releases its descriptor; the peer sees a reset or the end")
    void closingWithUnreadDataLeavesNoDescriptor(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        runToEnd(loop);
        Descriptors.Count target = minusSockets(2);
        List<String> outcomes = new ArrayList<>();
        pair.client().write(ascii("never read"), error -> outcomes.add(describe(error)));
        runUntil(loop, () -> !outcomes.isEmpty());
        List<String> atClient = recordReads(pair.client());
        pair.server().close();
        runUntil(loop, () -> !atClient.isEmpty());
        assertThat(atClient).singleElement().isIn("ECONNRESET", "EOF");
        pair.client().close();
        runToEnd(loop);
        Descriptors.Count after = Descriptors.awaitAtMost(target);
        assertThat(after.total()).as("descriptors after closing both ends: %s", after).isLessThanOrEqualTo(target.total());
    }

    @Test
    @DisplayName("rule 18: bytes that arrive after stopRead are unread bytes: closing then ends the connection for the peer as closing with bytes never read does (a reset where the kernel resets), also where a receive already in the kernel took them")
    void bytesArrivedAfterStopReadCountAsUnreadAtClose(Loop loop) throws Exception {
        String neverRead = peerSeesCloseWithUnreadBytes(loop, false);
        String stoppedFirst = peerSeesCloseWithUnreadBytes(loop, true);
        assertThat(neverRead).as("the peer's read after a close with bytes never read").isIn("EOF", "SocketException: Connection reset");
        assertThat(stoppedFirst).as("the peer's read after a close with bytes that arrived after stopRead").isEqualTo(neverRead);
    }

    /**
     * Connects to a JDK peer that writes 100 bytes when told and then reads; closes without reading
     * them and returns what the peer's read saw.
     *
     * @param readThenStop read first and stop before the bytes come (a completion backend then has a
     *     receive in the kernel when they arrive), instead of never reading
     */
    private static String peerSeesCloseWithUnreadBytes(Loop loop, boolean readThenStop) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        try (JdkPeer<String> peer = new JdkPeer<>(socket -> {
            try {
                if (!go.await(10, TimeUnit.SECONDS)) {
                    return "never told to write";
                }
            } catch (InterruptedException e) {
                return "interrupted";
            }
            socket.getOutputStream().write(new byte[100]);
            written.countDown();
            try {
                int first = socket.getInputStream().read();
                return first < 0 ? "EOF" : "byte " + first;
            } catch (SocketException e) {
                return "SocketException: " + e.getMessage();
            }
        })) {
            Tcp client = connectTo(loop, peer);
            List<String> reads = new ArrayList<>();
            if (readThenStop) {
                client.startRead(result -> reads.add(result.toString()));
                // A completion backend now has a receive in the kernel; stopRead only queues its cancel.
                loop.run(RunMode.NOWAIT);
                client.stopRead();
            }
            go.countDown();
            assertThat(written.await(10, TimeUnit.SECONDS)).as("the peer wrote").isTrue();
            // The bytes are in the kernel's queue, or were taken by that receive and are held for
            // the next read; a timer keeps the loop running until they are counted.
            Timer ticking = loop.timer();
            ticking.start(() -> {}, 1, 1);
            runUntil(loop, () -> {
                try {
                    return client.bytesReadable() == 100;
                } catch (LoopException e) {
                    throw new AssertionError("bytesReadable failed", e);
                }
            });
            ticking.close();
            assertThat(reads).as("reads while stopped").isEmpty();
            client.close();
            runToEnd(loop);
            return peer.result();
        }
    }

    @Test
    @DisplayName("rule 18: closing both ends and the listener in one go releases all three descriptors")
    void closingBothSidesLeavesNoDescriptor(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        Descriptors.Count target = minusSockets(3);
        pair.client().write(ascii("in flight"), null);
        pair.server().write(ascii("in flight"), null);
        pair.close();
        runToEnd(loop);
        Descriptors.Count after = Descriptors.awaitAtMost(target);
        assertThat(after.total()).as("descriptors after closing: %s", after).isLessThanOrEqualTo(target.total());
    }

    @Test
    @DisplayName("rule 18: close releases the socket at once, so a listener's port can be bound again before the loop runs")
    void closingListenerFreesItsPortAtOnce(Loop loop) throws Exception {
        Tcp first = loop.tcp();
        first.bind(loopback());
        first.listen(8, error -> {});
        InetSocketAddress address = first.localAddress();
        first.close();
        Tcp second = loop.tcp();
        second.bind(address);
        try {
            assertThatCode(() -> second.listen(8, error -> {})).as("listen on the port of a closed listener").doesNotThrowAnyException();
            assertThat(second.localAddress()).isEqualTo(address);
        } finally {
            second.close();
            runToEnd(loop);
        }
    }

    /** A JDK peer that reads once and reports what its read saw: "EOF", a byte, or the exception's message. */
    private static JdkPeer<String> readingPeer() throws IOException {
        return new JdkPeer<>(socket -> {
            try {
                int first = socket.getInputStream().read();
                return first < 0 ? "EOF" : "byte " + first;
            } catch (SocketException e) {
                return "SocketException: " + e.getMessage();
            }
        });
    }

    /** Connects a new handle to the JDK peer and runs the loop until the connect succeeded and the peer accepted. */
    private static Tcp connectTo(Loop loop, JdkPeer<?> peer) throws Exception {
        Tcp client = loop.tcp();
        List<String> connects = new ArrayList<>();
        client.connect(peer.address(), error -> connects.add(describe(error)));
        runUntil(loop, () -> !connects.isEmpty());
        assertThat(connects).containsExactly("ok");
        peer.awaitAccepted();
        return client;
    }

    @Test
    @DisplayName("rule 110, JDK-19: with JDK sockets as peers, close sends FIN, with the default linger or a positive one (the peer reads the end), and closeReset sends RST (the peer's read throws \"Connection reset\")")
    void closeSendsFinAndCloseResetSendsReset(Loop loop) throws Exception {
        try (JdkPeer<String> finPeer = readingPeer(); JdkPeer<String> lingerPeer = readingPeer(); JdkPeer<String> rstPeer = readingPeer()) {
            Tcp orderly = connectTo(loop, finPeer);
            Tcp lingering = connectTo(loop, lingerPeer);
            lingering.setOption(StandardSocketOptions.SO_LINGER, 5);
            Tcp reset = connectTo(loop, rstPeer);
            List<String> closed = new ArrayList<>();
            orderly.close(() -> closed.add("orderly"));
            lingering.close(() -> closed.add("lingering"));
            reset.closeReset(() -> closed.add("reset"));
            runToEnd(loop);
            assertThat(closed).containsExactlyInAnyOrder("orderly", "lingering", "reset");
            assertThat(finPeer.result()).as("after close").isEqualTo("EOF");
            assertThat(lingerPeer.result()).as("after close with SO_LINGER 5").isEqualTo("EOF");
            assertThat(rstPeer.result()).as("after closeReset").startsWith("SocketException: ").containsIgnoringCase("connection reset");
        }
    }

    @Test
    @DisplayName("rule 111: closeReset still works once a shutdown has completed: its close callback runs, and the peer, which read the end, finds the connection reset")
    void closeResetAfterCompletedShutdownResets(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        List<String> atServer = recordReads(pair.server());
        pair.client().shutdown(error -> events.add("shutdown " + describe(error)));
        runUntil(loop, () -> events.contains("shutdown ok") && atServer.contains("EOF"));
        pair.client().closeReset(() -> events.add("closed"));
        runToEnd(loop);
        assertThat(events).containsExactly("shutdown ok", "closed");
        assertThat(atServer).containsExactly("EOF");
        // After an orderly close the peer's first write still succeeds (the reset only answers it);
        // after a reset it fails at once: on Linux EPIPE, the peer having seen the end first.
        assertThatThrownBy(() -> pair.server().tryWrite(ascii("anyone there?"))).as("the peer's first write")
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isIn(ErrorCode.EPIPE, ErrorCode.ECONNRESET));
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 103, JDK-17: after the peer's reset a tryWrite fails (ECONNRESET or EPIPE), then a real EPIPE follows, thrown and in a write callback, and its message does not say \"closed\"")
    void realBrokenPipeDoesNotLookLikeLocalClose(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        pair.server().closeReset(null);
        runToEnd(loop);
        // The client does not read, so the reset reaches it first through a write.
        List<ErrorCode> thrown = new ArrayList<>();
        LoopException lastThrown = null;
        for (int i = 0; i < 100 && thrown.size() < 2; i++) {
            try {
                client.tryWrite(ascii("x"));
            } catch (LoopException e) {
                thrown.add(e.code());
                lastThrown = e;
            }
        }
        assertThat(thrown).as("codes thrown by tryWrite").hasSize(2);
        assertThat(thrown.getFirst()).isIn(ErrorCode.ECONNRESET, ErrorCode.EPIPE);
        assertThat(thrown.getLast()).isEqualTo(ErrorCode.EPIPE);
        List<LoopException> callbacks = new ArrayList<>();
        client.write(ascii("x"), callbacks::add);
        runUntil(loop, () -> !callbacks.isEmpty());
        assertThat(callbacks).singleElement().isNotNull();
        LoopException inCallback = callbacks.getFirst();
        assertThat(inCallback.code()).isEqualTo(ErrorCode.EPIPE);
        for (Throwable e : List.of(lastThrown, inCallback)) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT)).as("message of %s", t).doesNotContain("closed");
            }
        }
        client.close();
        runToEnd(loop);
    }
}
