package io.loopsock.unix.internal;

import io.loopsock.LoopException;
import io.netty.channel.unix.FileDescriptor;
import java.nio.ByteBuffer;

/**
 * The completion ring a native backend gives the shared stream code, as {@link Poller} is the
 * readiness one: io_uring now. A loop that implements it gets the completion model for its
 * streams: a stream submits an operation and hears its result, instead of waiting for readiness
 * and making the system call itself.
 *
 * <p>Loop-thread only. An operation is queued by {@link Channel#submit} and goes to the kernel at
 * the start of the next poll, so that one poll is one {@code io_uring_enter}; an operation queued
 * and cancelled before that poll never reaches the kernel and has no completion. Every operation
 * that reached the kernel has exactly one completion, delivered in the poll phase. The memory an
 * operation names (a buffer, a socket address) must stay put until its completion, or until a
 * {@link Channel#cancel cancel} that returned false.
 */
public interface Ring {

    /** The operations of a stream; at most one of each kind is outstanding per descriptor. */
    enum Op {
        /**
         * recv(2) into {@code length} bytes at {@code address}; the result is the byte count, 0 at
         * the end. With address 0 (where {@link #sharesReceiveBuffers()}), the kernel takes one of
         * the ring's shared receive buffers when bytes arrive, and the completion lends it (see
         * {@link Completed#completed}); if none is free then, the result is {@code -ENOBUFS} and
         * nothing was received.
         */
        RECV,
        /** send(2) of {@code length} bytes at {@code address}, without SIGPIPE; the result is the byte count. */
        SEND,
        /** accept4(2) with {@code SOCK_NONBLOCK | SOCK_CLOEXEC}; the result is the new descriptor. */
        ACCEPT,
        /** connect(2) to the socket address of {@code length} bytes at {@code address}; the result is 0. */
        CONNECT,
        /**
         * A one-shot poll(2) for readability, where a completion would be premature: a listener
         * at the descriptor limit, whose ACCEPT would fail at once; the result is the poll mask.
         */
        POLLIN
    }

    /**
     * Tells whether RECV can leave its buffer to the ring: a stream that waits for bytes then
     * holds no memory of its own. Made ready on the first call.
     *
     * @return true if a RECV may be submitted with address 0
     */
    boolean sharesReceiveBuffers();

    /**
     * Opens a channel for a descriptor.
     *
     * @param fd the descriptor; the channel owns it from now on and closes it in {@link Channel#cancelAndClose()}
     * @param completed what the poll calls with each result
     * @return the channel
     * @throws LoopException if the ring refuses the descriptor
     */
    Channel open(FileDescriptor fd, Completed completed) throws LoopException;

    /** One descriptor's operations. Loop-thread only. */
    interface Channel {
        /**
         * Queues an operation for the next poll.
         *
         * @param op the operation; none of its kind may be outstanding
         * @param address the memory it names (see {@link Op}), or 0
         * @param length the length of that memory, or 0
         */
        void submit(Op op, long address, int length);

        /**
         * Tells whether the operation of a kind is queued and has not reached the kernel yet.
         *
         * @param op the kind
         * @return true if it is queued
         */
        boolean queued(Op op);

        /**
         * Cancels the outstanding operation of a kind.
         *
         * @param op the kind
         * @return true if its completion is still to come (it reached the kernel: the result is
         *     {@code -ECANCELED}, or what it did before the cancel took effect); false if it was
         *     dropped before it reached the kernel, or none was outstanding
         */
        boolean cancel(Op op);

        /**
         * Cancels every outstanding operation and closes the descriptor at once: operations in
         * the kernel hold their own reference to the socket. With operations in the kernel, their
         * cancels go with the next poll and {@link Completed#released()} follows the last
         * completion.
         *
         * @return true if completions are still to come and {@code released} will be called
         */
        boolean cancelAndClose();
    }

    /** The results of a channel's operations. Loop-thread only; called from the poll phase. */
    interface Completed {
        /**
         * One operation completed.
         *
         * @param op its kind
         * @param result its result: non-negative on success, a negative errno on failure
         * @param shared for a RECV that took a shared receive buffer, that buffer, from position
         *     0 to the bytes received; lent until this method returns, then the ring takes it
         *     back. Otherwise null
         */
        void completed(Op op, int result, ByteBuffer shared);

        /** The last completion of a closed channel arrived: its memory may go. */
        void released();
    }
}
