package io.loopsock;

/**
 * Something a loop runs: a timer, a socket, a watcher. After libuv's {@code uv_handle_t}.
 *
 * <p>Loop-thread only. A handle lives from its creation by a {@link Loop} factory until its close
 * callback has run; the loop cannot be closed before that.
 *
 * <h2>Closing</h2>
 * {@link #close(Callback)} stops the handle at once and releases its socket at once, but its
 * callback always runs later, in the close phase of the loop. Requests still pending on the handle
 * (connect, write, shutdown) complete with {@link ErrorCode#ECANCELED} before the close callback.
 * Nothing of the handle runs after its close callback. Closing a handle that is already closing
 * throws {@link IllegalStateException}.
 *
 * <h2>References</h2>
 * A referenced handle keeps the loop alive while it is active; an unreferenced one does not (its
 * requests still do). {@link #ref()} and {@link #unref()} set a flag: they do not count.
 */
public interface Handle {

    /**
     * Returns the loop that owns this handle.
     *
     * @return the loop; any thread
     */
    Loop loop();

    /**
     * Tells whether the handle is doing something: a started timer or watcher, an async handle, a
     * stream that is reading, listening, connecting, writing or shutting down.
     *
     * @return true if active; always false once closing
     */
    boolean isActive();

    /**
     * Tells whether {@link #close(Callback)} has been called.
     *
     * @return true from the moment close returns
     */
    boolean isClosing();

    /**
     * Closes the handle; the callback runs in the close phase of the loop, after the ECANCELED
     * callbacks of pending requests.
     *
     * @param onClose called once when the handle has closed; may be null
     * @throws IllegalStateException if the handle is already closing
     */
    void close(Callback onClose);

    /** Closes the handle without a close callback; see {@link #close(Callback)}. */
    default void close() {
        close(null);
    }

    /** Makes the handle keep the loop alive while it is active (the default). */
    void ref();

    /** Stops the handle from keeping the loop alive. */
    void unref();

    /**
     * Tells whether the handle is referenced.
     *
     * @return the flag set by the last {@link #ref()} or {@link #unref()}
     */
    boolean hasRef();
}
