package io.loopsock.spi;

import io.loopsock.Callback;
import io.loopsock.Timer;
import java.util.Objects;

/** The timer of every backend: an entry in its loop's {@link TimerQueue}. */
final class LoopTimer extends AbstractHandle implements Timer {
    /** Due time against the loop's cached clock. */
    long due;
    /** Start order: breaks ties between equal due times (rule 32). */
    long order;
    /** Slot in the timer queue, -1 when not queued. */
    int slot = -1;
    /** Collected as due in this timer phase and not stopped since. */
    boolean ready;

    private Callback callback;
    private long repeat;

    LoopTimer(AbstractLoop loop) {
        super(loop);
    }

    @Override
    public void start(Callback onTimeout, long timeoutMillis, long repeatMillis) {
        checkOpen();
        Objects.requireNonNull(onTimeout, "onTimeout");
        if (timeoutMillis < 0 || repeatMillis < 0) {
            throw new IllegalArgumentException("negative time: timeout " + timeoutMillis + " ms, repeat " + repeatMillis + " ms");
        }
        dequeue();
        callback = onTimeout;
        repeat = repeatMillis;
        arm(timeoutMillis);
    }

    private void arm(long timeoutMillis) {
        AbstractLoop loop = owner();
        long now = loop.cachedNow();
        // Saturate instead of overflowing: a huge timeout means "never", not "in the past" (rule 43).
        // The timeout is never negative, so the sum overflowed exactly when it is below now.
        long sum = now + timeoutMillis;
        due = sum < now ? Long.MAX_VALUE : sum;
        order = loop.nextTimerStart();
        loop.timers.add(this);
        setActive(true);
    }

    private void dequeue() {
        ready = false;
        owner().timers.remove(this);
        setActive(false);
    }

    @Override
    public void stop() {
        owner().checkThread();
        dequeue();
    }

    @Override
    public void again() {
        checkOpen();
        if (callback == null) {
            throw new IllegalStateException("again on a timer that was never started");
        }
        if (repeat != 0) {
            dequeue();
            arm(repeat);
        }
    }

    @Override
    public void setRepeat(long repeatMillis) {
        owner().checkThread();
        if (repeatMillis < 0) {
            throw new IllegalArgumentException("negative repeat: " + repeatMillis + " ms");
        }
        repeat = repeatMillis;
    }

    @Override
    public long repeat() {
        owner().checkThread();
        return repeat;
    }

    @Override
    public long dueIn() {
        owner().checkThread();
        return slot < 0 ? 0 : Math.max(0, due - owner().cachedNow());
    }

    /** Called by the timer phase when the timer is due: it leaves the queue but is not run yet. */
    void expire() {
        owner().timers.remove(this);
        ready = true;
        setActive(false);
    }

    /** Runs a collected timer unless it was stopped or restarted since; re-arms a repeating one first. */
    void fire() {
        if (!ready) {
            return;
        }
        ready = false;
        if (repeat > 0) {
            // Re-armed before the callback, so a repeating timer is active inside it (rule 37).
            arm(repeat);
        }
        owner().invoke(callback);
    }

    @Override
    protected void onClose() {
        dequeue();
    }
}
