package io.loopsock;

/**
 * Runs a callback after a timeout, once or repeatedly, after libuv's {@code uv_timer_t}.
 *
 * <p>Loop-thread only. Times are milliseconds against the loop's cached {@link Loop#now()}.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>A timer never fires before {@code now() + timeout}, {@code now()} taken when it started.
 *       A timeout of 0 fires in the next timer phase.
 *   <li>Timers due at the same time fire in the order they were started.
 *   <li>A repeating timer is re-armed before its callback runs, relative to the loop's cached time
 *       (it does not catch up): it fires at most once per timer phase, so at most once per
 *       {@link RunMode#ONCE} or {@link RunMode#NOWAIT} run.
 *   <li>Starting an active timer restarts it with the new callback and times.
 *   <li>Huge timeouts are clamped; they never overflow.
 * </ul>
 */
public interface Timer extends Handle {

    /**
     * Starts (or restarts) the timer.
     *
     * @param onTimeout the callback
     * @param timeoutMillis time to the first firing; 0 or more
     * @param repeatMillis interval of later firings; 0 for a one-shot timer
     * @throws IllegalArgumentException for a negative time
     */
    void start(Callback onTimeout, long timeoutMillis, long repeatMillis);

    /**
     * Starts a one-shot timer.
     *
     * @param onTimeout the callback
     * @param timeoutMillis time to the firing; 0 or more
     */
    default void start(Callback onTimeout, long timeoutMillis) {
        start(onTimeout, timeoutMillis, 0);
    }

    /** Stops the timer; its callback will not run. Idempotent, also when closing. */
    void stop();

    /**
     * Restarts a repeating timer with its repeat interval as timeout; on a one-shot timer, running
     * or not, does nothing (libuv's {@code uv_timer_again}, as its source has it).
     *
     * @throws IllegalStateException if the timer was never started (libuv: {@code EINVAL})
     */
    void again();

    /**
     * Sets the repeat interval. It applies from the next time the timer is (re)armed: called inside
     * the callback of a repeating timer, it does not change the firing already scheduled.
     *
     * @param repeatMillis the interval; 0 to make the timer one-shot
     * @throws IllegalArgumentException for a negative interval
     */
    void setRepeat(long repeatMillis);

    /**
     * Returns the repeat interval.
     *
     * @return the interval in milliseconds; 0 for a one-shot timer
     */
    long repeat();

    /**
     * Returns the time until the timer fires.
     *
     * @return milliseconds until it is due against {@link Loop#now()}; 0 if due or not active
     */
    long dueIn();
}
