package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.closeAll;
import static io.loopsock.conformance.testing.Streams.walked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.loopsock.Async;
import io.loopsock.Check;
import io.loopsock.ErrorCode;
import io.loopsock.Handle;
import io.loopsock.Idle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Prepare;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Running a loop: run modes and their results, the order of the phases, when the poll blocks,
 * stop, liveness, close, time, walk, executed tasks and failing callbacks (rules 1–15).
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class LoopRunExamples {

    /** Long enough that a poll blocking on it is unmistakable, short enough to stay under the timeout. */
    private static final long LONG_TIMER_MILLIS = 15_000;

    /** The most a run that must not block may take, even on a slow machine. */
    private static final long NO_BLOCK_MILLIS = 5_000;

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    // ---- run modes ---------------------------------------------------------------------------

    @Test
    @DisplayName("rule 1: run(DEFAULT) returns false at once on an empty loop, and false after draining its work")
    void runDefaultReturnsFalseWhenNothingIsLeft(Loop loop) {
        assertThat(loop.run()).as("empty loop").isFalse();

        Timer timer = loop.timer();
        int[] fired = {0};
        timer.start(() -> fired[0]++, 1);
        assertThat(loop.run(RunMode.DEFAULT)).as("after the timer fired").isFalse();
        assertThat(fired[0]).isEqualTo(1);

        timer.close();
        assertThat(loop.run()).as("after the close callback phase").isFalse();
        assertThat(walked(loop)).isEmpty();
    }

    @Test
    @DisplayName("rule 2: run(ONCE) runs exactly one iteration each call and returns true while work remains")
    void runOnceRunsOneIterationPerCall(Loop loop) {
        Idle idle = loop.idle();
        int[] idleCalls = {0};
        idle.start(() -> {
            if (++idleCalls[0] == 64) {
                idle.close();
            }
        });
        int runs = 0;
        boolean alive = true;
        while (alive && runs < 1000) {
            alive = loop.run(RunMode.ONCE);
            runs++;
            assertThat(idleCalls[0]).as("idle calls after %d ONCE runs", runs).isEqualTo(runs);
        }
        assertThat(runs).as("ONCE runs until the loop ended").isEqualTo(64);
        assertThat(alive).isFalse();
    }

    @Test
    @DisplayName("rule 2, 42: run(ONCE) with only a timer blocks in the poll until the timer is due, runs it and returns false")
    void runOnceBlocksUntilTimerIsDue(Loop loop) {
        Timer timer = loop.timer();
        boolean[] fired = {false};
        loop.updateTime();
        long start = System.nanoTime();
        timer.start(() -> fired[0] = true, 50);

        boolean alive = loop.run(RunMode.ONCE);

        assertThat(fired[0]).as("the timer fired in the one iteration").isTrue();
        assertThat(millisSince(start)).as("ms spent in run(ONCE)").isGreaterThanOrEqualTo(45);
        assertThat(alive).as("nothing is left after the one-shot timer").isFalse();
        timer.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 3: run(NOWAIT) does not block, does not fire a timer that is not due, and returns true while it is pending")
    void runNowaitDoesNotBlockOnPendingTimer(Loop loop) {
        Timer timer = loop.timer();
        boolean[] fired = {false};
        timer.start(() -> fired[0] = true, LONG_TIMER_MILLIS);
        long start = System.nanoTime();

        boolean alive = loop.run(RunMode.NOWAIT);

        assertThat(millisSince(start)).isLessThan(NO_BLOCK_MILLIS);
        assertThat(fired[0]).isFalse();
        assertThat(alive).isTrue();
        assertThat(timer.isActive()).isTrue();
        timer.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 4: in DEFAULT mode a due timer runs before the first iteration's idle callbacks")
    void defaultRunsDueTimersBeforeFirstIteration(Loop loop) {
        List<String> events = new ArrayList<>();
        Timer timer = loop.timer();
        Idle idle = loop.idle();
        timer.start(() -> events.add("timer"), 0);
        idle.start(() -> {
            events.add("idle");
            loop.stop();
        });

        assertThat(loop.run(RunMode.DEFAULT)).as("stopped with the idle handle active").isTrue();

        assertThat(events).containsExactly("timer", "idle");
        closeAll(timer, idle);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 4: in ONCE and NOWAIT modes a due timer runs only after the poll, so after idle")
    void onceAndNowaitRunDueTimersAfterPoll(Loop loop) {
        for (RunMode mode : new RunMode[] {RunMode.ONCE, RunMode.NOWAIT}) {
            List<String> events = new ArrayList<>();
            Timer timer = loop.timer();
            Idle idle = loop.idle();
            timer.start(() -> events.add("timer"), 0);
            idle.start(() -> events.add("idle"));

            assertThat(loop.run(mode)).as("%s: the idle handle is still active", mode).isTrue();

            assertThat(events).as("%s", mode).containsExactly("idle", "timer");
            closeAll(timer, idle);
            runToEnd(loop);
        }
    }

    // ---- phases ------------------------------------------------------------------------------

    @Test
    @DisplayName("rule 5: one iteration runs timers, pending, idle, prepare, poll, pending again, check, close callbacks, then due timers")
    void iterationRunsPhasesInOrder(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        pair.listener().close();
        runUntil(loop, () -> !walked(loop).contains(pair.listener()));
        Tcp client = pair.client();

        List<String> events = new ArrayList<>();
        Timer first = loop.timer();
        Timer late = loop.timer();
        Timer closed = loop.timer();
        Idle idle = loop.idle();
        Prepare prepare = loop.prepare();
        Check check = loop.check();
        Async async = loop.async(() -> {
            events.add("poll");
            try {
                // Completes at once, so its callback is deferred to the pending rounds after the poll.
                client.write(ascii("b"), error -> events.add("pending"));
            } catch (LoopException e) {
                events.add("write failed: " + e);
            }
        });

        first.start(() -> events.add("timer"), 0);
        // A write that finishes at once: its callback waits for the pending phase.
        client.write(ascii("a"), error -> events.add("pending"));
        idle.start(() -> events.add("idle"));
        prepare.start(() -> events.add("prepare"));
        async.send();
        loop.execute(() -> events.add("poll"));
        check.start(() -> {
            events.add("check");
            loop.stop();
            idle.stop();
            prepare.stop();
            check.stop();
            late.start(() -> events.add("timer"), 0);
        });
        closed.close(() -> events.add("close"));

        assertThat(loop.run(RunMode.DEFAULT)).as("stopped from check").isTrue();

        assertThat(events).containsExactly(
                "timer", "pending", "idle", "prepare", "poll", "poll", "pending", "check", "close", "timer");
        closeAll(first, late, idle, prepare, check, async);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 5: an I/O callback runs in the poll, after prepare and before check of the same iteration")
    void ioCallbackRunsBetweenPrepareAndCheck(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        List<String> events = new ArrayList<>();
        Prepare prepare = loop.prepare();
        Check check = loop.check();
        prepare.start(() -> events.add("prepare"));
        check.start(() -> events.add("check"));
        pair.server().startRead(result -> events.add(result instanceof ReadResult.Data ? "read" : result.toString()));
        pair.client().write(ascii("ping"), null);

        runUntil(loop, () -> events.contains("read"));

        int read = events.indexOf("read");
        assertThat(read).isPositive();
        assertThat(events.get(read - 1)).isEqualTo("prepare");
        assertThat(events).hasSizeGreaterThan(read + 1);
        assertThat(events.get(read + 1)).isEqualTo("check");
        closeAll(prepare, check);
        pair.close();
        runToEnd(loop);
    }

    // ---- poll timeout --------------------------------------------------------------------------

    @Test
    @DisplayName("rule 6, 47: an active idle handle makes run(ONCE) poll without blocking, even with a timer far off")
    void activeIdleMakesOnceNotBlock(Loop loop) {
        Timer timer = loop.timer();
        Idle idle = loop.idle();
        boolean[] fired = {false};
        int[] idleCalls = {0};
        timer.start(() -> fired[0] = true, LONG_TIMER_MILLIS);
        idle.start(() -> idleCalls[0]++);
        long start = System.nanoTime();

        boolean alive = loop.run(RunMode.ONCE);

        assertThat(millisSince(start)).isLessThan(NO_BLOCK_MILLIS);
        assertThat(idleCalls[0]).isEqualTo(1);
        assertThat(fired[0]).isFalse();
        assertThat(alive).isTrue();
        closeAll(timer, idle);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 6: a closing handle makes run(ONCE) poll without blocking, and its close callback runs in that iteration")
    void closingHandleMakesOnceNotBlock(Loop loop) {
        Timer timer = loop.timer();
        Idle closing = loop.idle();
        boolean[] closed = {false};
        timer.start(() -> {}, LONG_TIMER_MILLIS);
        closing.close(() -> closed[0] = true);
        long start = System.nanoTime();

        boolean alive = loop.run(RunMode.ONCE);

        assertThat(millisSince(start)).isLessThan(NO_BLOCK_MILLIS);
        assertThat(closed[0]).isTrue();
        assertThat(alive).as("the timer is still active").isTrue();
        timer.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 6: a pending callback makes run(ONCE) poll without blocking")
    void pendingCallbackMakesOnceNotBlock(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        pair.listener().close();
        runUntil(loop, () -> !walked(loop).contains(pair.listener()));
        Timer timer = loop.timer();
        timer.start(() -> {}, LONG_TIMER_MILLIS);
        boolean[] written = {false};
        pair.client().write(ascii("x"), error -> written[0] = true);
        long start = System.nanoTime();

        loop.run(RunMode.ONCE);

        assertThat(millisSince(start)).isLessThan(NO_BLOCK_MILLIS);
        assertThat(written[0]).isTrue();
        timer.close();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 6, 8: stop called in a prepare callback makes the poll of that iteration not block")
    void stopInPrepareMakesPollNotBlock(Loop loop) {
        Timer timer = loop.timer();
        Prepare prepare = loop.prepare();
        boolean[] fired = {false};
        timer.start(() -> fired[0] = true, LONG_TIMER_MILLIS);
        prepare.start(loop::stop);
        long start = System.nanoTime();

        boolean alive = loop.run(RunMode.DEFAULT);

        assertThat(millisSince(start)).isLessThan(NO_BLOCK_MILLIS);
        assertThat(alive).isTrue();
        assertThat(fired[0]).isFalse();
        closeAll(timer, prepare);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 7, 10: a timer that was created but never started keeps nothing alive, so run(ONCE) does not block")
    void unstartedTimerDoesNotKeepLoopAlive(Loop loop) {
        Timer timer = loop.timer();
        assertThat(loop.isAlive()).isFalse();
        long start = System.nanoTime();

        assertThat(loop.run(RunMode.ONCE)).isFalse();

        assertThat(millisSince(start)).isLessThan(NO_BLOCK_MILLIS);
        timer.close();
        runToEnd(loop);
    }

    // ---- stop --------------------------------------------------------------------------------

    @Test
    @DisplayName("rule 8: stop inside a callback ends run at the end of the current iteration, and the next run resumes")
    void stopInsideCallbackEndsAfterIteration(Loop loop) {
        List<String> events = new ArrayList<>();
        Idle idle = loop.idle();
        Prepare prepare = loop.prepare();
        Check check = loop.check();
        int[] idleCalls = {0};
        idle.start(() -> {
            events.add("idle");
            if (++idleCalls[0] == 1) {
                loop.stop();
            } else {
                closeAll(idle, prepare, check);
            }
        });
        prepare.start(() -> events.add("prepare"));
        check.start(() -> events.add("check"));

        assertThat(loop.run()).as("stopped with work left").isTrue();
        assertThat(events).as("the rest of the iteration still ran").containsExactly("idle", "prepare", "check");

        assertThat(loop.run()).as("the second run drains the loop").isFalse();
        assertThat(idleCalls[0]).isEqualTo(2);
    }

    @Test
    @DisplayName("rule 8: a repeating timer that calls stop on its first firing has fired once when run returns true")
    void repeatingTimerStopsLoopAfterOneFiring(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        timer.start(() -> {
            fired[0]++;
            if (fired[0] == 1) {
                loop.stop();
            } else if (fired[0] == 3) {
                timer.close();
            }
        }, 1, 1);

        assertThat(loop.run()).isTrue();
        assertThat(fired[0]).isEqualTo(1);

        assertThat(loop.run()).as("later runs resume normally").isFalse();
        assertThat(fired[0]).isEqualTo(3);
    }

    @Test
    @DisplayName("rule 9: stop before run makes run(DEFAULT) return true at once without running a due timer; the next run works")
    void stopBeforeRunReturnsAtOnce(Loop loop) {
        Timer timer = loop.timer();
        boolean[] fired = {false};
        timer.start(() -> fired[0] = true, 0);

        loop.stop();
        assertThat(loop.run()).isTrue();
        assertThat(fired[0]).as("the due timer did not run").isFalse();

        assertThat(loop.run()).as("the stop flag was cleared").isFalse();
        assertThat(fired[0]).isTrue();
        timer.close();
        runToEnd(loop);
    }

    // ---- liveness and close ------------------------------------------------------------------

    @Test
    @DisplayName("rule 10: isAlive is false on a fresh loop, true with a started timer, a queued task or a closing handle, false after draining")
    void isAliveFollowsWork(Loop loop) {
        assertThat(loop.isAlive()).as("fresh").isFalse();

        Timer timer = loop.timer();
        assertThat(loop.isAlive()).as("timer created").isFalse();
        timer.start(() -> {}, 1);
        assertThat(loop.isAlive()).as("timer started").isTrue();
        assertThat(loop.run()).isFalse();
        assertThat(loop.isAlive()).as("timer fired").isFalse();

        loop.execute(() -> {});
        assertThat(loop.isAlive()).as("task queued").isTrue();
        assertThat(loop.run()).isFalse();
        assertThat(loop.isAlive()).as("task ran").isFalse();

        timer.close();
        assertThat(loop.isAlive()).as("handle closing").isTrue();
        runToEnd(loop);
        assertThat(loop.isAlive()).as("closed").isFalse();
    }

    @Test
    @DisplayName("rule 11: close is EBUSY while a handle, even a never-started one, is not closed or a task is queued; then it succeeds")
    void closeIsBusyUntilHandlesHaveClosed(Loop loop) throws Exception {
        Idle idle = loop.idle();
        assertThatThrownBy(loop::close)
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EBUSY));
        assertThat(loop.isClosed()).isFalse();

        idle.close();
        assertThatThrownBy(loop::close).as("closing, close callback not run yet")
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EBUSY));
        runToEnd(loop);

        loop.execute(() -> {});
        assertThatThrownBy(loop::close).as("a task is queued")
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EBUSY));
        runToEnd(loop);

        loop.close();
        assertThat(loop.isClosed()).isTrue();
        loop.close();
        assertThat(loop.isClosed()).as("a second close is harmless").isTrue();
        assertThatThrownBy(loop::run).as("run on a closed loop").isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(loop::timer).as("a handle on a closed loop").isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("rule 11, 15: close called from a callback, while the loop runs, throws IllegalStateException")
    void closeFromCallbackThrows(Loop loop) {
        Timer timer = loop.timer();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        timer.start(() -> {
            try {
                timer.close();
                loop.close();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, 0);

        loop.run();

        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class);
        assertThat(loop.isClosed()).isFalse();
    }

    // ---- time ------------------------------------------------------------------------------

    @Test
    @DisplayName("rule 13: now is cached until updateTime, which advances it; it never goes back")
    void nowIsCachedUntilUpdateTime(Loop loop) {
        long cached = loop.now();
        long start = System.nanoTime();
        // Waits for the clock, not for an event: a short, bounded spin so that real time has passed.
        while (millisSince(start) < 5) {
            Thread.onSpinWait();
        }
        assertThat(loop.now()).as("still the cached value").isEqualTo(cached);

        loop.updateTime();
        assertThat(loop.now()).as("after updateTime").isGreaterThanOrEqualTo(cached + 5);
    }

    @Test
    @DisplayName("rule 13: now advances across repeated run(NOWAIT) calls and is monotonic")
    void nowAdvancesAcrossNowaitRuns(Loop loop) {
        long first = loop.now();
        long previous = first;
        long deadline = System.nanoTime() + Loops.BOUND.toNanos();
        while (previous - first < 20) {
            assertThat(System.nanoTime()).as("now did not advance within the bound").isLessThan(deadline);
            loop.run(RunMode.NOWAIT);
            long current = loop.now();
            assertThat(current).isGreaterThanOrEqualTo(previous);
            previous = current;
        }
        assertThat(previous - first).isGreaterThanOrEqualTo(20);
    }

    // ---- walk ------------------------------------------------------------------------------

    @Test
    @DisplayName("rule 14: walk visits every handle in creation order, closing ones included, and not once its close callback ran")
    void walkIncludesClosingHandlesUntilCloseCallback(Loop loop) {
        Timer timer = loop.timer();
        Idle idle = loop.idle();
        Tcp tcp = loop.tcp();
        Async async = loop.async(() -> {});
        boolean[] closed = {false};

        idle.close(() -> closed[0] = true);
        assertThat(walked(loop)).containsExactly(timer, idle, tcp, async);

        runUntil(loop, () -> closed[0]);
        assertThat(walked(loop)).containsExactly(timer, tcp, async);

        closeAll(timer, tcp, async);
        runToEnd(loop);
        assertThat(walked(loop)).isEmpty();
    }

    @Test
    @DisplayName("rule 14: a walk visitor may close the handles it visits")
    void walkVisitorMayCloseHandles(Loop loop) {
        Timer timer = loop.timer();
        Idle idle = loop.idle();
        Async async = loop.async(() -> {});
        timer.start(() -> {}, LONG_TIMER_MILLIS);
        idle.start(() -> {});
        List<Handle> visited = new ArrayList<>();

        loop.walk(handle -> {
            visited.add(handle);
            handle.close();
        });

        assertThat(visited).containsExactly(timer, idle, async);
        assertThat(visited).allSatisfy(handle -> assertThat(handle.isClosing()).isTrue());
        runToEnd(loop);
        assertThat(walked(loop)).isEmpty();
    }

    // ---- re-entry ----------------------------------------------------------------------------

    @Test
    @DisplayName("rule 15: run called from a callback throws IllegalStateException, and the outer run goes on")
    void runFromCallbackThrows(Loop loop) {
        Timer timer = loop.timer();
        List<Throwable> thrown = new ArrayList<>();
        timer.start(() -> {
            for (RunMode mode : RunMode.values()) {
                try {
                    loop.run(mode);
                } catch (Throwable t) {
                    thrown.add(t);
                }
            }
        }, 0);

        assertThat(loop.run()).isFalse();

        assertThat(thrown).hasSize(RunMode.values().length)
                .allSatisfy(t -> assertThat(t).isInstanceOf(IllegalStateException.class));
        timer.close();
        runToEnd(loop);
    }

    // ---- execute -----------------------------------------------------------------------------

    @Test
    @DisplayName("loop: tasks executed from another thread run on the loop thread, in submission order, and keep the loop alive until they ran")
    void executeFromAnotherThreadRunsInOrderOnLoopThread(Loop loop) throws Exception {
        int count = 200;
        List<Integer> order = new ArrayList<>();
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        Thread submitter = new Thread(() -> {
            for (int i = 0; i < count; i++) {
                int n = i;
                loop.execute(() -> {
                    order.add(n);
                    threads.add(Thread.currentThread());
                });
            }
        }, "submitter");
        submitter.start();
        submitter.join(Loops.BOUND.toMillis());
        assertThat(submitter.isAlive()).as("the submitter finished").isFalse();

        assertThat(loop.isAlive()).as("queued tasks keep the loop alive").isTrue();
        assertThat(loop.run()).isFalse();

        assertThat(order).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(order.get(i)).isEqualTo(i);
        }
        assertThat(threads).containsOnly(Thread.currentThread());
    }

    @Test
    @DisplayName("loop: a task executed from another thread wakes a loop blocked in its poll")
    void executeFromAnotherThreadWakesBlockedLoop(Loop loop) {
        Timer timer = loop.timer();
        boolean[] fired = {false};
        timer.start(() -> fired[0] = true, LONG_TIMER_MILLIS);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Thread submitter = new Thread(() -> loop.execute(() -> {
            ranOn.set(Thread.currentThread());
            timer.close();
        }), "submitter");
        long start = System.nanoTime();
        submitter.start();

        assertThat(loop.run()).isFalse();

        assertThat(millisSince(start)).isLessThan(NO_BLOCK_MILLIS);
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(fired[0]).isFalse();
    }

    @Test
    @DisplayName("loop: a task executed from a task runs in the next iteration, not in the same poll phase")
    void executeFromTaskRunsInNextIteration(Loop loop) {
        List<String> events = new ArrayList<>();
        Check check = loop.check();
        check.start(() -> events.add("check"));
        loop.execute(() -> {
            events.add("task 1");
            loop.execute(() -> {
                events.add("task 2");
                check.close();
            });
        });

        runToEnd(loop);

        assertThat(events).startsWith("task 1", "check", "task 2");
    }

    @Test
    @DisplayName("loop: execute on a closed loop throws RejectedExecutionException")
    void executeOnClosedLoopIsRejected(Loop loop) throws Exception {
        loop.close();
        assertThatThrownBy(() -> loop.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
    }

    // ---- failing callbacks -------------------------------------------------------------------

    @Test
    @DisplayName("loop: an exception from a callback leaves run unchanged after the phase finishes, and the loop stays usable")
    void callbackExceptionPropagatesAndLoopStaysUsable(Loop loop) {
        RuntimeException boom = new IllegalArgumentException("boom");
        Timer failing = loop.timer();
        Timer sibling = loop.timer();
        Timer later = loop.timer();
        boolean[] siblingFired = {false};
        boolean[] laterFired = {false};
        failing.start(() -> {
            throw boom;
        }, 0);
        sibling.start(() -> siblingFired[0] = true, 0);

        assertThatThrownBy(loop::run).isSameAs(boom);
        assertThat(siblingFired[0]).as("the timer phase finished").isTrue();

        later.start(() -> laterFired[0] = true, 1);
        assertThat(loop.run()).as("run again").isFalse();
        assertThat(laterFired[0]).isTrue();
        closeAll(failing, sibling, later);
        runToEnd(loop);
    }

    @Test
    @DisplayName("loop: when several callbacks of a phase throw, run throws the first with the later ones suppressed")
    void laterCallbackExceptionsAreSuppressed(Loop loop) {
        RuntimeException first = new IllegalStateException("first");
        RuntimeException second = new UnsupportedOperationException("second");
        Idle one = loop.idle();
        Idle two = loop.idle();
        one.start(() -> {
            throw first;
        });
        two.start(() -> {
            throw second;
        });

        Throwable thrown = catchThrowable(() -> loop.run(RunMode.NOWAIT));

        // The order among idle handles is not specified, so either may come first.
        assertThat(thrown).isIn(first, second);
        assertThat(thrown.getSuppressed()).containsExactly(thrown == first ? second : first);
        closeAll(one, two);
        runToEnd(loop);
    }

    @Test
    @DisplayName("loop: an exception from a prepare callback is thrown when the prepare phase ends, without blocking in the poll")
    void prepareExceptionDoesNotWaitForPoll(Loop loop) {
        RuntimeException boom = new IllegalArgumentException("boom");
        Timer timer = loop.timer();
        Prepare prepare = loop.prepare();
        timer.start(() -> {}, LONG_TIMER_MILLIS);
        prepare.start(() -> {
            prepare.stop();
            throw boom;
        });
        long start = System.nanoTime();

        assertThatThrownBy(loop::run).isSameAs(boom);

        assertThat(millisSince(start)).as("ms until run threw").isLessThan(NO_BLOCK_MILLIS);
        closeAll(timer, prepare);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 9: a stop requested in a run that ended with an exception is cleared, so it does not end the next run at once")
    void stopBeforeExceptionIsNotCarriedIntoNextRun(Loop loop) {
        RuntimeException boom = new IllegalArgumentException("boom");
        Timer failing = loop.timer();
        Timer other = loop.timer();
        boolean[] otherFired = {false};
        failing.start(() -> {
            loop.stop();
            throw boom;
        }, 0);
        loop.updateTime();
        other.start(() -> otherFired[0] = true, 50);

        assertThatThrownBy(loop::run).isSameAs(boom);
        assertThat(otherFired[0]).as("not due in the first run").isFalse();

        assertThat(loop.run()).as("the next run drains the loop").isFalse();
        assertThat(otherFired[0]).as("the other timer fired in the next run").isTrue();
        closeAll(failing, other);
        runToEnd(loop);
    }
}
