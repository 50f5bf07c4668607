package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.Callback;
import io.loopsock.Check;
import io.loopsock.Loop;
import io.loopsock.Prepare;
import io.loopsock.RunMode;
import io.loopsock.Timer;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Streams;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Timers: first firing, repeats, ordering, restarts, errors and clamping (rules 31–45). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TimerExamples {

    /** Lets time pass without running the loop: a bounded busy wait on the monotonic clock. */
    private static void spinFor(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
    }

    private static void closeAll(Loop loop, Timer... timers) {
        Streams.closeAll(timers);
        runToEnd(loop);
    }

    // ---- rule 31: first firing and repeats ---------------------------------------------------

    @Test
    @DisplayName("rule 31: a 0 ms timer fires in the next iteration, never inside start")
    void zeroTimeoutFiresInNextIteration(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        timer.start(() -> fired[0]++, 0);
        assertThat(fired[0]).as("fired inside start").isZero();
        assertThat(timer.isActive()).isTrue();
        boolean alive = loop.run(RunMode.NOWAIT);
        assertThat(fired[0]).as("fired in the first iteration").isEqualTo(1);
        assertThat(alive).as("nothing is left once the one-shot fired").isFalse();
        assertThat(timer.isActive()).isFalse();
        closeAll(loop, timer);
        assertThat(fired[0]).isEqualTo(1);
    }

    @Test
    @DisplayName("rule 31: a repeating timer fires first after its timeout, then every repeat interval")
    void repeatingTimerFiresAfterTimeoutThenEveryRepeat(Loop loop) {
        Timer timer = loop.timer();
        List<Long> firings = new ArrayList<>();
        loop.updateTime();
        long started = loop.now();
        timer.start(() -> {
            firings.add(loop.now());
            if (firings.size() == 4) {
                timer.stop();
            }
        }, 60, 25);
        runUntil(loop, () -> firings.size() == 4);
        assertThat(firings.get(0) - started).as("first firing after the timeout").isGreaterThanOrEqualTo(60);
        for (int i = 1; i < firings.size(); i++) {
            assertThat(firings.get(i) - firings.get(i - 1)).as("interval before firing %d", i).isGreaterThanOrEqualTo(25);
        }
        assertThat(timer.repeat()).isEqualTo(25);
        closeAll(loop, timer);
        assertThat(firings).hasSize(4);
    }

    // ---- rule 32: ordering -------------------------------------------------------------------

    @Test
    @DisplayName("rule 32: timers due at the same time fire in the order they were started, not created")
    void equalDueTimesFireInStartOrder(Loop loop) {
        List<Integer> order = new ArrayList<>();
        Timer[] timers = new Timer[5];
        for (int i = 0; i < timers.length; i++) {
            timers[i] = loop.timer();
        }
        // No updateTime between the starts: all five are due at the same cached time.
        for (int i : new int[] {3, 1, 4, 0, 2}) {
            timers[i].start(() -> order.add(i), 10);
        }
        // Starting timer 1 again gives it a new, later start order.
        timers[1].start(() -> order.add(1), 10);
        runUntil(loop, () -> order.size() == 5);
        assertThat(order).containsExactly(3, 4, 0, 2, 1);
        closeAll(loop, timers);
        assertThat(order).hasSize(5);
    }

    // ---- rule 33: restart --------------------------------------------------------------------

    @Test
    @DisplayName("rule 33: starting an active timer replaces its callback and delays it to the new timeout")
    void restartWithLongerTimeoutReplacesCallbackAndTimeout(Loop loop) {
        Timer timer = loop.timer();
        List<String> calls = new ArrayList<>();
        long[] firedAt = {-1};
        loop.updateTime();
        long started = loop.now();
        timer.start(() -> calls.add("first"), 0);
        timer.start(() -> {
            calls.add("second");
            firedAt[0] = loop.now();
        }, 200);
        runUntil(loop, () -> !calls.isEmpty());
        assertThat(calls).containsExactly("second");
        assertThat(firedAt[0] - started).as("fired after the new timeout").isGreaterThanOrEqualTo(200);
        closeAll(loop, timer);
        assertThat(calls).containsExactly("second");
    }

    @Test
    @DisplayName("rule 33: restarting with a shorter timeout fires once, with the new callback, long before the old timeout")
    void restartWithShorterTimeoutFiresOnceWithNewCallback(Loop loop) {
        Timer timer = loop.timer();
        List<String> calls = new ArrayList<>();
        timer.start(() -> calls.add("first"), 600_000);
        timer.start(() -> calls.add("second"), 10);
        assertThat(timer.dueIn()).isEqualTo(10);
        runUntil(loop, () -> !calls.isEmpty());
        assertThat(loop.isAlive()).as("the old firing is gone too").isFalse();
        closeAll(loop, timer);
        assertThat(calls).containsExactly("second");
    }

    // ---- rule 34: errors on start ------------------------------------------------------------

    @Test
    @DisplayName("rule 34: start with a null callback throws NullPointerException and leaves the timer inactive")
    void startWithNullCallbackThrowsNullPointerException(Loop loop) {
        Timer timer = loop.timer();
        assertThatThrownBy(() -> timer.start(null, 10)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> timer.start(null, 10, 10)).isInstanceOf(NullPointerException.class);
        assertThat(timer.isActive()).isFalse();
        assertThat(loop.isAlive()).isFalse();
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("rule 34: start on a closing timer throws IllegalStateException and nothing fires")
    void startOnClosingTimerThrowsIllegalStateException(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        boolean[] closed = {false};
        timer.close(() -> closed[0] = true);
        assertThatThrownBy(() -> timer.start(() -> fired[0]++, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(timer.isActive()).isFalse();
        runToEnd(loop);
        assertThat(closed[0]).isTrue();
        assertThat(fired[0]).isZero();
    }

    @Test
    @DisplayName("rule 34: a negative timeout or repeat throws IllegalArgumentException and changes nothing")
    void negativeTimesThrowIllegalArgumentException(Loop loop) {
        Timer timer = loop.timer();
        assertThatThrownBy(() -> timer.start(() -> {}, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> timer.start(() -> {}, 10, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> timer.start(() -> {}, Long.MIN_VALUE, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> timer.setRepeat(-5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(timer.isActive()).isFalse();
        assertThat(timer.repeat()).isZero();
        assertThat(timer.dueIn()).isZero();
        closeAll(loop, timer);
    }

    // ---- rule 35: again ----------------------------------------------------------------------

    @Test
    @DisplayName("rule 35: again on a timer that was never started throws IllegalStateException")
    void againOnNeverStartedTimerThrowsIllegalStateException(Loop loop) {
        Timer timer = loop.timer();
        assertThatThrownBy(timer::again).isInstanceOf(IllegalStateException.class);
        timer.setRepeat(50);
        assertThatThrownBy(timer::again).as("a repeat alone does not make it started").isInstanceOf(IllegalStateException.class);
        assertThat(timer.isActive()).isFalse();
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("rule 35: again on a repeating timer restarts it with the repeat interval as timeout")
    void againOnRepeatingTimerRestartsWithRepeat(Loop loop) {
        Timer timer = loop.timer();
        List<Long> firings = new ArrayList<>();
        timer.start(() -> firings.add(loop.now()), 600_000, 100);
        loop.updateTime();
        long restarted = loop.now();
        timer.again();
        assertThat(timer.isActive()).isTrue();
        assertThat(timer.dueIn()).isEqualTo(100);
        runUntil(loop, () -> firings.size() == 2);
        assertThat(firings.get(0) - restarted).isGreaterThanOrEqualTo(100);
        assertThat(firings.get(1) - firings.get(0)).isGreaterThanOrEqualTo(100);
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("rule 35 (source behaviour): again on a one-shot timer changes nothing, running or stopped")
    void againOnOneShotTimerChangesNothing(Loop loop) {
        Timer timer = loop.timer();
        timer.start(() -> {}, 5_000);
        timer.again();
        assertThat(timer.isActive()).as("a running one-shot is not stopped").isTrue();
        assertThat(timer.dueIn()).isEqualTo(5_000);
        timer.stop();
        timer.again();
        assertThat(timer.isActive()).as("a stopped one-shot is not started").isFalse();
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("rule 35: again on a stopped repeating timer starts it again with its repeat interval")
    void againOnStoppedRepeatingTimerStartsIt(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        timer.start(() -> fired[0]++, 600_000, 30);
        timer.stop();
        assertThat(timer.isActive()).isFalse();
        timer.again();
        assertThat(timer.isActive()).isTrue();
        assertThat(timer.dueIn()).isEqualTo(30);
        runUntil(loop, () -> fired[0] == 1);
        closeAll(loop, timer);
    }

    // ---- rule 36: setRepeat inside the callback ----------------------------------------------

    @Test
    @DisplayName("rule 36: setRepeat inside the callback leaves the firing already scheduled and applies from the next re-arm")
    void setRepeatInsideCallbackKeepsScheduledFiring(Loop loop) {
        Timer timer = loop.timer();
        List<Long> dueInsideCallback = new ArrayList<>();
        timer.start(() -> {
            dueInsideCallback.add(timer.dueIn());
            if (dueInsideCallback.size() == 1) {
                timer.setRepeat(600_000);
                assertThat(timer.repeat()).isEqualTo(600_000);
                dueInsideCallback.add(timer.dueIn());
            } else {
                timer.stop();
            }
        }, 0, 30);
        runUntil(loop, () -> dueInsideCallback.size() == 3);
        // First firing: re-armed with the old repeat, before and after setRepeat. Second: the old repeat
        // was used, and this firing was re-armed with the new one.
        assertThat(dueInsideCallback).containsExactly(30L, 30L, 600_000L);
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("rule 36: setRepeat(0) inside the first callback still gives the one firing already scheduled, then stops")
    void setRepeatZeroInsideCallbackFiresOnceMore(Loop loop) {
        Timer timer = loop.timer();
        List<Long> firings = new ArrayList<>();
        timer.start(() -> {
            firings.add(loop.now());
            if (firings.size() == 1) {
                timer.setRepeat(0);
                assertThat(timer.isActive()).as("still scheduled after setRepeat(0)").isTrue();
            }
        }, 0, 50);
        runToEnd(loop);
        assertThat(firings).hasSize(2);
        assertThat(firings.get(1) - firings.get(0)).isGreaterThanOrEqualTo(50);
        assertThat(timer.isActive()).isFalse();
        closeAll(loop, timer);
        assertThat(firings).hasSize(2);
    }

    // ---- rule 37: activity inside the callback ------------------------------------------------

    @Test
    @DisplayName("rule 37: a repeating timer is active inside its own callback, re-armed with its repeat")
    void repeatingTimerIsActiveInsideItsCallback(Loop loop) {
        Timer timer = loop.timer();
        List<Boolean> active = new ArrayList<>();
        List<Long> dueIn = new ArrayList<>();
        timer.start(() -> {
            active.add(timer.isActive());
            dueIn.add(timer.dueIn());
        }, 0, 40);
        runUntil(loop, () -> active.size() == 2);
        assertThat(active).containsExactly(true, true);
        assertThat(dueIn).containsExactly(40L, 40L);
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("rule 37: a one-shot timer is inactive inside its callback and reports dueIn 0")
    void oneShotTimerIsInactiveInsideItsCallback(Loop loop) {
        Timer timer = loop.timer();
        List<Boolean> active = new ArrayList<>();
        long[] dueIn = {-1};
        timer.start(() -> {
            active.add(timer.isActive());
            dueIn[0] = timer.dueIn();
        }, 5);
        runUntil(loop, () -> !active.isEmpty());
        assertThat(active).containsExactly(false);
        assertThat(dueIn[0]).isZero();
        closeAll(loop, timer);
    }

    // ---- rule 39: never early ----------------------------------------------------------------

    @Test
    @DisplayName("rule 39: a timer never fires before now() at start plus its timeout, measured with System.nanoTime")
    void timerNeverFiresEarly(Loop loop) {
        Timer timer = loop.timer();
        List<String> early = new ArrayList<>();
        int rounds = 30;
        int[] fired = {0};
        long[] expectedNanos = new long[1];
        Callback[] callback = new Callback[1];
        callback[0] = () -> {
            long nanos = System.nanoTime();
            if (nanos < expectedNanos[0]) {
                early.add("firing " + fired[0] + " was " + (expectedNanos[0] - nanos) + " ns early");
            }
            fired[0]++;
            if (fired[0] < rounds) {
                // As libuv's timer_early_check: the due time counts from the loop's cached now.
                long timeout = 1 + fired[0] % 7;
                expectedNanos[0] = (loop.now() + timeout) * 1_000_000L;
                timer.start(callback[0], timeout);
            }
        };
        loop.updateTime();
        expectedNanos[0] = (loop.now() + 10) * 1_000_000L;
        timer.start(callback[0], 10);
        runUntil(loop, () -> fired[0] == rounds);
        assertThat(early).isEmpty();
        closeAll(loop, timer);
    }

    // ---- rule 40: restart with 0 inside the callback ------------------------------------------

    @Test
    @DisplayName("rule 40: a timer restarted with 0 ms inside its own callback does not run again in the same pass")
    void zeroTimeoutRestartInOwnCallbackWaitsForNextPass(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        Callback[] callback = new Callback[1];
        callback[0] = () -> {
            fired[0]++;
            timer.start(callback[0], 0);
        };
        timer.start(callback[0], 0);
        assertThat(loop.run(RunMode.NOWAIT)).isTrue();
        assertThat(fired[0]).isEqualTo(1);
        assertThat(loop.run(RunMode.NOWAIT)).isTrue();
        assertThat(fired[0]).isEqualTo(2);
        closeAll(loop, timer);
        assertThat(fired[0]).isEqualTo(2);
    }

    @Test
    @DisplayName("rule 40: in DEFAULT mode a timer that restarts itself with 0 ms runs once per pass and the run ends when it stops")
    void zeroTimeoutSelfRestartDoesNotSpinInDefaultMode(Loop loop) {
        Timer timer = loop.timer();
        Timer other = loop.timer();
        int[] fired = {0};
        int[] otherFired = {0};
        Callback[] callback = new Callback[1];
        callback[0] = () -> {
            fired[0]++;
            if (fired[0] < 5) {
                timer.start(callback[0], 0);
            }
        };
        timer.start(callback[0], 0);
        other.start(() -> otherFired[0]++, 0);
        assertThat(loop.run()).isFalse();
        assertThat(fired[0]).isEqualTo(5);
        assertThat(otherFired[0]).as("a timer due in the same pass is not starved").isEqualTo(1);
        closeAll(loop, timer, other);
    }

    // ---- rule 41: no double call per run -----------------------------------------------------

    @Test
    @DisplayName("rule 41: run(NOWAIT) fires a repeating timer at most once even when several intervals elapsed")
    void nowaitFiresRepeatingTimerOncePerRun(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        loop.updateTime();
        timer.start(() -> fired[0]++, 10, 10);
        spinFor(60);
        loop.run(RunMode.NOWAIT);
        assertThat(fired[0]).isEqualTo(1);
        spinFor(60);
        loop.run(RunMode.NOWAIT);
        assertThat(fired[0]).isEqualTo(2);
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("rule 41: run(ONCE) fires a repeating timer at most once even when several intervals elapsed")
    void onceFiresRepeatingTimerOncePerRun(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        loop.updateTime();
        timer.start(() -> fired[0]++, 10, 10);
        spinFor(60);
        assertThat(loop.run(RunMode.ONCE)).isTrue();
        assertThat(fired[0]).isEqualTo(1);
        spinFor(60);
        assertThat(loop.run(RunMode.ONCE)).isTrue();
        assertThat(fired[0]).isEqualTo(2);
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("rule 41, 38: a 1 ms repeating timer whose callback overruns many intervals fires once per run and does not catch up")
    void overrunningRepeatingTimerDoesNotCatchUp(Loop loop) {
        Timer timer = loop.timer();
        List<Long> firings = new ArrayList<>();
        timer.start(() -> {
            firings.add(loop.now());
            spinFor(30);
        }, 0, 1);
        loop.run(RunMode.NOWAIT);
        assertThat(firings).hasSize(1);
        loop.run(RunMode.ONCE);
        assertThat(firings).hasSize(2);
        loop.run(RunMode.NOWAIT);
        assertThat(firings).hasSize(3);
        closeAll(loop, timer);
    }

    // ---- rule 42: ONCE with a short one-shot --------------------------------------------------

    @Test
    @DisplayName("rule 42: run(ONCE) with a 0 ms or 1 ms one-shot runs it and returns false")
    void onceWithShortOneShotRunsItAndReturnsFalse(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        timer.start(() -> fired[0]++, 0);
        assertThat(loop.run(RunMode.ONCE)).isFalse();
        assertThat(fired[0]).isEqualTo(1);
        timer.start(() -> fired[0]++, 1);
        assertThat(loop.run(RunMode.ONCE)).isFalse();
        assertThat(fired[0]).isEqualTo(2);
        closeAll(loop, timer);
    }

    // ---- rule 43: huge times ------------------------------------------------------------------

    @Test
    @DisplayName("rule 43: huge timeouts are accepted, clamped without overflow, and dueIn reports the time left")
    void hugeTimeoutIsClampedWithoutOverflow(Loop loop) {
        Timer max = loop.timer();
        Timer big = loop.timer();
        Timer small = loop.timer();
        int[] hugeFired = {0};
        int[] smallFired = {0};
        max.start(() -> hugeFired[0]++, Long.MAX_VALUE);
        big.start(() -> hugeFired[0]++, (1L << 48) - 1, Long.MAX_VALUE);
        assertThat(max.isActive()).isTrue();
        assertThat(big.isActive()).isTrue();
        assertThat(max.dueIn()).as("clamped, not wrapped to the past").isGreaterThan(Long.MAX_VALUE / 2);
        assertThat(big.dueIn()).isEqualTo((1L << 48) - 1);
        small.start(() -> smallFired[0]++, 1);
        runUntil(loop, () -> smallFired[0] == 1);
        for (int i = 0; i < 3; i++) {
            loop.run(RunMode.NOWAIT);
        }
        assertThat(hugeFired[0]).isZero();
        assertThat(max.isActive()).isTrue();
        long bigLeft = big.dueIn();
        assertThat(bigLeft).isPositive().isLessThanOrEqualTo((1L << 48) - 1).isGreaterThan((1L << 48) - 1 - 60_000);
        assertThat(max.dueIn()).isGreaterThan(Long.MAX_VALUE / 2);
        closeAll(loop, max, big, small);
    }

    @Test
    @DisplayName("rule 43: a timer with a huge repeat fires once, stays scheduled, and does not starve other timers")
    void hugeRepeatDoesNotStarveOtherTimers(Loop loop) {
        Timer huge = loop.timer();
        Timer tiny = loop.timer();
        int[] hugeFired = {0};
        int[] tinyFired = {0};
        huge.start(() -> hugeFired[0]++, 0, Long.MAX_VALUE);
        tiny.start(() -> tinyFired[0]++, 1, 1);
        runUntil(loop, () -> tinyFired[0] >= 10);
        assertThat(hugeFired[0]).isEqualTo(1);
        assertThat(huge.isActive()).isTrue();
        assertThat(huge.repeat()).isEqualTo(Long.MAX_VALUE);
        assertThat(huge.dueIn()).isGreaterThan(Long.MAX_VALUE / 2);
        closeAll(loop, huge, tiny);
    }

    // ---- rule 44: fresh state -----------------------------------------------------------------

    @Test
    @DisplayName("rule 44: a fresh timer has repeat 0, dueIn 0, is inactive and does not keep the loop alive")
    void freshTimerHasNoRepeatNoDueTimeAndIsInactive(Loop loop) {
        Timer timer = loop.timer();
        assertThat(timer.repeat()).isZero();
        assertThat(timer.dueIn()).isZero();
        assertThat(timer.isActive()).isFalse();
        assertThat(timer.isClosing()).isFalse();
        assertThat(timer.hasRef()).isTrue();
        assertThat(loop.isAlive()).isFalse();
        closeAll(loop, timer);
    }

    // ---- rule 45: restart from check ----------------------------------------------------------

    @Test
    @DisplayName("rule 45: a timer stopped and restarted from a check callback fires after its new timeout, after a prepare started there")
    void timerRestartedFromCheckFiresAfterNewTimeout(Loop loop) {
        Timer timer = loop.timer();
        Check check = loop.check();
        Prepare prepare = loop.prepare();
        List<String> events = new ArrayList<>();
        long[] restartedAt = {-1};
        long[] firedAt = {-1};
        // As libuv's timer_from_check, but the first poll blocks for 150 ms: the check of that first
        // iteration runs before this timer's phase and restarts it with 100 ms, which must count
        // from then, not from before the poll.
        loop.updateTime();
        timer.start(() -> events.add("old timer"), 150);
        check.start(() -> {
            events.add("check");
            timer.stop();
            // The new timeout counts from the loop's time in check, which is after the poll.
            restartedAt[0] = loop.now();
            timer.start(() -> {
                events.add("timer");
                firedAt[0] = System.nanoTime() / 1_000_000L;
            }, 100);
            prepare.start(() -> {
                events.add("prepare");
                prepare.stop();
            });
            check.stop();
        });
        runUntil(loop, () -> events.contains("timer"));
        assertThat(events).containsExactly("check", "prepare", "timer");
        // Never early: at least the new timeout after the loop time it was started at. (Measured
        // from a clock read in check instead, a busy machine that delays check would make it
        // look early although the loop follows libuv exactly.)
        assertThat(firedAt[0] - restartedAt[0]).as("ms from the loop time of the restart to the firing")
                .isGreaterThanOrEqualTo(100L);
        timer.close();
        check.close();
        prepare.close();
        runToEnd(loop);
    }

    // ---- stop, close and dueIn ----------------------------------------------------------------

    @Test
    @DisplayName("timer: a timer stopped by an earlier callback of the same timer phase does not fire")
    void timerStoppedByEarlierCallbackInSamePhaseDoesNotFire(Loop loop) {
        Timer first = loop.timer();
        Timer second = loop.timer();
        Timer third = loop.timer();
        List<String> calls = new ArrayList<>();
        first.start(() -> {
            calls.add("first");
            second.stop();
        }, 0);
        second.start(() -> calls.add("second"), 0);
        third.start(() -> calls.add("third"), 0);
        loop.run(RunMode.NOWAIT);
        assertThat(calls).containsExactly("first", "third");
        assertThat(second.isActive()).isFalse();
        loop.run(RunMode.NOWAIT);
        assertThat(calls).containsExactly("first", "third");
        closeAll(loop, first, second, third);
    }

    @Test
    @DisplayName("timer: a timer closed by an earlier callback of the same timer phase does not fire; its close callback runs")
    void timerClosedByEarlierCallbackInSamePhaseDoesNotFire(Loop loop) {
        Timer first = loop.timer();
        Timer second = loop.timer();
        List<String> calls = new ArrayList<>();
        first.start(() -> {
            calls.add("first");
            second.close(() -> calls.add("second closed"));
        }, 0);
        second.start(() -> calls.add("second"), 0);
        loop.run(RunMode.NOWAIT);
        runToEnd(loop);
        assertThat(calls).containsExactly("first", "second closed");
        closeAll(loop, first);
    }

    @Test
    @DisplayName("timer: a timer restarted by an earlier callback of the same timer phase fires with its new callback after the new timeout")
    void timerRestartedByEarlierCallbackInSamePhaseWaits(Loop loop) {
        Timer first = loop.timer();
        Timer second = loop.timer();
        List<String> calls = new ArrayList<>();
        first.start(() -> {
            calls.add("first");
            second.start(() -> calls.add("second, restarted"), 0);
        }, 0);
        second.start(() -> calls.add("second"), 0);
        loop.run(RunMode.NOWAIT);
        assertThat(calls).containsExactly("first");
        loop.run(RunMode.NOWAIT);
        assertThat(calls).containsExactly("first", "second, restarted");
        closeAll(loop, first, second);
    }

    @Test
    @DisplayName("timer: dueIn decreases as the loop's time advances and is 0 once stopped")
    void dueInDecreasesAsTimePasses(Loop loop) {
        Timer timer = loop.timer();
        loop.updateTime();
        timer.start(() -> {}, 10_000);
        assertThat(timer.dueIn()).isEqualTo(10_000);
        spinFor(30);
        assertThat(timer.dueIn()).as("unchanged until the cached time moves").isEqualTo(10_000);
        loop.updateTime();
        long later = timer.dueIn();
        assertThat(later).isLessThanOrEqualTo(10_000 - 30).isPositive();
        spinFor(5);
        loop.run(RunMode.NOWAIT);
        assertThat(timer.dueIn()).isLessThan(later);
        timer.stop();
        assertThat(timer.dueIn()).isZero();
        closeAll(loop, timer);
    }

    @Test
    @DisplayName("timer: stop is idempotent, also on a never-started or closing timer, and a stopped timer never fires")
    void stopIsIdempotent(Loop loop) {
        Timer timer = loop.timer();
        int[] fired = {0};
        timer.stop();
        timer.start(() -> fired[0]++, 0);
        timer.stop();
        timer.stop();
        assertThat(timer.isActive()).isFalse();
        assertThat(loop.isAlive()).isFalse();
        loop.run(RunMode.NOWAIT);
        timer.close();
        timer.stop();
        runToEnd(loop);
        assertThat(fired[0]).isZero();
    }
}
