package io.loopsock.epoll.internal;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.unix.internal.Poller;
import io.loopsock.unix.internal.UnixErrors;
import io.loopsock.unix.internal.UnixLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * A loop whose poller is Netty's {@link EpollIoHandler}, driven directly through
 * {@link IoHandler#run(IoHandlerContext)} from the thread that runs the loop.
 *
 * <p>Loop-thread only, as every loop. One {@code poll} of {@link io.loopsock.spi.AbstractLoop} is
 * exactly one {@code run} of the handler: one {@code epoll_wait} with the loop's timeout (0: do
 * not block; -1: no limit), then the ready descriptors' callbacks. Netty's own task queue and
 * timers are not used: {@code AbstractLoop} keeps libuv's phases, timers and cross-thread work,
 * and the handler is only the poller. Each registered descriptor is one {@link EpollIoHandle},
 * level-triggered like libuv's epoll backend.
 */
final class EpollLoop extends UnixLoop {
    private static final int EPOLLERR = 0x008;
    private static final int EPOLLHUP = 0x010;

    private final IoHandler handler;
    private final Context context = new Context();
    /** The thread inside (or last inside) poll: Netty's notion of the loop's executor thread. */
    private volatile Thread pollThread;
    /** Set by a wakeup from another thread; makes the current or next poll not block. */
    private volatile boolean wakeupPending;
    /** Whether the current poll refreshed the loop's time since its wait returned. */
    private boolean timeRefreshed;
    /** Counts polls; a handle remembers the one it was registered in. */
    private long polls;

    EpollLoop(EpollLoopProvider provider) throws LoopException {
        super(provider);
        pollThread = Thread.currentThread();
        IoHandler created;
        try {
            Epoll.ensureAvailability();
            created = EpollIoHandler.newFactory().newHandler(new Executor());
            created.initialize();
        } catch (RuntimeException | Error e) {
            throw UnixErrors.map(e.getCause() != null ? e.getCause() : e, "open an epoll instance");
        }
        handler = created;
    }

    @Override
    protected void poll(long timeoutMillis) {
        pollThread = Thread.currentThread();
        timeRefreshed = false;
        polls++;
        context.arm(timeoutMillis);
        // The handler never throws: what a callback throws is recorded by dispatch, and a failing
        // epoll_wait is logged by Netty, which then waits a second before returning.
        handler.run(context);
        // A wakeup that came while the handler polled has done its work; one after this line is
        // for the next poll, whose run phase sees the task or async that caused it.
        wakeupPending = false;
    }

    @Override
    protected void wakeup() {
        wakeupPending = true;
        handler.wakeup();
    }

    @Override
    protected void closePoller() throws LoopException {
        releaseReserve();
        try {
            handler.prepareToDestroy();
            handler.destroy();
        } catch (RuntimeException e) {
            throw new LoopException(ErrorCode.UNKNOWN, "close the epoll instance", e);
        }
    }

    @Override
    public Registration register(FileDescriptor fd, Ready ready) throws LoopException {
        Handle handle = new Handle(fd, ready);
        try {
            handle.registration = handler.register(handle);
        } catch (Exception e) {
            throw UnixErrors.map(e, "register with epoll");
        }
        return handle;
    }

    private void ready(Handle handle, int ops) {
        if (!timeRefreshed) {
            // Netty calls the first handle only once epoll_wait has returned: that is the moment.
            timeRefreshed = true;
            pollReturned();
        }
        // An error or hang-up wakes whoever waits on the descriptor, as libuv does; the syscall
        // that follows reports the error itself.
        boolean failed = (ops & (EPOLLERR | EPOLLHUP)) != 0;
        boolean readable = failed || (ops & EpollIoOps.EPOLLIN.value()) != 0;
        boolean writable = failed || (ops & EpollIoOps.EPOLLOUT.value()) != 0;
        // Netty finds a handle by descriptor number. A handle registered by a callback of this
        // very poll may have the number of a descriptor closed earlier in it, and the rest of
        // this poll's events for that number were the old descriptor's: they are dropped, as
        // libuv's uv__platform_invalidate_fd drops them. (A connecting socket would otherwise
        // read SO_ERROR 0 from a stale EPOLLOUT and call itself connected.)
        if (handle.registration != null && handle.registration.isValid() && handle.bornIn != polls) {
            dispatch(handle.ready, readable, writable);
        }
    }

    @Override
    public String toString() {
        return "EpollLoop";
    }

    /** One descriptor registered with the handler. */
    private final class Handle implements EpollIoHandle, Poller.Registration {
        private final FileDescriptor fd;
        private final Ready ready;
        IoRegistration registration;
        private boolean submitted;
        /** The poll during which (or after which, outside any poll) the handle was registered. */
        final long bornIn = polls;

        Handle(FileDescriptor fd, Ready ready) {
            this.fd = fd;
            this.ready = ready;
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            // Must never throw: Netty would log it and stall the loop for a second.
            try {
                ready(this, ((EpollIoEvent) event).ops().value());
            } catch (Throwable t) {
                dispatch((r, w) -> {
                    throw t;
                }, false, false);
            }
        }

        @Override
        public void interest(boolean read, boolean write) {
            if (registration == null || !registration.isValid()) {
                return;
            }
            EpollIoOps ops = EpollIoOps.NONE;
            if (read) {
                ops = ops.with(EpollIoOps.EPOLLIN);
            }
            if (write) {
                ops = ops.with(EpollIoOps.EPOLLOUT);
            }
            if (ops.equals(EpollIoOps.NONE)) {
                if (!submitted) {
                    return;
                }
                // Netty's registration treats NONE as EPOLL_CTL_DEL and cannot add the descriptor
                // back afterwards. Edge-triggered with no events keeps it registered and quiet: an
                // error or hang-up is reported once, not at every poll, so an idle stream whose
                // peer is gone cannot make the loop spin.
                ops = EpollIoOps.EPOLLET;
            }
            registration.submit(ops);
            submitted = true;
        }

        @Override
        public void cancel() {
            if (registration != null) {
                registration.cancel();
            }
        }

        @Override
        public void close() {
            // Netty calls this for handles still registered when the handler is destroyed; the
            // loop closes only once every handle is closed, so there is nothing left to do.
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
            EpollLoop.this.execute(task);
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
            // came in between (which found Netty "awake" and wrote no eventfd) is not lost.
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
