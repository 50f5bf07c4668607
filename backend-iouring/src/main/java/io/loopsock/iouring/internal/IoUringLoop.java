package io.loopsock.iouring.internal;

import io.loopsock.LoopException;
import io.loopsock.unix.internal.HandlerLoop;
import io.loopsock.unix.internal.Poller;
import io.loopsock.unix.internal.Ring;
import io.netty.channel.IoEvent;
import io.netty.channel.IoHandler;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringIoOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A loop whose poller is Netty's {@link IoUringIoHandler}, driven directly from the thread that
 * runs the loop (see {@link HandlerLoop}): one poll is one {@code io_uring_enter} that submits what
 * was queued since the last one and waits for completions.
 *
 * <p>Loop-thread only, as every loop. Each descriptor is one {@link IoUringIoHandle}; its
 * operations are raw submission queue entries made with the public {@link IoUringIoOps}
 * constructor, with the kernel's opcodes. Streams use the completion model ({@link Ring}): RECV
 * (into the loop's shared receive buffers, {@link ReceiveBufferRing}, or a stream's own),
 * SEND, ACCEPT and CONNECT, and ASYNC_CANCEL to cancel; a descriptor is closed with close(2) at
 * once (see {@link Handle#cancelAndClose()}). UDP handles use
 * readiness ({@link Poller}) through one-shot POLL_ADD, re-armed while there is interest, with the
 * non-blocking system calls of the shared UDP code: a datagram socket gains nothing from
 * completions, and its sends and receives keep their exact semantics.
 *
 * <p>An operation is queued, not handed to Netty, until the next poll starts: Netty submits what
 * it is given during its own run, so operations queued by callbacks would otherwise go to the
 * kernel in the same poll, which would then be several {@code io_uring_enter}s. It also means
 * that every operation handed to Netty is in the kernel by the time any other code of the loop
 * runs, and an operation still queued can be dropped without a trace: a close never leaves an
 * entry that names a descriptor number after the number was released.
 *
 * <p>The ring is not single-issuer and is entered by its plain descriptor (see
 * {@link AnyThreadRing}), because a loop belongs to whichever thread runs it.
 */
final class IoUringLoop extends HandlerLoop implements Ring {
    // Opcodes and flags of the kernel's io_uring ABI (include/uapi/linux/io_uring.h, socket.h).
    private static final byte IORING_OP_POLL_ADD = 6;
    private static final byte IORING_OP_ACCEPT = 13;
    private static final byte IORING_OP_ASYNC_CANCEL = 14;
    private static final byte IORING_OP_CONNECT = 16;
    private static final byte IORING_OP_SEND = 26;
    private static final byte IORING_OP_RECV = 27;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int POLLIN = 0x001;
    private static final int POLLOUT = 0x004;
    private static final int POLLERR = 0x008;
    private static final int POLLHUP = 0x010;
    private static final int ECANCELED = 125;
    private static final int ENOBUFS = 105;
    private static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    private static final int IORING_CQE_F_BUFFER = 1;
    private static final int IORING_CQE_BUFFER_SHIFT = 16;

    /** The slot of a handle's POLL_ADD, after the stream operations' slots (their ordinals). */
    private static final int POLL = Op.values().length;
    /** The slot of an ASYNC_CANCEL: its completion needs no handling. */
    private static final int CANCEL = 14;
    /**
     * An entry's user data is its slot in the low four bits and a generation above, so that the
     * completion of a cancelled poll is told from that of the poll that replaced it; it stays a
     * positive {@code short}, which Netty passes through without a lookup.
     */
    private static final int SLOT_BITS = 4;
    private static final int GENERATIONS = 1 << (15 - SLOT_BITS);

    /** What goes to Netty at the start of the next poll, in order. */
    private final ArrayDeque<Queued> queued = new ArrayDeque<>();
    /**
     * Receives of streams that found no shared buffer free ({@code ENOBUFS}): they have bytes
     * waiting. Each poll hands over at most as many as the ring has buffers, oldest first, so a
     * burst to n streams costs about n completions in all, not n at every poll until it clears
     * (which, with bytes still arriving, overflowed the completion queue's 4,096 entries).
     */
    private final ArrayDeque<Queued> starved = new ArrayDeque<>();
    private int generation;
    /** The only thread that can enter the ring, where it could not be released for all; else null. */
    private final Thread boundTo;
    /** The shared receive buffers, registered on first use; null before, or where the kernel refused them. */
    private ReceiveBufferRing receiveBuffers;
    private boolean receiveBuffersTried;

    IoUringLoop(IoUringLoopProvider provider) throws LoopException {
        // Not single-issuer: a loop belongs to whichever thread runs it, and may change threads
        // between runs; a single-issuer ring would refuse every thread but the first.
        super(provider, "io_uring", () -> {
            IoUring.ensureAvailability();
            return IoUringIoHandler.newFactory(new IoUringIoHandlerConfig().setSingleIssuer(false));
        });
        boundTo = AnyThreadRing.release(handler()) ? null : Thread.currentThread();
    }

    @Override
    public Channel open(FileDescriptor fd, Completed completed) throws LoopException {
        return register(new Handle(fd, completed, null));
    }

    @Override
    public Registration register(FileDescriptor fd, Ready ready) throws LoopException {
        return register(new Handle(fd, null, ready));
    }

    private Handle register(Handle handle) throws LoopException {
        handle.registration = registerHandle(handle);
        return handle;
    }

    @Override
    public boolean sharesReceiveBuffers() {
        if (!receiveBuffersTried) {
            receiveBuffersTried = true;
            int ringFd = AnyThreadRing.ringFd(handler());
            if (ringFd >= 0) {
                receiveBuffers = ReceiveBufferRing.register(ringFd);
            }
        }
        return receiveBuffers != null;
    }

    @Override
    protected void beforeWait() {
        if (boundTo != null && Thread.currentThread() != boundTo) {
            throw new IllegalStateException("this io_uring loop can only be run by " + boundTo.getName()
                    + ", the thread that opened it: Netty's ring is registered with that thread (put Netty on the class path to lift this)");
        }
        Queued next;
        while ((next = queued.poll()) != null) {
            next.handle.handOver(next);
        }
        int budget = ReceiveBufferRing.COUNT;
        while (budget > 0 && (next = starved.poll()) != null) {
            if (next.handle.waiting[next.slot] == next) {
                budget--;
            }
            next.handle.handOver(next);
        }
    }

    /**
     * Destroys the handler without {@link IoHandler#prepareToDestroy()}, which writes the wakeup
     * eventfd and so completes the ring's read of it. That read completes in the task work of the
     * thread that submitted it, the last to wait in the ring; when another thread closes the loop,
     * Netty can see an unrelated completion, take the ring for drained and free the read's 8-byte
     * buffer before that thread has run, and the kernel then writes the counter into freed memory
     * (a corrupted malloc free list). {@link IoHandler#destroy()} alone cancels the read before
     * anything fires it, and waits for it when a cross-thread wakeup already did. The rest of
     * prepareToDestroy has nothing to do here: the loop closes with no handle left.
     */
    @Override
    protected void destroy(IoHandler handler) {
        // The group goes while the ring is open (no receive is outstanding: every handle is
        // closed), its memory once the ring is gone.
        if (receiveBuffers != null) {
            receiveBuffers.unregister();
        }
        handler.destroy();
        if (receiveBuffers != null) {
            receiveBuffers.free();
            receiveBuffers = null;
        }
    }

    @Override
    public String toString() {
        return "IoUringLoop";
    }

    /**
     * An operation waiting for the next poll; dropped if its handle forgets it first. Without ops,
     * the entry cancels the handle's registration once what was queued before it is handed over.
     */
    private record Queued(Handle handle, int slot, short data, IoUringIoOps ops) {}

    /** One descriptor registered with the handler: a stream's channel, or a UDP handle's poll registration. */
    private final class Handle implements IoUringIoHandle, Channel, Poller.Registration {
        private final FileDescriptor fd;
        private final Completed completed;
        private final Ready ready;
        IoRegistration registration;
        /** Per slot: the queued operation, or null. */
        private final Queued[] waiting = new Queued[POLL + 1];
        /** Per slot: the id Netty gave the operation in the kernel, or 0. */
        private final long[] inKernel = new long[POLL + 1];
        /** Per slot: the user data of the operation in the kernel. */
        private final short[] kernelData = new short[POLL + 1];
        private boolean readInterest;
        private boolean writeInterest;
        /** Its last receive found no shared buffer free: the next one waits in {@link #starved}. */
        private boolean starvedOfBuffers;
        /** Closed by its owner: completions other than the release are of no interest any more. */
        private boolean closed;
        /** Whether the owner waits for {@link Completed#released()}. */
        private boolean releaseAwaited;

        Handle(FileDescriptor fd, Completed completed, Ready ready) {
            this.fd = fd;
            this.completed = completed;
            this.ready = ready;
        }

        // ---- queueing ---------------------------------------------------------------------

        private void enqueue(int slot, byte opcode, long union1, long address, int length, int flags) {
            enqueue(slot, opcode, (byte) 0, union1, address, length, flags, (short) 0);
        }

        private void enqueue(int slot, byte opcode, byte sqeFlags, long union1, long address, int length, int flags,
                short bufferGroup) {
            enqueue(queued, slot, opcode, sqeFlags, union1, address, length, flags, bufferGroup);
        }

        private void enqueue(ArrayDeque<Queued> into, int slot, byte opcode, byte sqeFlags, long union1, long address,
                int length, int flags, short bufferGroup) {
            generation = (generation + 1) % GENERATIONS;
            short data = (short) (slot | (generation << SLOT_BITS));
            // Cancels name no descriptor (they find their target by its user data).
            int target = opcode == IORING_OP_ASYNC_CANCEL ? -1 : fd.intValue();
            IoUringIoOps ops = new IoUringIoOps(opcode, sqeFlags, (short) 0, target, union1, address, length, flags,
                    (long) data, bufferGroup, (short) 0, 0, 0L);
            Queued entry = new Queued(this, slot, data, ops);
            if (slot <= POLL) {
                waiting[slot] = entry;
            }
            into.add(entry);
        }

        /** Called at the start of a poll: gives a queued operation to Netty, unless it was dropped. */
        void handOver(Queued entry) {
            if (entry.ops == null) {
                registration.cancel();
                return;
            }
            if (entry.slot <= POLL) {
                if (waiting[entry.slot] != entry) {
                    return;
                }
                waiting[entry.slot] = null;
            }
            long id = registration.submit(entry.ops);
            if (entry.slot <= POLL) {
                inKernel[entry.slot] = id;
                kernelData[entry.slot] = entry.data;
            }
        }

        // ---- Ring.Channel -----------------------------------------------------------------

        @Override
        public void submit(Op op, long address, int length) {
            int slot = op.ordinal();
            switch (op) {
                case RECV -> {
                    if (address == 0) {
                        // The kernel picks one of the shared buffers as bytes arrive.
                        enqueue(starvedOfBuffers ? starved : queued, slot, IORING_OP_RECV, IOSQE_BUFFER_SELECT, 0, 0,
                                ReceiveBufferRing.SIZE, 0, ReceiveBufferRing.GROUP);
                    } else {
                        enqueue(slot, IORING_OP_RECV, 0, address, length, 0);
                    }
                }
                case SEND -> enqueue(slot, IORING_OP_SEND, 0, address, length, MSG_NOSIGNAL);
                case ACCEPT -> enqueue(slot, IORING_OP_ACCEPT, 0, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC);
                // CONNECT takes the address's length where the others take an offset.
                case CONNECT -> enqueue(slot, IORING_OP_CONNECT, length, address, 0, 0);
                case POLLIN -> enqueue(slot, IORING_OP_POLL_ADD, 0, 0, 0, POLLIN);
            }
        }

        @Override
        public boolean queued(Op op) {
            return waiting[op.ordinal()] != null;
        }

        @Override
        public boolean cancel(Op op) {
            return cancelSlot(op.ordinal());
        }

        /** Drops a queued operation (false), or queues the cancel of one in the kernel (true). */
        private boolean cancelSlot(int slot) {
            if (waiting[slot] != null) {
                waiting[slot] = null;
                return false;
            }
            long id = inKernel[slot];
            if (id == 0) {
                return false;
            }
            // ASYNC_CANCEL finds the operation by the user data Netty put in its entry.
            enqueue(CANCEL, IORING_OP_ASYNC_CANCEL, 0, id, 0, 0);
            return true;
        }

        @Override
        public boolean cancelAndClose() {
            closed = true;
            for (int slot = 0; slot <= POLL; slot++) {
                cancelSlot(slot);
            }
            // Released now (rule 18): what was queued was dropped, and what is in the kernel took
            // its own reference to the socket when it was submitted (RECV, SEND, ACCEPT, CONNECT
            // and POLL_ADD are armed at submission, never handed to an io-wq worker that would
            // look the number up later), so no entry looks the number up again.
            closeDescriptor();
            if (!inKernel()) {
                registration.cancel();
                return false;
            }
            // The memory they name stays pinned until the last completion.
            releaseAwaited = true;
            return true;
        }

        private boolean inKernel() {
            for (long id : inKernel) {
                if (id != 0) {
                    return true;
                }
            }
            return false;
        }

        private void closeDescriptor() {
            try {
                // Netty's descriptor closes once; a second call does nothing.
                fd.close();
            } catch (IOException e) {
                // Nothing useful can be done about a failing close of an abandoned socket.
            }
        }

        // ---- Poller.Registration (UDP) ------------------------------------------------------

        @Override
        public void interest(boolean read, boolean write) {
            boolean wider = (read && !readInterest) || (write && !writeInterest);
            readInterest = read;
            writeInterest = write;
            if (closed) {
                return;
            }
            if (!read && !write) {
                // A poll in the kernel reports once more at most; its result is filtered and it
                // is not armed again.
                cancelSlot(POLL);
            } else if (wider || (waiting[POLL] == null && inKernel[POLL] == 0)) {
                // A poll out that watches for less than is wanted now is replaced.
                cancelSlot(POLL);
                armPoll();
            }
        }

        private void armPoll() {
            int mask = (readInterest ? POLLIN : 0) | (writeInterest ? POLLOUT : 0);
            enqueue(POLL, IORING_OP_POLL_ADD, 0, 0, 0, mask);
        }

        @Override
        public void cancel() {
            // The owner closes the descriptor itself right after this, which is safe: a queued
            // poll is dropped, one in the kernel holds its own reference to the socket until its
            // cancel, which must reach Netty before the registration is cancelled.
            closed = true;
            if (cancelSlot(POLL)) {
                queued.add(new Queued(this, CANCEL, (short) 0, null));
            } else {
                registration.cancel();
            }
        }

        // ---- completions --------------------------------------------------------------------

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            // Must never throw: Netty would log it and stall the loop.
            handleSafely(() -> {
                eventArrived();
                IoUringIoEvent completion = (IoUringIoEvent) event;
                short data = (short) completion.userData();
                int slot = data & ((1 << SLOT_BITS) - 1);
                if (slot > POLL) {
                    return;
                }
                boolean current = inKernel[slot] != 0 && kernelData[slot] == data;
                if (current) {
                    inKernel[slot] = 0;
                }
                int res = completion.res();
                if (slot == POLL) {
                    if (current) {
                        polled(res);
                    }
                } else if (completed != null) {
                    Op op = Op.values()[slot];
                    if (op == Op.RECV && current) {
                        starvedOfBuffers = res == -ENOBUFS;
                    }
                    int flags = completion.flags();
                    if ((flags & IORING_CQE_F_BUFFER) != 0 && receiveBuffers != null) {
                        // Lent to the stream for the callback, then back to the kernel, whatever
                        // the stream did with it (a closed one ignores it).
                        int id = flags >>> IORING_CQE_BUFFER_SHIFT;
                        ByteBuffer shared = receiveBuffers.lend(id, Math.max(res, 0));
                        try {
                            invoke(() -> completed.completed(op, res, shared));
                        } finally {
                            receiveBuffers.recycle(id);
                        }
                    } else {
                        invoke(() -> completed.completed(op, res, null));
                    }
                }
                if (closed && releaseAwaited && registration.isValid() && !inKernel()) {
                    // Netty calls unregistered once the completions still counted (cancels) are in.
                    registration.cancel();
                }
            });
        }

        private void polled(int res) {
            if (closed || (!readInterest && !writeInterest)) {
                return;
            }
            if (res >= 0 || -res != ECANCELED) {
                // An error or hang-up wakes whoever waits, as with epoll; the syscall that
                // follows reports the error itself.
                boolean failed = res < 0 || (res & (POLLERR | POLLHUP)) != 0;
                boolean readable = readInterest && (failed || (res & POLLIN) != 0);
                boolean writable = writeInterest && (failed || (res & POLLOUT) != 0);
                if (readable || writable) {
                    dispatch(ready, readable, writable);
                }
            }
            // Level-triggered, as the Poller contract says: armed again while there is interest.
            if (!closed && (readInterest || writeInterest) && waiting[POLL] == null && inKernel[POLL] == 0) {
                armPoll();
            }
        }

        @Override
        public void unregistered() {
            if (releaseAwaited) {
                releaseAwaited = false;
                invoke(completed::released);
            }
        }

        @Override
        public void close() {
            // Netty calls this for handles still registered when the handler is destroyed; the
            // loop closes only once every handle is closed, so there is nothing left to do.
        }
    }
}
