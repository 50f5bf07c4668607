package io.loopsock;

/**
 * Runs a callback once per loop iteration, just before the loop polls for I/O,
 * after libuv's {@code uv_prepare_t}.
 *
 * <p>Loop-thread only. A handle started from a callback of the same kind runs from the next
 * iteration on. The order among handles of the same kind is not specified.
 */
public interface Prepare extends Handle {

    /**
     * Starts the handle; starting an active one replaces its callback.
     *
     * @param callback called once per iteration
     */
    void start(Callback callback);

    /** Stops the handle. Idempotent, also when closing. */
    void stop();
}
