package io.loopsock.spi;

import io.loopsock.Completion;
import io.loopsock.LoopException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The finished requests of one handle waiting for their callbacks, run in the order the requests
 * finished — the one mechanism every backend's streams and UDP handles use for connect, write,
 * shutdown and send callbacks.
 *
 * <p>Loop-thread only. A request that finishes inside the call that made it is {@link #add added}
 * and {@link #schedule() scheduled}: its callback runs from the pending phase, never inside the
 * call. One that finishes in the poll phase is added and {@link #flush() flushed} there. Either
 * way each callback runs once, in order, after {@link AbstractHandle#requestFinished()}. A closing
 * handle {@link #drain() drains} the queue in {@link AbstractHandle#onCloseCompleted()}, before its
 * close callback.
 *
 * @param <K> what kind of request an entry is (connect, write, shutdown…), for the handle's own use
 */
public final class CompletionQueue<K> {
    private final AbstractHandle handle;
    private final Consumer<K> beforeCallback;
    private final Runnable afterScheduledFlush;
    /** Made on the first request: an idle handle (of 10,000s) has none. */
    private ArrayDeque<Entry<K>> entries;
    private final Runnable flushTask = this::flushScheduled;
    private boolean scheduled;

    /**
     * Creates the queue of a handle.
     *
     * @param handle the handle whose requests these are
     * @param beforeCallback called with an entry's kind just before its callback runs (to update
     *     the handle's state); may be null
     * @param afterScheduledFlush called after a flush from the pending phase (to refresh the
     *     handle's interest); may be null
     */
    public CompletionQueue(AbstractHandle handle, Consumer<K> beforeCallback, Runnable afterScheduledFlush) {
        this.handle = Objects.requireNonNull(handle, "handle");
        this.beforeCallback = beforeCallback;
        this.afterScheduledFlush = afterScheduledFlush;
    }

    /**
     * Adds a finished request.
     *
     * @param callback its callback; null runs nothing but still finishes the request
     * @param error its outcome
     * @param kind what it was
     */
    public void add(Completion callback, LoopException error, K kind) {
        if (entries == null) {
            entries = new ArrayDeque<>(2);
        }
        entries.add(new Entry<>(callback, error, kind));
    }

    /** Makes the pending phase flush the queue, if anything waits and no flush is due yet. */
    public void schedule() {
        if (!isEmpty() && !scheduled) {
            scheduled = true;
            handle.defer(flushTask);
        }
    }

    private void flushScheduled() {
        scheduled = false;
        if (!handle.closing()) {
            // A closing handle delivers everything, cancellations included, in the close phase.
            flush();
            if (afterScheduledFlush != null) {
                afterScheduledFlush.run();
            }
        }
    }

    /**
     * Runs the callbacks of the requests finished before this call, in order. A request that a
     * callback makes and that finishes at once waits for the next flush, so a producer writing
     * from its write callback cannot keep the loop here (libuv defers such completions the same way).
     */
    public void flush() {
        for (int n = entries == null ? 0 : entries.size(); n > 0; n--) {
            Entry<K> entry = entries.poll();
            handle.requestFinished();
            if (beforeCallback != null) {
                beforeCallback.accept(entry.kind);
            }
            handle.complete(entry.callback, entry.error);
        }
    }

    /** Flushes until nothing is left: for {@link AbstractHandle#onCloseCompleted()}. */
    public void drain() {
        while (!isEmpty()) {
            flush();
        }
    }

    /**
     * Turns the successes of one kind that still wait into a failure: a connect that succeeded at
     * once but whose callback has not run when the handle closes is cancelled, as in libuv.
     *
     * @param kind the kind
     * @param error the failure
     */
    public void failSuccesses(K kind, LoopException error) {
        for (int n = entries == null ? 0 : entries.size(); n > 0; n--) {
            Entry<K> entry = entries.poll();
            entries.add(entry.error == null && Objects.equals(entry.kind, kind) ? new Entry<>(entry.callback, error, kind) : entry);
        }
    }

    /**
     * Tells whether nothing waits.
     *
     * @return true when empty
     */
    public boolean isEmpty() {
        return entries == null || entries.isEmpty();
    }

    private record Entry<K>(Completion callback, LoopException error, K kind) {}
}
