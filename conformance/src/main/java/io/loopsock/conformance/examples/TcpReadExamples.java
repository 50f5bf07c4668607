package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.recordReads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadResult;
import io.loopsock.Tcp;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import io.loopsock.conformance.testing.Streams;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reading from TCP streams: data, end of stream, errors, stop and restart, the lent buffer (rules 84–93, 120). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpReadExamples {

    /** Describes a read outcome as text: data as itself (US-ASCII), the end as "EOF", an error as its code. */
    private static String text(ReadResult result) {
        return switch (result) {
            case ReadResult.Data(ByteBuffer bytes) -> StandardCharsets.US_ASCII.decode(bytes).toString();
            case ReadResult.EndOfStream end -> "EOF";
            case ReadResult.Failed(LoopException e) -> e.code().name();
        };
    }

    /** Bytes that differ from one position to the next and from one seed to another. */
    private static byte[] pattern(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + seed + i / 251);
        }
        return bytes;
    }

    @Test
    @DisplayName("rule 85, 88 (seed): the server writes DATA and closes; the client reads the data, then the end of stream")
    void peerCloseMidReadGivesDataThenEndOfStream(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = recordReads(pair.client());
        pair.server().write(ascii("DATA"), error -> pair.server().close());
        runUntil(loop, () -> events.contains("EOF"));
        assertThat(String.join("", events.subList(0, events.size() - 1))).isEqualTo("DATA");
        assertThat(events).last().isEqualTo("EOF");
        assertThat(pair.client().isClosing()).as("EOF does not close the handle").isFalse();
        pair.client().close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 87: after EOF the stream stays readable and writable, and reading again reports EOF again")
    void readAfterEndOfStreamReportsEndAgain(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = recordReads(pair.client());
        pair.server().shutdown(null);
        runUntil(loop, () -> events.contains("EOF"));
        assertThat(pair.client().isReadable()).isTrue();
        assertThat(pair.client().isWritable()).isTrue();
        List<String> again = recordReads(pair.client());
        runUntil(loop, () -> again.contains("EOF"));
        assertThat(again).containsExactly("EOF");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 84: starting to read twice is EALREADY; on a listener it is ENOTCONN")
    void startReadTwiceIsAlready(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        pair.client().startRead(result -> {});
        assertThatThrownBy(() -> pair.client().startRead(result -> {}))
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EALREADY));
        assertThatThrownBy(() -> pair.listener().startRead(result -> {}))
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ENOTCONN));
        Tcp fresh = loop.tcp();
        assertThatThrownBy(() -> fresh.startRead(result -> {}))
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ENOTCONN));
        fresh.close();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 89: a peer reset gives ECONNRESET once; the stream is then neither readable nor writable")
    void peerResetGivesConnectionResetOnce(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = recordReads(pair.client());
        pair.server().closeReset(null);
        runUntil(loop, () -> !events.isEmpty());
        runUntil(loop, () -> !loop.isAlive() || true);
        assertThat(events).containsExactly("ECONNRESET");
        assertThat(pair.client().isReadable()).isFalse();
        assertThat(pair.client().isWritable()).isFalse();
        pair.client().close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 90: after stopRead no read callback runs, even when data arrives")
    void stopReadStopsCallbacks(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = recordReads(pair.client());
        pair.client().stopRead();
        pair.client().stopRead();
        boolean[] written = {false};
        pair.server().write(ascii("late"), error -> written[0] = true);
        runUntil(loop, () -> written[0]);
        for (int i = 0; i < 5; i++) {
            loop.run(io.loopsock.RunMode.NOWAIT);
        }
        assertThat(events).isEmpty();
        assertThat(pair.client().bytesReadable()).isEqualTo(4);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 89: a read callback may close another stream that became ready in the same poll")
    void readCallbackClosesAnotherReadyStream(Loop loop) throws Exception {
        var one = tcpPair(loop).closeListener();
        var two = tcpPair(loop).closeListener();
        List<String> events = new java.util.ArrayList<>();
        one.server().startRead(result -> {
            events.add("one");
            if (!two.server().isClosing()) {
                two.server().close();
            }
        });
        two.server().startRead(result -> {
            events.add("two");
            if (!one.server().isClosing()) {
                one.server().close();
            }
        });
        // Both resets arrive before the loop polls again, so both servers are ready in one select.
        one.client().closeReset(null);
        two.client().closeReset(null);
        runUntil(loop, () -> !events.isEmpty());
        one.close();
        two.close();
        runToEnd(loop);
        assertThat(events).hasSize(1);
    }

    @Test
    @DisplayName("rule 91: stopRead then startRead inside a read callback hands later data, and the end, to the new callback only")
    void restartInsideReadCallbackHandsLaterDataToNewCallback(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        client.startRead(result -> {
            first.add(text(result));
            client.stopRead();
            client.startRead(later -> second.add(text(later)));
            // Sent only now, so that it cannot have been read before the restart.
            pair.server().write(ascii("two"), null);
            pair.server().shutdown(null);
        });
        pair.server().write(ascii("one"), null);
        runUntil(loop, () -> second.contains("EOF"));
        assertThat(first).containsExactly("one");
        assertThat(String.join("", second)).isEqualTo("twoEOF");
        assertThat(second).last().isEqualTo("EOF");
        pair.close();
        runToEnd(loop);
        assertThat(first).hasSize(1);
    }

    @Test
    @DisplayName("rule 92: data waiting on streams that are not reading (one never started, one stopped) does not make the loop busy-wait, and none of it is lost")
    void unreadDataDoesNotMakeTheLoopBusy(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        List<String> first = new ArrayList<>();
        client.startRead(result -> {
            first.add(text(result));
            client.stopRead();
        });
        pair.server().write(ascii("first"), null);
        runUntil(loop, () -> !first.isEmpty());
        assertThat(first).containsExactly("first");
        boolean[] written = {false, false};
        pair.server().write(ascii("unread by the client"), error -> written[0] = error == null);
        client.write(ascii("unread by the server"), error -> written[1] = error == null);
        runUntil(loop, () -> written[0] && written[1]);

        // Count the iterations while a 100 ms timer is all the loop waits for: a loop polling the
        // unread sockets would spin through thousands; libuv's test allows 20 in a second.
        assertThat(Loops.iterationsWhileWaiting(loop, 100)).as("iterations while waiting 100 ms for a timer").isLessThan(20);

        List<String> atClient = recordReads(client);
        List<String> atServer = recordReads(pair.server());
        runUntil(loop, () -> String.join("", atClient).length() >= 20 && String.join("", atServer).length() >= 20);
        assertThat(String.join("", atClient)).isEqualTo("unread by the client");
        assertThat(String.join("", atServer)).isEqualTo("unread by the server");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 120: the lent read buffer serves every stream: callbacks that consume it, consume half of it, or only move its limit still get each stream's own bytes, and no read fails")
    void lentReadBufferServesEveryStream(Loop loop) throws Exception {
        // What each stream's callback leaves in the loop's buffer after copying the bytes through a view.
        List<Consumer<ByteBuffer>> leave = List.of(
                bytes -> bytes.position(bytes.limit()),
                bytes -> bytes.position(bytes.position() + bytes.remaining() / 2),
                bytes -> bytes.limit(bytes.position()));
        int streams = leave.size();
        List<Loops.Pair<Tcp>> pairs = new ArrayList<>();
        List<byte[]> sent = new ArrayList<>();
        List<ByteArrayOutputStream> received = new ArrayList<>();
        List<String> ends = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            var pair = tcpPair(loop).closeListener();
            // More than one read buffer's worth each (64 KiB on nio), so that reads of the streams interleave.
            byte[] bytes = pattern(300_000, 1 + 76 * i);
            ByteArrayOutputStream into = new ByteArrayOutputStream();
            int index = i;
            pair.client().startRead(result -> {
                switch (result) {
                    case ReadResult.Data(ByteBuffer lent) -> {
                        if (!lent.hasRemaining()) {
                            empty.add("stream " + index);
                        }
                        ByteBuffer view = lent.duplicate();
                        byte[] copy = new byte[view.remaining()];
                        view.get(copy);
                        into.write(copy, 0, copy.length);
                        leave.get(index).accept(lent);
                    }
                    case ReadResult.EndOfStream end -> ends.add("stream " + index + " EOF");
                    case ReadResult.Failed(LoopException e) -> ends.add("stream " + index + " " + e.code());
                }
            });
            pairs.add(pair);
            sent.add(bytes);
            received.add(into);
        }
        for (int i = 0; i < streams; i++) {
            pairs.get(i).server().write(ByteBuffer.wrap(sent.get(i)), null);
            pairs.get(i).server().shutdown(null);
        }
        runUntil(loop, () -> ends.size() == streams);
        assertThat(ends).containsExactlyInAnyOrder("stream 0 EOF", "stream 1 EOF", "stream 2 EOF");
        assertThat(empty).as("Data with no bytes").isEmpty();
        for (int i = 0; i < streams; i++) {
            byte[] got = received.get(i).toByteArray();
            assertThat(Arrays.mismatch(got, sent.get(i))).as("first wrong byte of stream %d (%d of %d bytes received)", i, got.length, sent.get(i).length)
                    .isEqualTo(-1);
        }
        pairs.forEach(Loops.Pair::close);
        runToEnd(loop);
    }
}
