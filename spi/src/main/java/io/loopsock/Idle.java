package io.loopsock;

/**
 * Runs a callback once per loop iteration, right before prepare, after libuv's {@code uv_idle_t}.
 *
 * <p>Loop-thread only. While an idle handle is active the loop polls without blocking, so it spins;
 * timers and I/O still run. A handle started from a callback of the same kind runs from the next
 * iteration on. The order among handles of the same kind is not specified.
 */
public interface Idle extends Handle {

    /**
     * Starts the handle; starting an active one replaces its callback.
     *
     * @param callback called once per iteration
     */
    void start(Callback callback);

    /** Stops the handle. Idempotent, also when closing. */
    void stop();
}
