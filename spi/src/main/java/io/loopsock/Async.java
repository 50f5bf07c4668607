package io.loopsock;

/**
 * Wakes the loop from another thread and runs a callback on it, after libuv's {@code uv_async_t}.
 *
 * <p>Loop-thread only, except {@link #send()}, which any thread may call. The handle is active from
 * its creation until it is closed.
 */
public interface Async extends Handle {

    /**
     * Asks the loop to run the callback. Any thread. Calls coalesce: several sends before the
     * callback runs give at least one and at most as many callbacks; a send after the callback has
     * started gives another. A send after {@link #close} is ignored.
     */
    void send();
}
