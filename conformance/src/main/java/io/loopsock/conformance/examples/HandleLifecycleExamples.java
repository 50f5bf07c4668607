package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static io.loopsock.conformance.testing.Streams.closeAll;
import static io.loopsock.conformance.testing.Streams.walked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.Async;
import io.loopsock.Check;
import io.loopsock.ErrorCode;
import io.loopsock.Handle;
import io.loopsock.Idle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Prepare;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.testing.LoopExtension;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The life of a handle: close and its callback, requests cancelled by close, closing state,
 * references and what keeps a loop alive (rules 17–29).
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class HandleLifecycleExamples {

    // ---- close callbacks -----------------------------------------------------------------------

    @Test
    @DisplayName("rule 17, 28: close never calls its callback inside close, for every kind of handle; the loop calls each once")
    void closeCallbackIsAlwaysDeferred(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        Timer timer = loop.timer();
        timer.start(() -> {}, 60_000);
        Idle idle = loop.idle();
        idle.start(() -> {});
        Prepare prepare = loop.prepare();
        Check check = loop.check();
        Async async = loop.async(() -> {});
        Tcp fresh = loop.tcp();
        List<Handle> handles = List.of(timer, idle, prepare, check, async, fresh, pair.listener(), pair.client(), pair.server());
        Map<Handle, Integer> calls = new LinkedHashMap<>();

        for (Handle handle : handles) {
            handle.close(() -> calls.merge(handle, 1, Integer::sum));
            assertThat(calls).as("right after closing %s", handle).doesNotContainKey(handle);
        }
        runToEnd(loop);

        assertThat(calls).hasSize(handles.size()).allSatisfy((handle, n) -> assertThat(n).as("%s", handle).isEqualTo(1));
    }

    @Test
    @DisplayName("rule 17, 51: a handle closed in a callback gets its close callback after check, in the same iteration")
    void closeCallbackRunsAfterCheckInSameIteration(Loop loop) {
        List<String> events = new ArrayList<>();
        Timer victim = loop.timer();
        Idle idle = loop.idle();
        Check check = loop.check();
        idle.start(() -> {
            events.add("idle");
            if (!victim.isClosing()) {
                victim.close(() -> events.add("close"));
                events.add("close returned");
            }
        });
        check.start(() -> events.add("check"));

        loop.run(RunMode.ONCE);

        assertThat(events).containsExactly("idle", "close returned", "check", "close");
        closeAll(idle, check);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 28: timer, write, shutdown and failed-connect callbacks never run inside the call that scheduled them")
    void callbacksNeverRunInsideTheSchedulingCall(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        Timer timer = loop.timer();
        timer.start(() -> events.add("timer"), 0);
        assertThat(events).as("after timer start").isEmpty();
        pair.client().write(ascii("data"), error -> events.add("write " + error));
        assertThat(events).as("after write").isEmpty();
        pair.client().shutdown(error -> events.add("shutdown " + error));
        assertThat(events).as("after shutdown").isEmpty();
        runToEnd(loop);
        assertThat(events).containsExactlyInAnyOrder("timer", "write null", "shutdown null");

        // A port nobody listens on: a listener's port after the listener is gone.
        Tcp gone = loop.tcp();
        gone.bind(loopback());
        gone.listen(1, error -> {});
        InetSocketAddress address = gone.localAddress();
        gone.close();
        runToEnd(loop);
        events.clear();
        Tcp refused = loop.tcp();
        refused.connect(address, error -> events.add("connect " + (error == null ? null : error.code())));
        assertThat(events).as("after connect").isEmpty();

        runUntil(loop, () -> !events.isEmpty());
        assertThat(events).hasSize(1);
        assertThat(events.getFirst()).startsWith("connect ").isNotEqualTo("connect null");
        closeAll(timer, refused);
        pair.close();
        runToEnd(loop);
    }

    // ---- requests cancelled by close ---------------------------------------------------------------

    @Test
    @DisplayName("rule 19, 98: closing a stream completes each queued write once, in order, and a pending shutdown, with ECANCELED, before the close callback")
    void closeCancelsPendingWritesBeforeCloseCallback(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        // The server never reads, so 32 MiB cannot all fit in the kernel's buffers.
        ByteBuffer megabyte = ByteBuffer.allocate(1 << 20);
        int writes = 32;
        List<String> events = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            int n = i;
            client.write(megabyte, error -> events.add("write " + n + " " + (error == null ? "ok" : error.code())));
        }
        client.shutdown(error -> events.add("shutdown " + (error == null ? "ok" : error.code())));
        for (int i = 0; i < 3; i++) {
            loop.run(RunMode.NOWAIT);
        }
        assertThat(client.writeQueueSize()).as("bytes still queued before close").isPositive();

        client.close(() -> events.add("close"));
        runUntil(loop, () -> events.contains("close"));

        assertThat(events).hasSize(writes + 2);
        for (int i = 0; i < writes; i++) {
            assertThat(events.get(i)).as("callback %d", i).matches("write " + i + " (ok|ECANCELED)");
        }
        List<String> outcomes = events.subList(0, writes).stream().map(e -> e.substring(e.lastIndexOf(' ') + 1)).toList();
        int firstCancelled = outcomes.indexOf("ECANCELED");
        assertThat(firstCancelled).as("at least the last write was cancelled").isNotNegative();
        assertThat(outcomes.subList(firstCancelled, writes)).as("no write succeeds after a cancelled one").containsOnly("ECANCELED");
        assertThat(events.get(writes)).isEqualTo("shutdown ECANCELED");
        assertThat(events.getLast()).isEqualTo("close");
        assertThat(client.writeQueueSize()).isZero();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 19: closing while a connect is pending completes the connect, the queued write and the shutdown with ECANCELED, in order, before the close callback")
    void closeCancelsPendingConnectBeforeCloseCallback(Loop loop) throws Exception {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        listener.listen(8, error -> {});
        Tcp client = loop.tcp();
        List<String> events = new ArrayList<>();
        client.connect(listener.localAddress(), error -> events.add("connect " + (error == null ? "ok" : error.code())));
        client.write(ascii("early"), error -> events.add("write " + (error == null ? "ok" : error.code())));
        client.shutdown(error -> events.add("shutdown " + (error == null ? "ok" : error.code())));

        client.close(() -> events.add("close"));
        listener.close();
        runToEnd(loop);

        assertThat(events).containsExactly("connect ECANCELED", "write ECANCELED", "shutdown ECANCELED", "close");
    }

    @Test
    @DisplayName("rule 17: a close callback may close another handle; that one's callback runs in a later iteration and run(DEFAULT) waits for it")
    void closeFromCloseCallbackFinishesInLaterIteration(Loop loop) {
        List<String> events = new ArrayList<>();
        Timer first = loop.timer();
        Timer second = loop.timer();
        first.close(() -> {
            events.add("first");
            second.close(() -> events.add("second"));
        });

        assertThat(loop.run(RunMode.ONCE)).as("the second handle is still closing").isTrue();
        assertThat(events).containsExactly("first");
        assertThat(walked(loop)).containsExactly(second);

        assertThat(loop.run()).isFalse();
        assertThat(events).containsExactly("first", "second");
        assertThat(walked(loop)).isEmpty();
    }

    // ---- closing state -------------------------------------------------------------------------

    @Test
    @DisplayName("rule 20: isClosing turns true when close returns and isActive false, for timers, watchers, async, listening and reading TCP")
    void closeSetsClosingAndClearsActive(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        pair.client().startRead(result -> {});
        Timer timer = loop.timer();
        timer.start(() -> {}, 60_000);
        Idle idle = loop.idle();
        idle.start(() -> {});
        Prepare prepare = loop.prepare();
        prepare.start(() -> {});
        Check check = loop.check();
        check.start(() -> {});
        Async async = loop.async(() -> {});
        List<Handle> handles = List.of(timer, idle, prepare, check, async, pair.listener(), pair.client());

        for (Handle handle : handles) {
            assertThat(handle.isActive()).as("%s active before close", handle).isTrue();
            assertThat(handle.isClosing()).as("%s closing before close", handle).isFalse();
            handle.close();
            assertThat(handle.isClosing()).as("%s closing after close", handle).isTrue();
            assertThat(handle.isActive()).as("%s active after close", handle).isFalse();
        }
        pair.server().close();
        runToEnd(loop);

        assertThat(handles).allSatisfy(handle -> {
            assertThat(handle.isClosing()).as("%s closing after its close callback", handle).isTrue();
            assertThat(handle.isActive()).as("%s active after its close callback", handle).isFalse();
        });
    }

    @Test
    @DisplayName("rule 20: closing stops the handle at once: a due timer, a sent async and a started idle handle never call back")
    void closeStopsHandleAtOnce(Loop loop) {
        List<String> events = new ArrayList<>();
        Timer timer = loop.timer();
        timer.start(() -> events.add("timer"), 0);
        Async async = loop.async(() -> events.add("async"));
        async.send();
        Idle idle = loop.idle();
        idle.start(() -> events.add("idle"));

        closeAll(timer, async, idle);
        async.send();
        runToEnd(loop);

        assertThat(events).isEmpty();
    }

    @Test
    @DisplayName("rule 21: closing a handle that is already closing throws IllegalStateException; only the first close callback runs")
    void doubleCloseThrows(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Timer timer = loop.timer();
        List<String> events = new ArrayList<>();
        for (Handle handle : List.of(timer, pair.client())) {
            handle.close(() -> events.add("first " + handle));
            assertThatThrownBy(() -> handle.close(() -> events.add("second " + handle)))
                    .as("second close of %s", handle).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(handle::close).as("second close of %s without callback", handle)
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> pair.client().closeReset(null)).as("closeReset of a closing handle")
                .isInstanceOf(IllegalStateException.class);

        runToEnd(loop);

        assertThat(events).containsExactlyInAnyOrder("first " + timer, "first " + pair.client());
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 22: starting, binding, listening, connecting, reading or writing on a closing handle throws IllegalStateException")
    void operationsOnClosingHandleThrow(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        Tcp client = pair.client();
        Tcp listener = pair.listener();
        Tcp fresh = loop.tcp();
        Timer timer = loop.timer();
        timer.start(() -> {}, 60_000);
        Idle idle = loop.idle();
        Prepare prepare = loop.prepare();
        Check check = loop.check();
        closeAll(client, listener, fresh, timer, idle, prepare, check);

        Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
        calls.put("timer.start", () -> timer.start(() -> {}, 1));
        calls.put("timer.again", timer::again);
        calls.put("idle.start", () -> idle.start(() -> {}));
        calls.put("prepare.start", () -> prepare.start(() -> {}));
        calls.put("check.start", () -> check.start(() -> {}));
        calls.put("tcp.bind", () -> fresh.bind(loopback()));
        calls.put("tcp.listen", () -> fresh.listen(1, error -> {}));
        calls.put("tcp.connect", () -> fresh.connect(loopback(), error -> {}));
        calls.put("listener.listen", () -> listener.listen(1, error -> {}));
        calls.put("listener.accept", listener::accept);
        calls.put("stream.startRead", () -> client.startRead(result -> {}));
        calls.put("stream.write", () -> client.write(ascii("x"), null));
        calls.put("stream.write(array)", () -> client.write(new ByteBuffer[] {ascii("x")}, null));
        calls.put("stream.tryWrite", () -> client.tryWrite(ascii("x")));
        calls.put("stream.shutdown", () -> client.shutdown(null));
        calls.put("stream.setOption", () -> client.setOption(StandardSocketOptions.TCP_NODELAY, true));
        calls.put("tcp.closeReset", () -> client.closeReset(null));
        calls.forEach((name, call) -> assertThatThrownBy(call).as(name).isInstanceOf(IllegalStateException.class));

        // Queries and the idempotent stops are still allowed.
        timer.stop();
        idle.stop();
        prepare.stop();
        check.stop();
        client.stopRead();
        assertThat(client.isReadable()).isFalse();
        assertThat(client.isWritable()).isFalse();
        assertThat(client.writeQueueSize()).isZero();
        assertThat(timer.dueIn()).isZero();
        assertThat(client.hasRef()).isTrue();
        pair.close();
        runToEnd(loop);
    }

    // ---- references ----------------------------------------------------------------------------

    @Test
    @DisplayName("rule 23: ref and unref are idempotent flags, not counters, and hasRef reflects the last call")
    void refAndUnrefAreIdempotentFlags(Loop loop) {
        Timer timer = loop.timer();
        assertThat(timer.hasRef()).as("referenced by default").isTrue();
        boolean[] fired = {false};
        timer.start(() -> fired[0] = true, 1);

        timer.unref();
        timer.unref();
        assertThat(timer.hasRef()).isFalse();
        assertThat(loop.isAlive()).isFalse();
        timer.ref();
        assertThat(timer.hasRef()).as("one ref undoes two unrefs").isTrue();
        assertThat(loop.isAlive()).isTrue();
        assertThat(loop.run()).isFalse();
        assertThat(fired[0]).as("the referenced timer kept the loop alive until it fired").isTrue();

        fired[0] = false;
        timer.start(() -> fired[0] = true, 0);
        timer.ref();
        timer.ref();
        assertThat(timer.hasRef()).isTrue();
        timer.unref();
        assertThat(timer.hasRef()).as("one unref undoes two refs").isFalse();
        assertThat(loop.isAlive()).isFalse();
        assertThat(loop.run()).isFalse();
        assertThat(fired[0]).as("the unreferenced timer did not keep the loop alive").isFalse();
        timer.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 24, 26: unreferenced active timer (0 ms), idle, prepare, check, async and listening TCP handles do not keep run(DEFAULT) alive and do not call back")
    void unreferencedActiveHandlesDoNotKeepLoopAlive(Loop loop) throws Exception {
        List<String> events = new ArrayList<>();
        Timer timer = loop.timer();
        timer.start(() -> events.add("timer"), 0);
        Idle idle = loop.idle();
        idle.start(() -> events.add("idle"));
        Prepare prepare = loop.prepare();
        prepare.start(() -> events.add("prepare"));
        Check check = loop.check();
        check.start(() -> events.add("check"));
        Async async = loop.async(() -> events.add("async"));
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        listener.listen(8, error -> events.add("connection"));
        List<Handle> handles = List.of(timer, idle, prepare, check, async, listener);

        for (Handle handle : handles) {
            handle.unref();
            assertThat(handle.isActive()).as("%s stays active", handle).isTrue();
        }
        assertThat(loop.isAlive()).isFalse();
        assertThat(loop.run()).isFalse();

        assertThat(events).isEmpty();
        closeAll(timer, idle, prepare, check, async, listener);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 24: an unreferenced reading TCP stream does not keep run(DEFAULT) alive")
    void unreferencedReadingStreamDoesNotKeepLoopAlive(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        pair.client().startRead(result -> events.add("read"));
        pair.client().unref();
        assertThat(pair.client().isActive()).isTrue();

        assertThat(loop.run()).isFalse();

        assertThat(events).isEmpty();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 25: write, shutdown and connect requests on unreferenced handles keep the loop alive and complete")
    void requestsOnUnreferencedHandlesComplete(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        runToEnd(loop);
        List<String> events = new ArrayList<>();
        pair.client().unref();
        pair.client().write(ascii("data"), error -> events.add("write " + error));
        pair.client().shutdown(error -> events.add("shutdown " + error));

        assertThat(loop.run()).isFalse();
        assertThat(events).containsExactly("write null", "shutdown null");

        Tcp listener = loop.tcp();
        listener.bind(loopback());
        List<Tcp> accepted = new ArrayList<>();
        listener.listen(8, error -> {
            try {
                Tcp tcp = listener.accept();
                accepted.add(tcp);
                tcp.close();
            } catch (LoopException e) {
                events.add("accept " + e.code());
            }
        });
        listener.unref();
        Tcp connecting = loop.tcp();
        connecting.unref();
        AtomicReference<String> connect = new AtomicReference<>();
        connecting.connect(listener.localAddress(), error -> connect.set("connect " + error));

        assertThat(loop.run()).isFalse();
        assertThat(connect.get()).isEqualTo("connect null");
        closeAll(listener, connecting);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 27: unref inside a prepare callback ends run(DEFAULT) after that iteration")
    void unrefInPrepareEndsLoop(Loop loop) {
        Prepare prepare = loop.prepare();
        int[] calls = {0};
        prepare.start(() -> {
            calls[0]++;
            prepare.unref();
        });

        assertThat(loop.run()).isFalse();

        assertThat(calls[0]).isEqualTo(1);
        assertThat(prepare.isActive()).isTrue();
        prepare.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 23, 24: a handle unreferenced before it starts does not keep the loop alive once started; ref makes it count")
    void referenceFlagAppliesWhenHandleStarts(Loop loop) {
        Idle idle = loop.idle();
        idle.unref();
        idle.start(() -> {});
        assertThat(loop.isAlive()).isFalse();
        idle.stop();
        idle.ref();
        assertThat(loop.isAlive()).as("ref on an inactive handle").isFalse();
        idle.start(() -> {});
        assertThat(loop.isAlive()).isTrue();
        idle.close();
        runToEnd(loop);
        assertThat(walked(loop)).isEmpty();
    }

    // ---- no init step --------------------------------------------------------------------------

    @Test
    @DisplayName("rule 29: every factory returns a handle already part of the loop, started or not, and Loop.close is EBUSY until each one has been closed")
    void everyHandleFromAFactoryMustBeClosed(Loop loop) throws Exception {
        List<Handle> handles = List.of(loop.tcp(), loop.pipe(), loop.timer(), loop.async(() -> {}), loop.idle(), loop.prepare(), loop.check());
        assertThat(walked(loop)).as("the loop's handles right after the factories").containsExactlyElementsOf(handles);
        for (Handle handle : handles) {
            assertThat(handle.isClosing()).as("%s closing", handle).isFalse();
        }
        for (Handle handle : handles) {
            assertCode(loop::close, ErrorCode.EBUSY);
            handle.close();
        }
        assertCode(loop::close, ErrorCode.EBUSY);
        runToEnd(loop);
        assertThat(walked(loop)).isEmpty();
        loop.close();
        assertThat(loop.isClosed()).isTrue();
    }
}
