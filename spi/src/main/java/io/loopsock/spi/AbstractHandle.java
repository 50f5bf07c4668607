package io.loopsock.spi;

import io.loopsock.Callback;
import io.loopsock.Completion;
import io.loopsock.Handle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadCallback;
import io.loopsock.ReadResult;
import java.util.Objects;

/**
 * The base of every handle: lifecycle, reference flag and activity bookkeeping, and the safe way
 * to call user callbacks.
 *
 * <p>Loop-thread only. Backends extend it for their I/O handles; {@link AbstractLoop} uses it for
 * timers, watchers and async handles. A subclass says when it is active with
 * {@link #setActive(boolean)}, counts its pending requests with {@link #requestStarted()} and
 * {@link #requestFinished()}, releases its resources in {@link #onClose()} and completes what is
 * still pending in {@link #onCloseCompleted()}.
 */
public abstract class AbstractHandle implements Handle {
    private final AbstractLoop loop;
    private boolean active;
    private boolean referenced = true;
    private boolean closing;
    /** Whether the close phase waits for {@link #releaseClose()}; see {@link #holdClose()}. */
    private boolean closeHeld;
    private Callback closeCallback;

    /**
     * Creates a handle and registers it with its loop.
     *
     * @param loop the owning loop
     */
    // Registering with the loop is what creating a handle means (libuv's uv_*_init does the same);
    // the loop only stores the reference and calls nothing on it before construction completes.
    @SuppressWarnings("this-escape")
    protected AbstractHandle(AbstractLoop loop) {
        this.loop = Objects.requireNonNull(loop, "loop");
        loop.register(this);
    }

    @Override
    public final Loop loop() {
        return loop;
    }

    /**
     * Returns the owning loop with its provider-side API.
     *
     * @return the loop
     */
    protected final AbstractLoop owner() {
        return loop;
    }

    @Override
    public final boolean isActive() {
        loop.checkThread();
        return active;
    }

    @Override
    public final boolean isClosing() {
        loop.checkThread();
        return closing;
    }

    /**
     * Tells whether close was called, without the thread check, for code already on the loop
     * thread.
     *
     * @return true once closing
     */
    protected final boolean closing() {
        return closing;
    }

    @Override
    public final void close(Callback onClose) {
        loop.checkThread();
        if (closing) {
            throw new IllegalStateException(this + " is already closing");
        }
        closing = true;
        closeCallback = onClose;
        setActive(false);
        try {
            onClose();
        } finally {
            if (!closeHeld) {
                loop.closing(this);
            }
        }
    }

    /**
     * Keeps the handle out of the close phase until {@link #releaseClose()}: for a backend whose
     * operations are still in the kernel when the handle closes (io_uring), so that the close
     * callback runs only after their last completion arrived. Call it from {@link #onClose()}.
     * The held close counts as an active request: the loop stays alive and may block in its poll
     * meanwhile, where waiting closing handles would make it spin.
     */
    protected final void holdClose() {
        if (closing && !closeHeld) {
            closeHeld = true;
            loop.activeRequests++;
        }
    }

    /**
     * Lets a held close go on: the handle's close completes in the loop's next close phase (this
     * iteration's, when called from the poll phase). Does nothing unless the close was held.
     */
    protected final void releaseClose() {
        if (closeHeld) {
            closeHeld = false;
            loop.activeRequests--;
            loop.closing(this);
        }
    }

    /**
     * Releases the handle's resources at once (the socket, a timer's slot); called by
     * {@link #close(Callback)}. Must not call user callbacks: those belong in
     * {@link #onCloseCompleted()}.
     */
    protected void onClose() {}

    /**
     * Completes, in the close phase, whatever is still pending (with
     * {@link io.loopsock.ErrorCode#ECANCELED}); the close callback runs right after.
     */
    protected void onCloseCompleted() {}

    /** Called by the loop in the close phase. */
    final void finishClose() {
        onCloseCompleted();
        loop.unregister(this);
        Callback callback = closeCallback;
        closeCallback = null;
        if (callback != null) {
            loop.invoke(callback);
        }
    }

    @Override
    public final void ref() {
        loop.checkThread();
        if (!referenced) {
            referenced = true;
            if (active) {
                loop.activeReferencedHandles++;
            }
        }
    }

    @Override
    public final void unref() {
        loop.checkThread();
        if (referenced) {
            referenced = false;
            if (active) {
                loop.activeReferencedHandles--;
            }
        }
    }

    @Override
    public final boolean hasRef() {
        loop.checkThread();
        return referenced;
    }

    /**
     * Records whether the handle is active; an active, referenced handle keeps the loop alive.
     *
     * @param nowActive the new state; ignored (false) once closing
     */
    protected final void setActive(boolean nowActive) {
        boolean value = nowActive && !closing;
        if (value != active) {
            active = value;
            if (referenced) {
                loop.activeReferencedHandles += value ? 1 : -1;
            }
        }
    }

    /** Counts a request (connect, write, shutdown) that keeps the loop alive until it finishes. */
    protected final void requestStarted() {
        loop.activeRequests++;
    }

    /** Counts a request as finished; call it before the request's callback. */
    protected final void requestFinished() {
        loop.activeRequests--;
    }

    /**
     * Checks the calling thread and that the handle is not closing; every operation but the
     * queries and the idempotent stops starts with this.
     *
     * @throws IllegalStateException on the wrong thread or a closing handle
     */
    protected final void checkOpen() {
        loop.checkThread();
        if (closing) {
            throw new IllegalStateException(this + " is closing");
        }
    }

    /**
     * Calls a completion on the loop thread now, catching what it throws (see
     * {@link AbstractLoop#invoke(Callback)}).
     *
     * @param completion the callback; null does nothing
     * @param error the outcome
     */
    protected final void complete(Completion completion, LoopException error) {
        loop.complete(completion, error);
    }

    /**
     * Calls a read callback now, catching what it throws.
     *
     * @param callback the callback
     * @param result the outcome
     */
    protected final void deliver(ReadCallback callback, ReadResult result) {
        loop.deliver(callback, result);
    }

    /**
     * Calls user code now, catching what it throws (see {@link AbstractLoop#invoke(Callback)}): for
     * callbacks of other shapes, such as a UDP handle's receive callback.
     *
     * @param callback the user's code
     */
    protected final void invoke(Callback callback) {
        loop.invoke(callback);
    }

    /**
     * Queues a callback for the loop's pending phase, for a completion known inside the call that
     * caused it (see {@link AbstractLoop#defer(Runnable)}).
     *
     * @param callback the callback
     */
    protected final void defer(Runnable callback) {
        loop.defer(callback);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(this));
    }
}
