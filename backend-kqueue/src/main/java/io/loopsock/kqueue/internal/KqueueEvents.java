package io.loopsock.kqueue.internal;

import io.netty.channel.kqueue.KQueueIoOps;
import java.util.ArrayList;
import java.util.List;

/**
 * The kqueue numbers the poller needs and the two translations it makes: an interest change into
 * filter changes, and a reported event into readiness.
 *
 * <p>Any thread (constants and pure functions). Netty reads these values from its native library
 * at run time and keeps them package-private, so they are written here, from {@code sys/event.h}
 * (xnu and FreeBSD agree on every one used). The model is libuv's and Netty's own channels':
 * level-triggered filters, added with {@code EV_ADD | EV_ENABLE} while there is interest and
 * removed with {@code EV_DELETE | EV_DISABLE} when it goes. {@code EV_CLEAR} (edge-triggered) is
 * deliberately not used: the {@link io.loopsock.unix.internal.Poller} contract is level-triggered,
 * and with no interest a removed filter reports nothing, which is what the contract asks of a
 * descriptor without interest.
 */
final class KqueueEvents {
    private KqueueEvents() {}

    /** {@code EVFILT_READ}: readable, or a listener with connections waiting; {@code data} counts them. */
    static final short EVFILT_READ = -1;
    /** {@code EVFILT_WRITE}: writable; {@code data} is the room in the send buffer. */
    static final short EVFILT_WRITE = -2;
    /** {@code EV_ADD}: add the filter, or change it if it is there. */
    static final short EV_ADD = 0x0001;
    /** {@code EV_DELETE}: remove the filter. */
    static final short EV_DELETE = 0x0002;
    /** {@code EV_ENABLE}: report the filter's events. */
    static final short EV_ENABLE = 0x0004;
    /** {@code EV_DISABLE}: stop reporting them. */
    static final short EV_DISABLE = 0x0008;
    /** {@code EV_ERROR} in a result: a change failed, {@code data} holds its errno. */
    static final short EV_ERROR = 0x4000;
    /** {@code EV_EOF} in a result: the peer shut the direction down; {@code fflags} may hold a socket error. */
    static final short EV_EOF = (short) 0x8000;

    /** Readiness bit: reading (or accepting) will not block, or an error is pending. */
    static final int READABLE = 1;
    /** Readiness bit: writing (or a connect's completion) will not block, or an error is pending. */
    static final int WRITABLE = 2;

    /**
     * The change that turns one filter on or off, as Netty's kqueue channels make it.
     *
     * @param filter {@link #EVFILT_READ} or {@link #EVFILT_WRITE}
     * @param on whether the filter should report
     * @return the ops to submit
     */
    static KQueueIoOps change(short filter, boolean on) {
        return KQueueIoOps.newOps(filter, on ? (short) (EV_ADD | EV_ENABLE) : (short) (EV_DELETE | EV_DISABLE), 0);
    }

    /**
     * The changes that take a descriptor's filters from one interest to another: nothing for a
     * filter whose state stays, one {@link #change} for each that turns on or off, read first.
     *
     * @param reading whether the read filter is on now
     * @param writing whether the write filter is on now
     * @param read whether it should be on
     * @param write whether the write filter should be on
     * @return the ops to submit, in order; empty when nothing changes
     */
    static List<KQueueIoOps> changes(boolean reading, boolean writing, boolean read, boolean write) {
        List<KQueueIoOps> changes = new ArrayList<>(2);
        if (read != reading) {
            changes.add(change(EVFILT_READ, read));
        }
        if (write != writing) {
            changes.add(change(EVFILT_WRITE, write));
        }
        return changes;
    }

    /**
     * Translates one reported event into the readiness of the poller contract. kqueue reports each
     * filter as its own event, so a descriptor both readable and writable gets two. An error is
     * reported as both readable and writable, as epoll's {@code EPOLLERR} and {@code EPOLLHUP}
     * are, so that whoever waits finds it in the next system call: a read event with
     * {@code EV_EOF} and a socket error in {@code fflags} (a reset), and a write event with
     * {@code EV_EOF} (the connection cannot send any more: reset, refused, or closed both ways).
     * A read event with {@code EV_EOF} and no error is the peer's orderly end: readable only, and
     * the read that follows finds the end after any data still queued.
     *
     * @param filter the event's filter
     * @param flags the event's flags
     * @param fflags the event's filter flags
     * @return {@link #READABLE} and {@link #WRITABLE} bits; 0 for a failed change or another filter
     */
    static int readiness(short filter, short flags, int fflags) {
        if ((flags & EV_ERROR) != 0) {
            // A failed change (Netty drops these before they reach a handle): no readiness.
            return 0;
        }
        boolean eof = (flags & EV_EOF) != 0;
        if (filter == EVFILT_READ) {
            return eof && fflags != 0 ? READABLE | WRITABLE : READABLE;
        }
        if (filter == EVFILT_WRITE) {
            return eof ? READABLE | WRITABLE : WRITABLE;
        }
        return 0;
    }
}
