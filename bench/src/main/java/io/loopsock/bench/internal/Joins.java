package io.loopsock.bench.internal;

import java.time.Duration;

/**
 * Waits for a thread to end, within a bound, keeping an interrupt for the caller.
 *
 * <p>Any thread.
 */
final class Joins {
    private Joins() {
    }

    /**
     * Waits for the thread.
     *
     * @param thread the thread
     * @param bound how long at most
     */
    static void join(Thread thread, Duration bound) {
        try {
            thread.join(bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
