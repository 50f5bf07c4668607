package io.loopsock.kqueue.internal;

import io.loopsock.LoopException;
import io.loopsock.unix.internal.HandlerLoop;
import io.loopsock.unix.internal.Poller;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueIoEvent;
import io.netty.channel.kqueue.KQueueIoHandle;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.unix.FileDescriptor;

/**
 * A loop whose poller is Netty's {@link KQueueIoHandler}, driven by {@link HandlerLoop} as epoll's
 * is.
 *
 * <p>Loop-thread only, as every loop. Each registered descriptor is one {@link KQueueIoHandle}
 * with two level-triggered filters, {@code EVFILT_READ} while reading (or listening) and
 * {@code EVFILT_WRITE} while writes are queued (or a connect is in flight), each added and removed
 * as the interest changes ({@link KqueueEvents}). Netty applies the changes at the next
 * {@code kevent} call and keys registrations by a unique id carried in {@code udata}, so an event
 * of a closed descriptor never reaches a later one with the same number: epoll's drop of a poll's
 * stale events is not needed. Never run here: it is compiled and unit-tested on Linux only.
 */
final class KqueueLoop extends HandlerLoop {

    KqueueLoop(KqueueLoopProvider provider) throws LoopException {
        super(provider, "kqueue", () -> {
            KQueue.ensureAvailability();
            return KQueueIoHandler.newFactory();
        });
    }

    @Override
    public Registration register(FileDescriptor fd, Ready ready) throws LoopException {
        Handle handle = new Handle(fd, ready);
        handle.registration = registerHandle(handle);
        return handle;
    }

    @Override
    public String toString() {
        return "KqueueLoop";
    }

    /** One descriptor registered with the handler. */
    private final class Handle implements KQueueIoHandle, Poller.Registration {
        private final FileDescriptor fd;
        private final Ready ready;
        IoRegistration registration;
        /** Whether the read filter is on (added and enabled). */
        private boolean reading;
        /** Whether the write filter is on. */
        private boolean writing;

        Handle(FileDescriptor fd, Ready ready) {
            this.fd = fd;
            this.ready = ready;
        }

        @Override
        public int ident() {
            return fd.intValue();
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            // Must never throw: Netty would log it and stall the loop for a second.
            handleSafely(() -> {
                eventArrived();
                KQueueIoEvent kevent = (KQueueIoEvent) event;
                int readiness = KqueueEvents.readiness(kevent.filter(), kevent.flags(), kevent.fflags());
                if (readiness != 0 && this.registration != null && this.registration.isValid()) {
                    dispatch(ready, (readiness & KqueueEvents.READABLE) != 0, (readiness & KqueueEvents.WRITABLE) != 0);
                }
            });
        }

        @Override
        public void interest(boolean read, boolean write) {
            if (registration == null || !registration.isValid()) {
                return;
            }
            for (var change : KqueueEvents.changes(reading, writing, read, write)) {
                registration.submit(change);
            }
            reading = read;
            writing = write;
        }

        @Override
        public void cancel() {
            if (registration == null || !registration.isValid()) {
                return;
            }
            // The filters are removed before the descriptor is closed, as Netty's channels do:
            // the changes are applied at the next kevent, in order, and an add still queued for
            // this number would otherwise land on a new descriptor that reuses it.
            if (fd.isOpen()) {
                interest(false, false);
            }
            registration.cancel();
        }

        @Override
        public void close() {
            // Netty calls this for handles still registered when the handler is destroyed; the
            // loop closes only once every handle is closed, so there is nothing left to do.
        }
    }
}
