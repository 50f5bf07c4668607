package io.loopsock.unix.internal;

import io.loopsock.LoopException;
import io.netty.channel.unix.FileDescriptor;

/**
 * The readiness poller a native backend gives the shared stream code: epoll now, kqueue later.
 *
 * <p>Loop-thread only. The contract is level-triggered readiness, as libuv's {@code uv__io_t}:
 * while a descriptor's interest includes reading (writing) and it can be read (written), every
 * poll reports it again. An error or hang-up is reported as both readable and writable, so that
 * whoever waits on the descriptor finds the error in its next system call.
 */
public interface Poller {

    /**
     * Registers a descriptor with no interest yet.
     *
     * @param fd the descriptor; it must stay open until {@link Registration#cancel()}
     * @param ready what the poll calls when the descriptor is ready
     * @return the registration
     * @throws LoopException if the poller refuses the descriptor
     */
    Registration register(FileDescriptor fd, Ready ready) throws LoopException;

    /** One registered descriptor. Loop-thread only. */
    interface Registration {
        /**
         * Sets what the poll watches for. With neither, the descriptor is kept registered but
         * reports nothing, not even a hang-up, until interest comes back.
         *
         * @param read whether to report readability
         * @param write whether to report writability
         */
        void interest(boolean read, boolean write);

        /**
         * Removes the descriptor from the poller; called before the descriptor is closed, so that
         * no readiness of this descriptor reaches a later one with the same number. Idempotent.
         */
        void cancel();
    }

    /** The callback of a registration. Loop-thread only. */
    @FunctionalInterface
    interface Ready {
        /**
         * Handles readiness reported by the current poll.
         *
         * @param readable whether reading (or accepting) will not block, or an error is pending
         * @param writable whether writing (or a connect's completion) will not block, or an error
         *     is pending
         */
        void ready(boolean readable, boolean writable);
    }
}
