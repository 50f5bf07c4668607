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
import io.loopsock.Tcp;
import io.loopsock.conformance.testing.LoopExtension;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reading from TCP streams: data, end of stream, errors, stop and restart (rules 84–93). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpReadExamples {

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
}
