package io.loopsock;

import io.loopsock.spi.LoopProvider;
import java.util.function.Consumer;

/**
 * An event loop that runs handles and calls back when their I/O completes, after libuv's
 * {@code uv_loop_t}.
 *
 * <p>Loop-thread only, except {@link #execute(Runnable)}, {@link #isClosed()} and
 * {@link #provider()}. A loop belongs to one thread at a time:
 * the thread that opened it, until another thread calls {@link #run(RunMode)} while the loop is not
 * running; that thread then owns it. Every other method, and every method of its handles, throws
 * {@link IllegalStateException} when called from a thread that does not own the loop. Other threads
 * hand work to the loop with {@link #execute(Runnable)} or {@link Async#send()}.
 *
 * <h2>One iteration</h2>
 * Each iteration runs these phases, in libuv's order (docs/design.md has the long version). In
 * {@link RunMode#DEFAULT} the timers that are already due also run once before the first
 * iteration.
 * <ol>
 *   <li><b>Pending callbacks</b>: completions deferred from the previous iteration, such as a write
 *       that finished at once or a connect that failed at once. Callbacks never run inside the call
 *       that scheduled them.
 *   <li><b>Idle</b> handles.
 *   <li><b>Prepare</b> handles.
 *   <li><b>Poll</b> for I/O, blocking until the next timer is due, unless something is pending, an
 *       idle handle is active, a handle is closing, {@link #stop()} was called, the mode is
 *       {@link RunMode#NOWAIT}, or nothing is alive. I/O callbacks, {@link Async} callbacks and
 *       {@link #execute(Runnable) executed} tasks run here, after the cached time was refreshed.
 *       Then up to 8 more rounds of pending callbacks.
 *   <li><b>Check</b> handles.
 *   <li><b>Close callbacks</b> of handles closed so far.
 *   <li><b>Timers</b>: update the cached time, then run the timers that are due.
 * </ol>
 *
 * <h2>Liveness</h2>
 * A loop is alive while it has an active and referenced handle, an active request (a pending
 * connect, write or shutdown, even on an unreferenced handle), a closing handle, a pending callback
 * or an executed task that has not run yet.
 *
 * <h2>Errors</h2>
 * An exception thrown by a callback does not corrupt the loop: the loop finishes the phase it is
 * in, then {@link #run(RunMode)} throws that exception (the first one, with later ones suppressed;
 * a checked one wrapped as {@link Callback} says). The loop stays usable and {@code run} may be called again.
 */
public interface Loop extends AutoCloseable {

    /**
     * Opens a loop on the backend chosen by discovery: the system property
     * {@code loopsock.backend}, else the environment variable {@code LOOPSOCK_BACKEND}, else the
     * available provider with the highest priority (see {@link LoopProvider}).
     *
     * @return a new loop, owned by the calling thread
     * @throws LoopException {@link ErrorCode#ENOENT} for an unknown backend name,
     *     {@link ErrorCode#ENOTSUP} for a backend that is unavailable here (the message names every
     *     installed backend), or the backend's error when opening fails
     */
    static Loop open() throws LoopException {
        return LoopProvider.select().open();
    }

    /**
     * Opens a loop on the named backend ({@code "nio"}, {@code "epoll"}, {@code "kqueue"},
     * {@code "io_uring"}, or {@code "default"} for {@link #open()}'s choice).
     *
     * @param backend the backend's name
     * @return a new loop, owned by the calling thread
     * @throws LoopException as {@link #open()}
     */
    static Loop open(String backend) throws LoopException {
        return LoopProvider.named(backend).open();
    }

    /**
     * Returns the provider that made this loop.
     *
     * @return the provider; any thread
     */
    LoopProvider provider();

    /**
     * Runs the loop in the given mode.
     *
     * @param mode how to iterate
     * @return true if the loop is still alive (libuv's non-zero: more work remains, for instance
     *     because {@link #stop()} ended the run, or one ONCE or NOWAIT iteration did not finish
     *     everything); false if nothing is left to do
     * @throws IllegalStateException if the loop is already running (a callback must not call run),
     *     is closed, or is running on another thread
     */
    boolean run(RunMode mode);

    /**
     * Runs the loop until nothing is alive or {@link #stop()} is called; the same as
     * {@code run(RunMode.DEFAULT)}.
     *
     * @return as {@link #run(RunMode)}
     */
    default boolean run() {
        return run(RunMode.DEFAULT);
    }

    /**
     * Asks the running loop to return at the end of the current iteration. Called before
     * {@code run}, it makes the next {@code run} return at once. From another thread use
     * {@code loop.execute(loop::stop)}.
     */
    void stop();

    /**
     * Returns the loop's cached time in milliseconds, taken at the start of the iteration. It is
     * monotonic and has an arbitrary origin; timers are scheduled against it.
     *
     * @return the cached time in milliseconds
     */
    long now();

    /** Refreshes the cached time {@link #now()} from the monotonic clock. */
    void updateTime();

    /**
     * Tells whether the loop has work: see "Liveness" above.
     *
     * @return true if a {@code run(DEFAULT)} would not return at once
     */
    boolean isAlive();

    /**
     * Calls the visitor for every handle of the loop that has not finished closing, closing ones
     * included, in creation order.
     *
     * @param visitor called once per handle; it may close handles
     */
    void walk(Consumer<? super Handle> visitor);

    /**
     * Runs a task on the loop thread, in the next poll phase: the current iteration's if the task
     * was submitted before that phase began, otherwise the next iteration's. Any thread. A task
     * keeps the loop alive until it has run (and {@link #close()} fails with
     * {@link ErrorCode#EBUSY} until then). Tasks run in the order they were submitted.
     *
     * @param task the task
     * @throws java.util.concurrent.RejectedExecutionException if the loop is closed or closing
     */
    void execute(Runnable task);

    /**
     * Creates a TCP handle. No socket exists until it listens or connects (or binds, on backends
     * that declare {@link io.loopsock.spi.Capability#TCP_EARLY_BIND}).
     *
     * @return a new, inactive handle
     */
    Tcp tcp();

    /**
     * Creates a pipe handle: a stream over a Unix-domain socket.
     *
     * @return a new, inactive handle
     */
    Pipe pipe();

    /**
     * Creates a UDP handle. No socket exists until it binds, connects, sends or receives.
     *
     * @implSpec The default throws {@link UnsupportedOperationException}: a backend that has UDP
     *     overrides this and declares {@link io.loopsock.spi.Capability#UDP}.
     * @return a new, inactive handle
     * @throws UnsupportedOperationException if the backend has no UDP
     */
    default Udp udp() {
        throw new UnsupportedOperationException("backend " + provider().name() + " has no UDP");
    }

    /**
     * Creates a timer.
     *
     * @return a new, inactive timer
     */
    Timer timer();

    /**
     * Creates an async handle, active from now until it is closed.
     *
     * @param onSend called on the loop thread after one or more {@link Async#send()} calls
     * @return a new, active handle
     */
    Async async(Callback onSend);

    /**
     * Creates an idle handle.
     *
     * @return a new, inactive handle
     */
    Idle idle();

    /**
     * Creates a prepare handle.
     *
     * @return a new, inactive handle
     */
    Prepare prepare();

    /**
     * Creates a check handle.
     *
     * @return a new, inactive handle
     */
    Check check();

    /**
     * Releases the loop's resources.
     *
     * @throws LoopException {@link ErrorCode#EBUSY} while any handle has not finished closing (its
     *     close callback has not run) or a task is still queued; the loop is then unchanged
     * @throws IllegalStateException if called while the loop runs
     */
    @Override
    void close() throws LoopException;

    /**
     * Tells whether {@link #close()} has succeeded. Any thread.
     *
     * @return true once closed
     */
    boolean isClosed();
}
