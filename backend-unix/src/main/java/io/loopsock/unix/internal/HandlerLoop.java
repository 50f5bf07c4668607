package io.loopsock.unix.internal;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.spi.LoopProvider;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.function.Supplier;

/**
 * A loop whose poller is one of Netty's readiness {@link IoHandler}s (epoll's, kqueue's), driven
 * directly through {@link IoHandler#run(IoHandlerContext)} from the thread that runs the loop.
 *
 * <p>Loop-thread only, as every loop. One {@code poll} of {@link io.loopsock.spi.AbstractLoop} is
 * exactly one {@code run} of the handler: one {@code epoll_wait} or {@code kevent} with the loop's
 * timeout (0: do not block; -1: no limit), then the ready descriptors' callbacks. Netty's own task
 * queue and timers are not used: {@code AbstractLoop} keeps libuv's phases, timers and
 * cross-thread work, and the handler is only the poller. A backend supplies the handler factory
 * and its {@link Poller.Registration}s (one {@link IoHandle} per descriptor, with the handler's
 * own interest encoding); waking, blocking and the time of a poll are written once, here.
 */
public abstract class HandlerLoop extends UnixLoop {
    private final IoHandler handler;
    private final String name;
    private final Context context = new Context();
    /** The thread inside (or last inside) poll: Netty's notion of the loop's executor thread. */
    private volatile Thread pollThread;
    /** Set by a wakeup from another thread; makes the current or next poll not block. */
    private volatile boolean wakeupPending;
    /** Whether the current poll refreshed the loop's time since its wait returned. */
    private boolean timeRefreshed;
    /** Counts polls; a handle may remember the one it was registered in. */
    private long polls;

    /**
     * Creates the loop and its handler, on the calling thread.
     *
     * @param provider the provider that opens it
     * @param name the poller's name for messages, e.g. {@code "epoll"}
     * @param factory the handler factory; it checks that Netty's native library loaded
     *     ({@code Epoll.ensureAvailability()} and the like) before anything else
     * @throws LoopException if the handler cannot be created
     */
    protected HandlerLoop(LoopProvider provider, String name, Supplier<IoHandlerFactory> factory) throws LoopException {
        super(provider);
        this.name = name;
        pollThread = Thread.currentThread();
        IoHandler created;
        try {
            created = factory.get().newHandler(new Executor());
            created.initialize();
        } catch (RuntimeException | Error e) {
            throw UnixErrors.map(e.getCause() != null ? e.getCause() : e, "open " + article(name) + " " + name + " instance");
        }
        handler = created;
    }

    private static String article(String noun) {
        return "aeiou".indexOf(noun.charAt(0)) >= 0 ? "an" : "a";
    }

    @Override
    protected final void poll(long timeoutMillis) {
        pollThread = Thread.currentThread();
        timeRefreshed = false;
        polls++;
        beforeWait();
        context.arm(timeoutMillis);
        // The handler never throws: what a callback throws is recorded by dispatch, and a failing
        // wait is logged by Netty, which then waits a second before returning.
        handler.run(context);
        // A wakeup that came while the handler polled has done its work; one after this line is
        // for the next poll, whose run phase sees the task or async that caused it.
        wakeupPending = false;
    }

    /**
     * Called at the start of every poll, before the handler submits and waits: a completion
     * backend hands over here what its handles queued since the last poll, so that they reach
     * the kernel with this poll's one wait. Does nothing by default.
     */
    protected void beforeWait() {}

    /**
     * Returns the handler, for a backend that must adjust it once it is made (io_uring's, see
     * {@code AnyThreadRing}).
     *
     * @return the handler
     */
    protected final IoHandler handler() {
        return handler;
    }

    @Override
    protected final void wakeup() {
        wakeupPending = true;
        handler.wakeup();
    }

    @Override
    protected final void closePoller() throws LoopException {
        releaseReserve();
        try {
            destroy(handler);
        } catch (RuntimeException e) {
            throw new LoopException(ErrorCode.UNKNOWN, "close the " + name + " instance", e);
        }
    }

    /**
     * Destroys the handler as the loop closes, with no handle left: Netty's two steps,
     * {@link IoHandler#prepareToDestroy()} then {@link IoHandler#destroy()}, unless the backend
     * knows better (io_uring's).
     *
     * @param handler the loop's handler
     */
    protected void destroy(IoHandler handler) {
        handler.prepareToDestroy();
        handler.destroy();
    }

    /**
     * Registers one descriptor's handle with the handler.
     *
     * @param handle the handle
     * @return its registration
     * @throws LoopException if the handler refuses it
     */
    protected final IoRegistration registerHandle(IoHandle handle) throws LoopException {
        try {
            return handler.register(handle);
        } catch (Exception e) {
            throw UnixErrors.map(e, "register with " + name);
        }
    }

    /**
     * Called by a handle for each event, before it dispatches: the first event of a poll is the
     * moment its wait returned, so the loop's time is refreshed then.
     */
    protected final void eventArrived() {
        if (!timeRefreshed) {
            // Netty calls the first handle only once its wait has returned: that is the moment.
            timeRefreshed = true;
            pollReturned();
        }
    }

    /**
     * The number of polls so far; the current one while a poll runs.
     *
     * @return the count
     */
    protected final long polls() {
        return polls;
    }

    /**
     * Runs a handle's event processing so that nothing is thrown into Netty, which would log it
     * and stall the loop for a second: what it throws is recorded as a callback's failure, and
     * {@code run} rethrows it at the end of the phase.
     *
     * @param body the handle's processing of one event
     */
    protected final void handleSafely(Runnable body) {
        try {
            body.run();
        } catch (Throwable t) {
            dispatch((r, w) -> {
                throw t;
            }, false, false);
        }
    }

    /** The handler's view of the loop thread. */
    private final class Executor implements ThreadAwareExecutor {
        @Override
        public boolean isExecutorThread(Thread thread) {
            return thread == pollThread;
        }

        @Override
        public void execute(Runnable task) {
            HandlerLoop.this.execute(task);
        }
    }

    /** The handler's view of one poll's timeout. */
    private final class Context implements IoHandlerContext {
        private boolean block;
        private long deadline;

        void arm(long timeoutMillis) {
            block = timeoutMillis != 0;
            // A timeout too long to count in nanoseconds is no deadline at all.
            deadline = timeoutMillis > 0 && timeoutMillis < Long.MAX_VALUE / 2_000_000L ? System.nanoTime() + timeoutMillis * 1_000_000L : -1;
        }

        @Override
        public boolean canBlock() {
            // Asked again after Netty has announced that it is about to wait, so a wakeup that
            // came in between (which found Netty "awake" and signalled nothing) is not lost.
            return block && !wakeupPending;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return deadline < 0 ? Long.MAX_VALUE : Math.max(0, deadline - currentTimeNanos);
        }

        @Override
        public long deadlineNanos() {
            return deadline;
        }
    }
}
