package io.loopsock.conformance.testing;

import java.util.concurrent.TimeUnit;

/**
 * Waiting on other threads within a bound, for examples that act on a thread blocked in a call.
 *
 * <p>Any thread.
 */
public final class Threads {
    private Threads() {
    }

    /**
     * Waits until a thread parks (blocked in a socket call, say), within a bound.
     *
     * @param thread the thread, platform or virtual
     * @param boundSeconds how long to wait at most
     * @throws AssertionError if it did not park in time
     */
    public static void awaitBlocked(Thread thread, long boundSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(boundSeconds);
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(thread + " did not block within " + boundSeconds + " s");
            }
            Thread.onSpinWait();
        }
    }
}
