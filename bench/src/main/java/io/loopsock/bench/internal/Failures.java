package io.loopsock.bench.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The first error seen on a background thread of a measurement (an event loop's callback, a
 * connection's thread), so that the measurement reports it instead of a number. Errors while a
 * measurement closes its server and client (the peers reset, refuse and end streams then) are
 * not failures and are dropped.
 *
 * <p>Any thread.
 */
final class Failures {
    private static final AtomicReference<Throwable> FIRST = new AtomicReference<>();
    private static volatile boolean measuring;

    private Failures() {
    }

    /** Starts a measurement: forgets earlier errors and keeps new ones. */
    static void begin() {
        FIRST.set(null);
        measuring = true;
    }

    /**
     * Keeps an error, unless one is already kept or no measurement is running.
     *
     * @param error the error
     */
    static void record(Throwable error) {
        if (measuring && !FIRST.compareAndSet(null, error)) {
            FIRST.get().addSuppressed(error);
        }
    }

    /** Stops keeping errors, after a measurement that failed by itself. */
    static void forget() {
        measuring = false;
        FIRST.set(null);
    }

    /**
     * Ends a measurement, before its server and client close, and throws its first error.
     *
     * @param <T> the measurement's result
     * @param result the measurement's result
     * @return the result, if no background thread failed
     * @throws IllegalStateException wrapping the error
     */
    static <T> T end(T result) {
        measuring = false;
        Throwable error = FIRST.getAndSet(null);
        if (error != null) {
            throw new IllegalStateException("a background thread of the measurement failed: " + error, error);
        }
        return result;
    }
}
