package io.loopsock.epoll.internal;

import io.loopsock.LoopException;
import io.loopsock.unix.internal.HandlerLoop;
import io.loopsock.unix.internal.Poller;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;

/**
 * A loop whose poller is Netty's {@link EpollIoHandler}, driven by {@link HandlerLoop}.
 *
 * <p>Loop-thread only, as every loop. Each registered descriptor is one {@link EpollIoHandle},
 * level-triggered like libuv's epoll backend: {@code EPOLLIN} while reading (or listening),
 * {@code EPOLLOUT} while writes are queued (or a connect is in flight).
 */
final class EpollLoop extends HandlerLoop {
    private static final int EPOLLERR = 0x008;
    private static final int EPOLLHUP = 0x010;

    EpollLoop(EpollLoopProvider provider) throws LoopException {
        super(provider, "epoll", () -> {
            Epoll.ensureAvailability();
            return EpollIoHandler.newFactory();
        });
    }

    @Override
    public Registration register(FileDescriptor fd, Ready ready) throws LoopException {
        Handle handle = new Handle(fd, ready);
        handle.registration = registerHandle(handle);
        return handle;
    }

    private void ready(Handle handle, int ops) {
        eventArrived();
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
        if (handle.registration != null && handle.registration.isValid() && handle.bornIn != polls()) {
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
        final long bornIn = polls();

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
            handleSafely(() -> ready(this, ((EpollIoEvent) event).ops().value()));
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
}
