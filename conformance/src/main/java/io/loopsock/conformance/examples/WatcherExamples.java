package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.Callback;
import io.loopsock.Async;
import io.loopsock.Check;
import io.loopsock.Handle;
import io.loopsock.Idle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Prepare;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.testing.JdkPeer;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import io.loopsock.conformance.testing.Streams;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Idle, prepare and check watchers, async handles, and a loop that must not spin (rules 47–57, 62). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class WatcherExamples {

    /** The three watcher kinds, which share start and stop but no common type. */
    enum Kind {
        IDLE, PREPARE, CHECK
    }

    /** One watcher of any kind, seen through its start, stop and handle. */
    private record Watcher(Handle handle, Consumer<Callback> starter, Runnable stopper) {
        static Watcher create(Kind kind, Loop loop) {
            return switch (kind) {
                case IDLE -> {
                    Idle idle = loop.idle();
                    yield new Watcher(idle, idle::start, idle::stop);
                }
                case PREPARE -> {
                    Prepare prepare = loop.prepare();
                    yield new Watcher(prepare, prepare::start, prepare::stop);
                }
                case CHECK -> {
                    Check check = loop.check();
                    yield new Watcher(check, check::start, check::stop);
                }
            };
        }

        void start(Callback callback) {
            starter.accept(callback);
        }

        void stop() {
            stopper.run();
        }
    }

    private static void closeAll(Loop loop, Handle... handles) {
        Streams.closeAll(handles);
        runToEnd(loop);
    }

    /** Runs {@code n} iterations that never block. */
    private static void nowait(Loop loop, int n) {
        for (int i = 0; i < n; i++) {
            loop.run(RunMode.NOWAIT);
        }
    }

    // ---- rule 47: idle -------------------------------------------------------------------------

    @Test
    @DisplayName("rule 47, 49: every iteration runs idle, then prepare, then the poll's work, then check")
    void idleRunsEveryIterationBeforePrepare(Loop loop) {
        Idle idle = loop.idle();
        Prepare prepare = loop.prepare();
        Check check = loop.check();
        List<String> events = new ArrayList<>();
        check.start(() -> events.add("check"));
        prepare.start(() -> events.add("prepare"));
        idle.start(() -> events.add("idle"));
        loop.execute(() -> events.add("poll"));
        nowait(loop, 3);
        assertThat(events).containsExactly(
                "idle", "prepare", "poll", "check",
                "idle", "prepare", "check",
                "idle", "prepare", "check");
        closeAll(loop, idle, prepare, check);
        assertThat(events).hasSize(10);
    }

    @Test
    @DisplayName("rule 47: while an idle handle is active, run(ONCE) does not block even when the next timer is far away")
    void activeIdleKeepsOnceFromBlocking(Loop loop) {
        Idle idle = loop.idle();
        Timer far = loop.timer();
        int[] idleRuns = {0};
        int[] farFired = {0};
        idle.start(() -> idleRuns[0]++);
        far.start(() -> farFired[0]++, 20_000);
        long start = System.nanoTime();
        boolean alive = loop.run(RunMode.ONCE);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000L;
        assertThat(elapsedMillis).as("ONCE blocked on the 20 s timer").isLessThan(5_000);
        assertThat(alive).isTrue();
        assertThat(idleRuns[0]).isEqualTo(1);
        assertThat(farFired[0]).isZero();
        closeAll(loop, idle, far);
    }

    @Test
    @DisplayName("rule 48: a spinning idle handle starves neither a 50 ms timer nor check handles")
    void idleDoesNotStarveTimerOrCheck(Loop loop) {
        Idle idle = loop.idle();
        Check check = loop.check();
        Timer timer = loop.timer();
        int[] idleRuns = {0};
        int[] checkRuns = {0};
        boolean[] starved = {false};
        long[] firedAt = {-1};
        long safety = System.nanoTime() + Loops.BOUND.toNanos();
        idle.start(() -> {
            idleRuns[0]++;
            if (System.nanoTime() - safety > 0) {
                starved[0] = true;
                idle.stop();
                check.stop();
                timer.stop();
            }
        });
        check.start(() -> checkRuns[0]++);
        loop.updateTime();
        long started = loop.now();
        timer.start(() -> {
            firedAt[0] = loop.now();
            idle.stop();
            check.stop();
        }, 50);
        boolean alive = loop.run();
        assertThat(starved[0]).as("the timer was starved").isFalse();
        assertThat(alive).isFalse();
        assertThat(firedAt[0] - started).isGreaterThanOrEqualTo(50);
        assertThat(idleRuns[0]).as("the idle handle spun meanwhile").isGreaterThan(1);
        assertThat(checkRuns[0]).as("check ran in every iteration").isEqualTo(idleRuns[0]);
        closeAll(loop, idle, check, timer);
    }

    // ---- rule 49: prepare and check around the poll ---------------------------------------------

    @Test
    @DisplayName("rule 49: prepare runs right before a blocking poll and check right after it, once each per iteration")
    void prepareBeforeBlockingPollAndCheckAfter(Loop loop) {
        Prepare prepare = loop.prepare();
        Check check = loop.check();
        Timer timer = loop.timer();
        List<String> events = new ArrayList<>();
        long[] prepareNanos = {0};
        long[] checkNanos = {0};
        prepare.start(() -> {
            events.add("prepare");
            prepareNanos[0] = System.nanoTime();
        });
        check.start(() -> {
            events.add("check");
            checkNanos[0] = System.nanoTime();
        });
        loop.updateTime();
        timer.start(() -> events.add("timer"), 40);
        loop.run(RunMode.ONCE);
        // ONCE polls until the timer is due, then runs check, then the timer phase.
        assertThat(events).containsExactly("prepare", "check", "timer");
        assertThat(checkNanos[0] - prepareNanos[0]).as("the poll blocked between prepare and check")
                .isGreaterThanOrEqualTo(Duration.ofMillis(30).toNanos());
        events.clear();
        nowait(loop, 2);
        assertThat(events).containsExactly("prepare", "check", "prepare", "check");
        closeAll(loop, prepare, check, timer);
    }

    // ---- rule 50: started from a callback of the same kind -------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    @DisplayName("rule 50: a watcher started from a callback of the same kind runs from the next iteration on")
    void watcherStartedFromSameKindRunsFromNextIteration(Kind kind, Loop loop) {
        Watcher first = Watcher.create(kind, loop);
        Watcher second = Watcher.create(kind, loop);
        List<String> events = new ArrayList<>();
        boolean[] startedSecond = {false};
        first.start(() -> {
            events.add("first");
            if (!startedSecond[0]) {
                startedSecond[0] = true;
                second.start(() -> events.add("second"));
            }
        });
        loop.run(RunMode.NOWAIT);
        assertThat(events).containsExactly("first");
        assertThat(second.handle().isActive()).isTrue();
        events.clear();
        loop.run(RunMode.NOWAIT);
        assertThat(events).containsExactlyInAnyOrder("first", "second");
        closeAll(loop, first.handle(), second.handle());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    @DisplayName("rule 50: a watcher stopped and started again from a callback of the same kind runs from the next iteration on")
    void watcherRestartedFromSameKindRunsFromNextIteration(Kind kind, Loop loop) {
        Watcher a = Watcher.create(kind, loop);
        Watcher b = Watcher.create(kind, loop);
        List<String> events = new ArrayList<>();
        boolean[] restarted = {false};
        Callback[] callbacks = new Callback[2];
        // Whichever runs first restarts the other, so the test holds for any order within a pass.
        callbacks[0] = () -> {
            events.add("a");
            if (!restarted[0]) {
                restarted[0] = true;
                b.stop();
                b.start(callbacks[1]);
            }
        };
        callbacks[1] = () -> {
            events.add("b");
            if (!restarted[0]) {
                restarted[0] = true;
                a.stop();
                a.start(callbacks[0]);
            }
        };
        a.start(callbacks[0]);
        b.start(callbacks[1]);
        loop.run(RunMode.NOWAIT);
        assertThat(events).as("only the watcher that was not restarted runs in this pass").hasSize(1);
        events.clear();
        loop.run(RunMode.NOWAIT);
        assertThat(events).containsExactlyInAnyOrder("a", "b");
        closeAll(loop, a.handle(), b.handle());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    @DisplayName("watcher: a watcher stopped by an earlier callback of the same pass does not run")
    void watcherStoppedByEarlierCallbackDoesNotRun(Kind kind, Loop loop) {
        Watcher a = Watcher.create(kind, loop);
        Watcher b = Watcher.create(kind, loop);
        List<String> events = new ArrayList<>();
        a.start(() -> {
            events.add("a");
            b.stop();
        });
        b.start(() -> {
            events.add("b");
            a.stop();
        });
        loop.run(RunMode.NOWAIT);
        assertThat(events).hasSize(1);
        nowait(loop, 2);
        assertThat(events).as("the stopped one stays stopped, the other runs on").hasSize(3).containsOnly(events.get(0));
        closeAll(loop, a.handle(), b.handle());
    }

    // ---- rule 51: check before close callbacks --------------------------------------------------

    @Test
    @DisplayName("rule 51: handles closed in a check callback get their close callbacks in the same iteration, after check")
    void handlesClosedInCheckCloseInSameIteration(Loop loop) {
        Idle idle = loop.idle();
        Check check = loop.check();
        Timer timer = loop.timer();
        List<String> events = new ArrayList<>();
        idle.start(() -> events.add("idle"));
        timer.start(() -> events.add("timer"), 600_000);
        check.start(() -> {
            events.add("check");
            check.close(() -> events.add("check closed"));
            idle.close(() -> events.add("idle closed"));
            timer.close(() -> events.add("timer closed"));
        });
        loop.run(RunMode.NOWAIT);
        assertThat(events).hasSize(5);
        assertThat(events.subList(0, 2)).containsExactly("idle", "check");
        // Rule 52: the order among close callbacks is not specified.
        assertThat(events.subList(2, 5)).containsExactlyInAnyOrder("check closed", "idle closed", "timer closed");
        assertThat(loop.isAlive()).isFalse();
        runToEnd(loop);
        assertThat(events).hasSize(5);
    }

    @Test
    @DisplayName("rule 51: a handle closed before the iteration gets its close callback after that iteration's check callbacks")
    void checkRunsBeforeCloseCallbacksOfSameIteration(Loop loop) {
        Check check = loop.check();
        Timer timer = loop.timer();
        List<String> events = new ArrayList<>();
        check.start(() -> events.add("check"));
        timer.close(() -> events.add("timer closed"));
        loop.run(RunMode.NOWAIT);
        assertThat(events).containsExactly("check", "timer closed");
        closeAll(loop, check);
    }

    // ---- rule 52: order --------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    @DisplayName("rule 52 (decided): restarting an active watcher replaces its callback (libuv keeps the old one); every watcher and every close callback runs once per turn, in an order loopsock does not promise")
    void restartReplacesTheCallbackAndEachRunsOnce(Kind kind, Loop loop) {
        Watcher a = Watcher.create(kind, loop);
        Watcher b = Watcher.create(kind, loop);
        Watcher c = Watcher.create(kind, loop);
        List<String> events = new ArrayList<>();
        // Started in an order that differs from the order they were made in.
        b.start(() -> events.add("b"));
        c.start(() -> events.add("c"));
        a.start(() -> events.add("a"));
        nowait(loop, 1);
        assertThat(events).containsExactlyInAnyOrder("b", "c", "a");
        events.clear();
        b.start(() -> events.add("b2"));
        nowait(loop, 1);
        assertThat(events).as("after restarting b (libuv would keep its old callback)")
                .containsExactlyInAnyOrder("b2", "c", "a");
        events.clear();
        c.handle().close(() -> events.add("c closed"));
        a.handle().close(() -> events.add("a closed"));
        b.handle().close(() -> events.add("b closed"));
        runToEnd(loop);
        assertThat(events).as("close callbacks, once each")
                .containsExactlyInAnyOrder("c closed", "a closed", "b closed");
    }

    // ---- rule 62: urgent data -------------------------------------------------------------------

    @Test
    @DisplayName("rule 62: TCP urgent (out-of-band) data from a JDK peer neither makes the loop busy-wait nor loses the ordinary bytes around it")
    void urgentDataNeitherSpinsNorLosesOrdinaryData(Loop loop) throws Exception {
        try (JdkPeer<String> peer = new JdkPeer<>(socket -> {
            OutputStream out = socket.getOutputStream();
            out.write("before".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.sendUrgentData('!');
            out.write("after".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Stays connected until the loop's side closes.
            try {
                return socket.getInputStream().read() < 0 ? "EOF" : "a byte";
            } catch (SocketException e) {
                return "SocketException: " + e.getMessage();
            }
        })) {
            Tcp client = loop.tcp();
            StringBuilder received = new StringBuilder();
            List<String> ends = new ArrayList<>();
            client.connect(peer.address(), error -> {
                if (error != null) {
                    throw error;
                }
                client.startRead(result -> {
                    switch (result) {
                        case ReadResult.Data(ByteBuffer bytes) -> received.append(StandardCharsets.US_ASCII.decode(bytes));
                        case ReadResult.EndOfStream end -> ends.add("EOF");
                        case ReadResult.Failed(LoopException e) -> ends.add(e.code().name());
                    }
                });
            });
            runUntil(loop, () -> received.indexOf("after") >= 0 || !ends.isEmpty());
            assertThat(ends).isEmpty();

            // The urgent byte has arrived before "after". Count the iterations while a 100 ms timer
            // is all the loop waits for: a loop woken again and again by it would spin through thousands.
            assertThat(Loops.iterationsWhileWaiting(loop, 100)).as("iterations while waiting 100 ms for a timer").isLessThan(20);

            // The urgent byte is out of band, or in line where a backend reads it so; the ordinary
            // bytes are all there, in order.
            assertThat(received.toString()).isIn("beforeafter", "before!after");
            assertThat(ends).isEmpty();
            Streams.closeAll(client);
            runToEnd(loop);
            assertThat(peer.result()).isEqualTo("EOF");
        }
    }

    // ---- rule 53 and our choices: start and stop ------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    @DisplayName("rule 53: start with a null callback throws NullPointerException and keeps the watcher as it was")
    void startWithNullCallbackThrowsNullPointerException(Kind kind, Loop loop) {
        Watcher watcher = Watcher.create(kind, loop);
        assertThatThrownBy(() -> watcher.start(null)).isInstanceOf(NullPointerException.class);
        assertThat(watcher.handle().isActive()).isFalse();
        assertThat(loop.isAlive()).isFalse();
        int[] runs = {0};
        watcher.start(() -> runs[0]++);
        assertThatThrownBy(() -> watcher.start(null)).isInstanceOf(NullPointerException.class);
        assertThat(watcher.handle().isActive()).isTrue();
        loop.run(RunMode.NOWAIT);
        assertThat(runs[0]).as("the old callback still runs").isEqualTo(1);
        closeAll(loop, watcher.handle());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    @DisplayName("rule 53: stop is idempotent: on a never-started, a stopped and a closing watcher")
    void stopIsIdempotent(Kind kind, Loop loop) {
        Watcher watcher = Watcher.create(kind, loop);
        int[] runs = {0};
        watcher.stop();
        watcher.start(() -> runs[0]++);
        watcher.stop();
        watcher.stop();
        assertThat(watcher.handle().isActive()).isFalse();
        assertThat(loop.isAlive()).isFalse();
        watcher.start(() -> runs[0]++);
        watcher.handle().close();
        watcher.stop();
        assertThat(watcher.handle().isActive()).isFalse();
        runToEnd(loop);
        assertThat(runs[0]).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    @DisplayName("watcher: starting an active watcher replaces its callback; it still runs once per iteration")
    void startingActiveWatcherReplacesCallback(Kind kind, Loop loop) {
        Watcher watcher = Watcher.create(kind, loop);
        int[] oldRuns = {0};
        int[] newRuns = {0};
        watcher.start(() -> oldRuns[0]++);
        watcher.start(() -> newRuns[0]++);
        assertThat(watcher.handle().isActive()).isTrue();
        nowait(loop, 3);
        assertThat(oldRuns[0]).isZero();
        assertThat(newRuns[0]).isEqualTo(3);
        watcher.stop();
        assertThat(loop.isAlive()).as("one stop undoes the two starts").isFalse();
        closeAll(loop, watcher.handle());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    @DisplayName("watcher: a watcher closed before the iteration never runs")
    void closedWatcherNeverRuns(Kind kind, Loop loop) {
        Watcher watcher = Watcher.create(kind, loop);
        int[] runs = {0};
        boolean[] closed = {false};
        watcher.start(() -> runs[0]++);
        watcher.handle().close(() -> closed[0] = true);
        assertThat(watcher.handle().isActive()).isFalse();
        assertThatThrownBy(() -> watcher.start(() -> runs[0]++)).isInstanceOf(IllegalStateException.class);
        runToEnd(loop);
        assertThat(closed[0]).isTrue();
        assertThat(runs[0]).isZero();
    }

    // ---- rule 54 ---------------------------------------------------------------------------------

    @Test
    @DisplayName("rule 54: run(ONCE) with an idle that stops itself and an active check runs check once and returns true")
    void onceWithSelfStoppingIdleAndActiveCheckReturnsTrue(Loop loop) {
        Idle idle = loop.idle();
        Check check = loop.check();
        int[] idleRuns = {0};
        int[] checkRuns = {0};
        idle.start(() -> {
            idleRuns[0]++;
            idle.stop();
        });
        check.start(() -> checkRuns[0]++);
        long start = System.nanoTime();
        boolean alive = loop.run(RunMode.ONCE);
        assertThat(System.nanoTime() - start).as("the poll did not block").isLessThan(Duration.ofSeconds(5).toNanos());
        assertThat(alive).isTrue();
        assertThat(idleRuns[0]).isEqualTo(1);
        assertThat(checkRuns[0]).isEqualTo(1);
        closeAll(loop, idle, check);
    }

    // ---- rules 55–57: async --------------------------------------------------------------------

    @Test
    @DisplayName("rule 55: an async handle is active and keeps the loop alive from creation until it is closed")
    void asyncIsActiveFromCreationUntilClosed(Loop loop) {
        int[] calls = {0};
        boolean[] closed = {false};
        Async async = loop.async(() -> calls[0]++);
        assertThat(async.isActive()).isTrue();
        assertThat(loop.isAlive()).isTrue();
        nowait(loop, 2);
        assertThat(async.isActive()).as("no send does not make it inactive").isTrue();
        async.close(() -> closed[0] = true);
        assertThat(async.isActive()).isFalse();
        assertThat(async.isClosing()).isTrue();
        runToEnd(loop);
        assertThat(closed[0]).isTrue();
        assertThat(calls[0]).isZero();
    }

    @Test
    @DisplayName("rule 55 (our choice): an async handle with a null callback is rejected with NullPointerException and no handle is made")
    void asyncWithNullCallbackIsRejected(Loop loop) {
        assertThatThrownBy(() -> loop.async(null)).isInstanceOf(NullPointerException.class);
        List<Handle> handles = new ArrayList<>();
        loop.walk(handles::add);
        assertThat(handles).isEmpty();
        assertThat(loop.isAlive()).isFalse();
    }

    @Test
    @DisplayName("rule 56: a send on the loop thread is delivered later by the loop, not inside send")
    void sendOnLoopThreadIsDeliveredByTheLoop(Loop loop) {
        int[] calls = {0};
        Async async = loop.async(() -> calls[0]++);
        async.send();
        async.send();
        assertThat(calls[0]).isZero();
        loop.run(RunMode.NOWAIT);
        assertThat(calls[0]).as("two sends before the callback coalesce to at least one, at most two").isBetween(1, 2);
        int afterFirst = calls[0];
        nowait(loop, 2);
        assertThat(calls[0]).as("no callback without a send").isEqualTo(afterFirst);
        closeAll(loop, async);
    }

    @Test
    @DisplayName("rule 56: N sends from another thread before the callback runs give between 1 and N callbacks")
    void sendsFromAnotherThreadCoalesce(Loop loop) throws Exception {
        int n = 100;
        AtomicInteger calls = new AtomicInteger();
        Async async = loop.async(calls::incrementAndGet);
        Timer heartbeat = heartbeat(loop);
        Thread sender = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                async.send();
            }
        }, "sender");
        sender.start();
        assertThat(sender.join(Loops.BOUND)).as("the sender finished").isTrue();
        runUntil(loop, () -> calls.get() >= 1);
        nowait(loop, 3);
        assertThat(calls.get()).isBetween(1, n);
        int before = calls.get();
        Thread late = new Thread(async::send, "late sender");
        late.start();
        assertThat(late.join(Loops.BOUND)).isTrue();
        runUntil(loop, () -> calls.get() > before);
        assertThat(calls.get()).as("a send after the callback ran gives exactly one more").isEqualTo(before + 1);
        closeAll(loop, async, heartbeat);
    }

    @Test
    @DisplayName("rule 56: every send made after the previous callback ran gives another callback (200 round trips)")
    void sendAfterCallbackRanGivesAnotherCallback(Loop loop) throws Exception {
        int rounds = 200;
        AtomicInteger calls = new AtomicInteger();
        Semaphore ran = new Semaphore(0);
        AtomicReference<String> failure = new AtomicReference<>();
        Async async = loop.async(() -> {
            calls.incrementAndGet();
            ran.release();
        });
        Timer heartbeat = heartbeat(loop);
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    async.send();
                    if (!ran.tryAcquire(Loops.BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                        failure.set("send " + i + " gave no callback");
                        return;
                    }
                }
            } catch (InterruptedException e) {
                failure.set("interrupted");
            }
        }, "ping");
        sender.start();
        runUntil(loop, () -> failure.get() != null || !sender.isAlive());
        assertThat(sender.join(Loops.BOUND)).isTrue();
        assertThat(failure.get()).isNull();
        assertThat(calls.get()).isEqualTo(rounds);
        closeAll(loop, async, heartbeat);
    }

    @Test
    @DisplayName("rule 56: a send from another thread wakes a loop blocked in its poll")
    void sendWakesBlockedLoop(Loop loop) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Async async = loop.async(calls::incrementAndGet);
        // An unreferenced far timer bounds the poll, so a lost wakeup fails the test instead of hanging it.
        Timer bound = loop.timer();
        bound.start(() -> {}, 8_000);
        bound.unref();
        CountDownLatch go = new CountDownLatch(1);
        Thread sender = new Thread(() -> {
            try {
                if (go.await(Loops.BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                    // Give the loop time to enter its poll, spinning on the clock.
                    long until = System.nanoTime() + Duration.ofMillis(100).toNanos();
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait();
                    }
                    async.send();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "waker");
        sender.start();
        go.countDown();
        long start = System.nanoTime();
        boolean alive = loop.run(RunMode.ONCE);
        long elapsed = System.nanoTime() - start;
        assertThat(calls.get()).as("the send woke the poll").isEqualTo(1);
        assertThat(elapsed).isLessThan(Duration.ofSeconds(6).toNanos());
        assertThat(alive).isTrue();
        assertThat(sender.join(Loops.BOUND)).isTrue();
        closeAll(loop, async, bound);
    }

    @Test
    @DisplayName("rule 56: a send after close, from any thread, is ignored")
    void sendAfterCloseIsIgnored(Loop loop) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        boolean[] closed = {false};
        Async async = loop.async(calls::incrementAndGet);
        async.close(() -> closed[0] = true);
        async.send();
        Thread other = new Thread(async::send, "late sender");
        other.start();
        assertThat(other.join(Loops.BOUND)).isTrue();
        runToEnd(loop);
        assertThat(closed[0]).isTrue();
        assertThat(calls.get()).isZero();
        assertThat(loop.isAlive()).isFalse();
    }

    @Test
    @DisplayName("watcher: an async handle closed while a send is pending does not call back")
    void asyncClosedWithPendingSendDoesNotCallBack(Loop loop) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Async async = loop.async(calls::incrementAndGet);
        Thread other = new Thread(async::send, "sender");
        other.start();
        assertThat(other.join(Loops.BOUND)).isTrue();
        async.close();
        runToEnd(loop);
        assertThat(calls.get()).isZero();
    }

    @Test
    @DisplayName("rule 57: an unreferenced async handle does not keep the loop alive; ref makes it count again")
    void unreferencedAsyncDoesNotKeepLoopAlive(Loop loop) {
        int[] calls = {0};
        Async async = loop.async(() -> calls[0]++);
        async.unref();
        assertThat(async.isActive()).as("unref does not deactivate").isTrue();
        assertThat(loop.isAlive()).isFalse();
        long start = System.nanoTime();
        assertThat(loop.run()).isFalse();
        assertThat(System.nanoTime() - start).as("run returned at once").isLessThan(Duration.ofSeconds(5).toNanos());
        async.ref();
        assertThat(loop.isAlive()).isTrue();
        closeAll(loop, async);
        assertThat(calls[0]).isZero();
    }

    /**
     * An unreferenced 20 ms repeating timer: it bounds every poll, so that {@link Loops#runUntil}
     * can check its deadline even if an async wakeup were lost.
     */
    private static Timer heartbeat(Loop loop) {
        Timer heartbeat = loop.timer();
        heartbeat.start(() -> {}, 20, 20);
        heartbeat.unref();
        return heartbeat;
    }
}
