package io.loopsock.nio.internal;

/**
 * A handle registered with the loop's selector: the loop hands it the ready operations of its key.
 *
 * <p>Loop-thread only.
 */
interface NioReady {
    /**
     * Handles readiness reported by the current poll.
     *
     * @param readyOps the key's ready operations
     */
    void ready(int readyOps);
}
