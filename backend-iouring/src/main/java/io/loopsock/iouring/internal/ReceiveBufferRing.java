package io.loopsock.iouring.internal;

import io.loopsock.unix.internal.KernelMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A loop's shared receive buffers: an io_uring provided-buffer ring
 * ({@code IORING_REGISTER_PBUF_RING}, Linux 5.19). A RECV submitted with
 * {@code IOSQE_BUFFER_SELECT} names this group instead of memory; the kernel takes the ring's next
 * buffer when bytes arrive, and the completion says which ({@code IORING_CQE_F_BUFFER}, the id in
 * the flags' upper half). So a connection that waits for bytes holds no buffer: 10,000 idle
 * connections cost the ring's {@value #COUNT} buffers (virtual memory; a page becomes resident
 * once bytes land in it), not one each.
 *
 * <p>Loop-thread only. A buffer goes back to the ring as soon as the completion that lent it has
 * been handled ({@link #recycle}): the ring is refilled in the order buffers come back, and the
 * tail is published with a release store after the entry, as the kernel reads them from the
 * submitting task without a lock. When every buffer is out at once, a receive completes with
 * {@code -ENOBUFS} having taken nothing, and is submitted again, at most {@value #COUNT} such
 * receives a poll (the loop's starved queue).
 *
 * <p>The ring's entries and its buffers are {@link KernelMemory}: the kernel reads the entries and
 * writes the buffers while the group is registered, so neither may go to the garbage collector.
 * {@link #unregister} comes before the ring is destroyed (no receive is outstanding by then: the
 * loop closes with no handle left), {@link #free} after it.
 */
final class ReceiveBufferRing {
    /**
     * Buffers in the ring: a power of two, at most 32,768. More completions than this in one
     * poll, each with bytes, find the ring empty and are submitted again, this many a poll, so a
     * burst to n connections at once takes about n / COUNT polls. The buffers are virtual memory (32 MiB);
     * what becomes resident is the pages bytes land in, about a page per buffer for small messages.
     */
    static final int COUNT = 512;
    /**
     * Bytes per buffer: as a stream's own, so that a read brings what the kernel has up to the
     * same size whichever buffer it lands in (a differential against the JDK checks it). A stream
     * that fills one moves to a buffer of its own (see UnixStream): bulk transfers do not cycle
     * through the ring and make every page of it resident.
     */
    static final int SIZE = 64 * 1024;
    /** The buffer group that RECVs name; the loop's only one. */
    static final short GROUP = 0;

    private static final int IORING_REGISTER_PBUF_RING = 22;
    private static final int IORING_UNREGISTER_PBUF_RING = 23;
    private static final int PAGE = 4096;
    /** sizeof(struct io_uring_buf_reg). */
    private static final long REG_BYTES = 40;
    /** struct io_uring_buf: __u64 addr; __u32 len; __u16 bid; __u16 resv (entry 0's resv is the tail). */
    private static final int ENTRY_BYTES = 16;
    private static final long TAIL_OFFSET = 14;
    private static final VarHandle TAIL = ValueLayout.JAVA_SHORT.varHandle();

    private final int ringFd;
    private final ByteBuffer entriesMemory;
    private final MemorySegment entries;
    private final ByteBuffer buffersMemory;
    private final long buffersAddress;
    private final ByteBuffer[] views = new ByteBuffer[COUNT];
    private int tail;
    private boolean registered;

    private ReceiveBufferRing(int ringFd, ByteBuffer entriesMemory, ByteBuffer buffersMemory) {
        this.ringFd = ringFd;
        this.entriesMemory = entriesMemory;
        entries = MemorySegment.ofBuffer(entriesMemory);
        entries.fill((byte) 0);
        this.buffersMemory = buffersMemory;
        buffersAddress = KernelMemory.address(buffersMemory);
    }

    /**
     * Makes the ring and registers it with an io_uring instance.
     *
     * @param ringFd the io_uring instance's descriptor
     * @return the registered ring, or null if it could not be made (no memory) or the kernel
     *     refused it (too old); nothing is held then
     */
    static ReceiveBufferRing register(int ringFd) {
        ByteBuffer entriesMemory;
        ByteBuffer buffersMemory;
        try {
            // Page-aligned: the kernel maps the entries by pages.
            entriesMemory = KernelMemory.allocateAligned(Math.max(PAGE, COUNT * ENTRY_BYTES), PAGE);
        } catch (RuntimeException | OutOfMemoryError e) {
            return null;
        }
        try {
            // Untouched pages are not resident: memory counts only once bytes have been received.
            buffersMemory = KernelMemory.allocate(COUNT * SIZE);
        } catch (RuntimeException | OutOfMemoryError e) {
            KernelMemory.free(entriesMemory);
            return null;
        }
        ReceiveBufferRing ring = new ReceiveBufferRing(ringFd, entriesMemory, buffersMemory);
        if (!ring.registerWithKernel()) {
            ring.free();
            return null;
        }
        for (int id = 0; id < COUNT; id++) {
            ring.recycle(id);
        }
        return ring;
    }

    private boolean registerWithKernel() {
        // struct io_uring_buf_reg { __u64 ring_addr; __u32 ring_entries; __u16 bgid; __u16 flags; __u64 resv[3]; }
        registered = RingRegister.call(ringFd, IORING_REGISTER_PBUF_RING, REG_BYTES, reg -> {
            reg.set(ValueLayout.JAVA_LONG, 0, entries.address());
            reg.set(ValueLayout.JAVA_INT, 8, COUNT);
            reg.set(ValueLayout.JAVA_SHORT, 12, GROUP);
        }) == 0;
        return registered;
    }

    /**
     * Lends the buffer a completion names, holding the bytes received.
     *
     * @param id the buffer id from the completion's flags
     * @param length the bytes received, at most {@link #SIZE}
     * @return a view from position 0 to the bytes, capacity {@link #SIZE}; valid until {@link #recycle}
     */
    ByteBuffer lend(int id, int length) {
        ByteBuffer view = views[id];
        if (view == null) {
            view = buffersMemory.slice(id * SIZE, SIZE);
            views[id] = view;
        }
        return view.clear().limit(length);
    }

    /**
     * Gives a buffer back to the kernel, at the ring's tail.
     *
     * @param id the buffer id
     */
    void recycle(int id) {
        long entry = (long) (tail & (COUNT - 1)) * ENTRY_BYTES;
        entries.set(ValueLayout.JAVA_LONG, entry, buffersAddress + (long) id * SIZE);
        entries.set(ValueLayout.JAVA_INT, entry + 8, SIZE);
        entries.set(ValueLayout.JAVA_SHORT, entry + 12, (short) id);
        tail = (tail + 1) & 0xFFFF;
        // The entry before the tail that announces it: the kernel reads both without a lock.
        TAIL.setRelease(entries, TAIL_OFFSET, (short) tail);
    }

    /** Unregisters the ring from its io_uring instance, which is still open; no RECV may be outstanding. */
    void unregister() {
        if (registered) {
            registered = false;
            // A refusal means the instance is gone already, and the group with it.
            RingRegister.call(ringFd, IORING_UNREGISTER_PBUF_RING, REG_BYTES, reg -> reg.set(ValueLayout.JAVA_SHORT, 12, GROUP));
        }
    }

    /** Frees the memory; after {@link #unregister} and after the io_uring instance is destroyed. */
    void free() {
        KernelMemory.free(entriesMemory);
        KernelMemory.free(buffersMemory);
    }

}
