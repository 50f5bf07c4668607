package io.loopsock.spi;

import io.loopsock.Async;
import io.loopsock.Callback;
import io.loopsock.Check;
import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.Handle;
import io.loopsock.Idle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Prepare;
import io.loopsock.ReadCallback;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Timer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The part of a loop that is the same on every backend: the phases of an iteration, timers, idle,
 * prepare and check watchers, async handles, executed tasks, pending and close callbacks,
 * liveness and thread ownership.
 *
 * <p>Loop-thread only, except {@link #execute(Runnable)} and {@link #requestWakeup()}. A backend
 * extends it and supplies the poller ({@link #poll(long)}, {@link #wakeup()},
 * {@link #closePoller()}) and its I/O handles ({@link #tcp()}, {@link #pipe()}); everything else is
 * here, once, so that every backend iterates exactly as {@link Loop} documents.
 *
 * @implSpec {@link #poll(long)} waits for I/O for at most the given time, calls
 *     {@link #pollReturned()}, runs the callbacks of the handles that became ready, and returns early when {@link #wakeup()} is called from any
 *     thread (a wakeup before the poll makes the next poll return at once). Callbacks are called
 *     through {@link #invoke(Callback)}, {@link #complete(Completion, LoopException)} or
 *     {@link #deliver(ReadCallback, ReadResult)}, never directly, so that an exception thrown by
 *     user code cannot leave the loop half-updated.
 */
public abstract class AbstractLoop implements Loop {
    private final LoopProvider provider;
    private volatile Thread owner;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean closed;
    private boolean stopRequested;
    private long now;

    private final LinkedHashSet<AbstractHandle> handles = new LinkedHashSet<>();
    int activeReferencedHandles;
    int activeRequests;

    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
    private List<AbstractHandle> closingHandles = new ArrayList<>();

    final TimerQueue timers = new TimerQueue();
    private long timerStarts;

    final List<LoopWatcher> idles = new ArrayList<>();
    final List<LoopWatcher> prepares = new ArrayList<>();
    final List<LoopWatcher> checks = new ArrayList<>();

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Queue<LoopAsync> sentAsyncs = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupRequested = new AtomicBoolean();
    /** Whether the backend refreshed the time inside the current poll. */
    private boolean timeRefreshed;

    private Throwable failure;

    /**
     * Creates a loop owned by the calling thread.
     *
     * @param provider the provider that opens it
     */
    protected AbstractLoop(LoopProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.owner = Thread.currentThread();
        this.now = clockMillis();
    }

    // ---- the backend's part -------------------------------------------------------------

    /**
     * Polls for I/O and runs the callbacks of ready handles.
     *
     * @param timeoutMillis how long to block at most: 0 for not at all, -1 for no limit
     */
    protected abstract void poll(long timeoutMillis);

    /** Makes the current or next {@link #poll(long)} return at once. Any thread. */
    protected abstract void wakeup();

    /**
     * Releases the poller; called once by {@link #close()} when no handle is left.
     *
     * @throws LoopException if the poller cannot be closed
     */
    protected abstract void closePoller() throws LoopException;

    // ---- Loop ----------------------------------------------------------------------------

    @Override
    public final LoopProvider provider() {
        return provider;
    }

    @Override
    public final boolean run(RunMode mode) {
        Objects.requireNonNull(mode, "mode");
        enter();
        try {
            boolean alive = alive();
            if (!alive) {
                updateTime();
            }
            if (mode == RunMode.DEFAULT && alive && !stopRequested) {
                // libuv runs due timers once before the first poll in DEFAULT mode only (rule 4).
                updateTime();
                runTimers();
                rethrowFailure();
            }
            while (alive && !stopRequested) {
                boolean canSleep = pending.isEmpty() && idles.isEmpty();
                runPending();
                rethrowFailure();
                runWatchers(idles);
                rethrowFailure();
                runWatchers(prepares);
                rethrowFailure();
                // Cleared before the queues are looked at: a foreign thread that queues work after this
                // point wakes the poll below; work queued before it is seen by pollTimeout. (Cleared
                // any later, a wakeup consumed by something else, such as a backend's own selectNow,
                // would leave the flag set and every later wakeup unsent.)
                wakeupRequested.set(false);
                long timeout = 0;
                if (mode == RunMode.DEFAULT || (mode == RunMode.ONCE && canSleep)) {
                    timeout = pollTimeout();
                }
                timeRefreshed = false;
                poll(timeout);
                if (!timeRefreshed) {
                    // Callbacks after the poll see the time it ended, not the time before a long
                    // wait: a timer started there must not be shortened by it (rule 45).
                    now = clockMillis();
                }
                runForeignWork();
                rethrowFailure();
                for (int round = 0; round < 8 && !pending.isEmpty(); round++) {
                    runPending();
                }
                rethrowFailure();
                runWatchers(checks);
                rethrowFailure();
                runClosingHandles();
                rethrowFailure();
                updateTime();
                runTimers();
                rethrowFailure();
                alive = alive();
                if (mode != RunMode.DEFAULT) {
                    break;
                }
            }
            return alive;
        } finally {
            // Cleared however run ends, so that the next run starts afresh (rule 9).
            stopRequested = false;
            running.set(false);
        }
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("the loop is closed");
        }
        Thread caller = Thread.currentThread();
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException(owner == caller
                    ? "the loop is already running: run must not be called from a callback"
                    : "the loop is running on thread " + owner.getName());
        }
        // A loop belongs to the thread that runs it: handing a loop to a new thread is done by
        // calling run there.
        owner = caller;
    }

    @Override
    public final void stop() {
        checkThread();
        stopRequested = true;
    }

    @Override
    public final long now() {
        checkThread();
        return now;
    }

    /**
     * Returns the cached time without the thread check, for backend code on the loop thread.
     *
     * @return the cached time in milliseconds
     */
    protected final long cachedNow() {
        return now;
    }

    @Override
    public final void updateTime() {
        checkThread();
        now = clockMillis();
    }

    private static long clockMillis() {
        return System.nanoTime() / 1_000_000L;
    }

    @Override
    public final boolean isAlive() {
        checkThread();
        return alive();
    }

    private boolean alive() {
        return activeReferencedHandles > 0 || activeRequests > 0 || !closingHandles.isEmpty()
                || !pending.isEmpty() || !tasks.isEmpty();
    }

    @Override
    public final void walk(Consumer<? super Handle> visitor) {
        checkThread();
        Objects.requireNonNull(visitor, "visitor");
        for (AbstractHandle handle : new ArrayList<>(handles)) {
            if (handles.contains(handle)) {
                visitor.accept(handle);
            }
        }
    }

    @Override
    public final void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            throw new RejectedExecutionException("the loop is closed");
        }
        tasks.add(task);
        if (closed && tasks.remove(task)) {
            // close() ran between the check and the add, saw no task, and released the poller: the
            // task would never run, so it is refused, as if it had come a moment later.
            throw new RejectedExecutionException("the loop is closed");
        }
        // The loop thread itself needs no wakeup: pollTimeout sees the queued task.
        if (Thread.currentThread() != owner) {
            requestWakeup();
        }
    }

    @Override
    public final Timer timer() {
        checkOpenLoop();
        return new LoopTimer(this);
    }

    @Override
    public final Async async(Callback onSend) {
        checkOpenLoop();
        Objects.requireNonNull(onSend, "onSend");
        return new LoopAsync(this, onSend);
    }

    @Override
    public final Idle idle() {
        checkOpenLoop();
        return new LoopWatcher.IdleWatcher(this);
    }

    @Override
    public final Prepare prepare() {
        checkOpenLoop();
        return new LoopWatcher.PrepareWatcher(this);
    }

    @Override
    public final Check check() {
        checkOpenLoop();
        return new LoopWatcher.CheckWatcher(this);
    }

    @Override
    public final void close() throws LoopException {
        checkThread();
        if (closed) {
            return;
        }
        if (running.get()) {
            throw new IllegalStateException("close must not be called while the loop runs");
        }
        if (!handles.isEmpty()) {
            throw new LoopException(ErrorCode.EBUSY, handles.size() + " handle(s) not closed: " + handles);
        }
        // Closed before the last look at the task queue: an execute() from another thread either
        // queued its task before this look (EBUSY) or sees the flag and takes its task back.
        closed = true;
        if (!tasks.isEmpty()) {
            closed = false;
            throw new LoopException(ErrorCode.EBUSY, tasks.size() + " executed task(s) have not run");
        }
        closePoller();
    }

    @Override
    public final boolean isClosed() {
        return closed;
    }

    // ---- services for backends and handles ---------------------------------------------------

    /**
     * Checks that the caller is the thread that owns the loop.
     *
     * @throws IllegalStateException otherwise
     */
    public final void checkThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("loop-thread only: called from " + Thread.currentThread().getName()
                    + ", the loop belongs to " + owner.getName());
        }
    }

    /**
     * Checks the thread and that the loop is not closed; handle factories start with this.
     *
     * @throws IllegalStateException otherwise
     */
    protected final void checkOpenLoop() {
        checkThread();
        if (closed) {
            throw new IllegalStateException("the loop is closed");
        }
    }

    /**
     * Queues a callback for the pending phase of the next iteration (libuv's pending queue): how a
     * completion that is known at once is still delivered from the loop, never from inside the call
     * that caused it.
     *
     * @param callback the callback
     */
    protected final void defer(Runnable callback) {
        pending.add(callback);
    }

    /**
     * Refreshes the cached time; a backend's {@link #poll(long)} calls it when its wait returns and
     * before it runs the first I/O callback, so that callbacks see the time the wait ended (libuv
     * does the same right after {@code epoll_wait}).
     */
    protected final void pollReturned() {
        now = clockMillis();
        timeRefreshed = true;
    }

    /**
     * Asks the loop to wake from its poll. Any thread. Coalesces: the backend's {@link #wakeup()}
     * runs at most once per poll.
     */
    protected final void requestWakeup() {
        if (!wakeupRequested.getAndSet(true)) {
            wakeup();
        }
    }

    /**
     * Calls user code, recording what it throws; {@link #run(RunMode)} rethrows the first such
     * exception at the end of the phase.
     *
     * @param callback the user's callback
     */
    protected final void invoke(Callback callback) {
        try {
            callback.run();
        } catch (Throwable t) {
            recordFailure(t);
        }
    }

    /**
     * Calls a completion, recording what it throws (see {@link #invoke(Callback)}).
     *
     * @param completion the callback; null does nothing
     * @param error the outcome
     */
    protected final void complete(Completion completion, LoopException error) {
        if (completion == null) {
            return;
        }
        try {
            completion.onComplete(error);
        } catch (Throwable t) {
            recordFailure(t);
        }
    }

    /**
     * Calls a read callback, recording what it throws (see {@link #invoke(Callback)}).
     *
     * @param callback the callback
     * @param result the outcome
     */
    protected final void deliver(ReadCallback callback, ReadResult result) {
        try {
            callback.onRead(result);
        } catch (Throwable t) {
            recordFailure(t);
        }
    }

    /** Runs a pending callback or an executed task, recording what it throws. */
    private void runInternal(Runnable runnable) {
        try {
            runnable.run();
        } catch (Throwable t) {
            recordFailure(t);
        }
    }

    private void recordFailure(Throwable t) {
        if (failure == null) {
            failure = t;
        } else if (failure != t) {
            failure.addSuppressed(t);
        }
    }

    private void rethrowFailure() {
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t instanceof java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new java.lang.reflect.UndeclaredThrowableException(t, "a callback threw " + t);
        }
    }

    final void register(AbstractHandle handle) {
        handles.add(handle);
    }

    final void unregister(AbstractHandle handle) {
        handles.remove(handle);
    }

    final void closing(AbstractHandle handle) {
        closingHandles.add(handle);
    }

    final long nextTimerStart() {
        return timerStarts++;
    }

    final void sent(LoopAsync async) {
        sentAsyncs.add(async);
        if (Thread.currentThread() != owner) {
            requestWakeup();
        }
    }

    // ---- phases ------------------------------------------------------------------------------

    private long pollTimeout() {
        if (stopRequested || (activeReferencedHandles == 0 && activeRequests == 0) || !idles.isEmpty()
                || !pending.isEmpty() || !closingHandles.isEmpty() || !tasks.isEmpty() || !sentAsyncs.isEmpty()) {
            return 0;
        }
        LoopTimer next = timers.peek();
        if (next == null) {
            return -1;
        }
        return Math.max(0, next.due - now);
    }

    private void runPending() {
        // Only what is queued now: callbacks queued by these callbacks wait for the next round.
        for (int n = pending.size(); n > 0; n--) {
            runInternal(pending.poll());
        }
    }

    private void runForeignWork() {
        // Only what was sent or submitted before this phase: an async sent from an async callback,
        // or a task submitted by one of these callbacks, runs in the next iteration, so that other
        // phases are not starved.
        int asyncs = sentAsyncs.size();
        int submitted = tasks.size();
        for (int n = asyncs; n > 0; n--) {
            LoopAsync async = sentAsyncs.poll();
            if (async == null) {
                break;
            }
            async.fire();
        }
        for (int n = submitted; n > 0; n--) {
            Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            runInternal(task);
        }
    }

    private void runWatchers(List<LoopWatcher> watchers) {
        if (watchers.isEmpty()) {
            return;
        }
        // A watcher (re)started by a callback of this pass runs from the next iteration (rule 50);
        // one stopped by a callback of this pass does not run.
        long pass = ++watcherPasses;
        LoopWatcher[] snapshot = watchers.toArray(new LoopWatcher[0]);
        for (LoopWatcher watcher : snapshot) {
            watcher.fire(pass);
        }
    }

    /** Numbers watcher passes, so that a watcher knows whether it was started during this one. */
    long watcherPasses;

    private void runTimers() {
        // Collect every due timer first, then run them: a timer restarted with timeout 0 by its own
        // callback waits for the next pass (rule 40).
        List<LoopTimer> ready = null;
        LoopTimer timer;
        while ((timer = timers.peek()) != null && timer.due <= now) {
            timer.expire();
            if (ready == null) {
                ready = new ArrayList<>();
            }
            ready.add(timer);
        }
        if (ready != null) {
            for (LoopTimer t : ready) {
                t.fire();
            }
        }
    }

    private void runClosingHandles() {
        if (closingHandles.isEmpty()) {
            return;
        }
        // Handles closed by these close callbacks finish in the next iteration, as in libuv.
        List<AbstractHandle> closingNow = closingHandles;
        closingHandles = new ArrayList<>();
        for (AbstractHandle handle : closingNow) {
            handle.finishClose();
        }
    }
}
