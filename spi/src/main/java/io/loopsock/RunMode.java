package io.loopsock;

/**
 * How {@link Loop#run(RunMode)} iterates, as libuv's {@code uv_run_mode}.
 *
 * <p>Any thread (it is a value).
 */
public enum RunMode {
    /**
     * Iterate until the loop is no longer alive or {@link Loop#stop()} is called. Timers that are
     * already due run once before the first poll.
     */
    DEFAULT,
    /**
     * Run one iteration. The poll blocks for I/O when nothing else is pending (no pending
     * callbacks, no active idle handles) and then returns.
     */
    ONCE,
    /** Run one iteration with a poll that never blocks. */
    NOWAIT
}
