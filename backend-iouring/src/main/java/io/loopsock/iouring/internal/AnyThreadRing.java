package io.loopsock.iouring.internal;

import io.netty.channel.IoHandler;
import io.netty.channel.uring.IoUringIoHandler;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;

/**
 * Lets any thread enter a ring of Netty's {@link IoUringIoHandler}, as a loopsock loop belongs to
 * whichever thread runs it.
 *
 * <p>Loop-thread only: called once, by the thread that made the handler. Netty registers the
 * ring's descriptor with that thread ({@code IORING_REGISTER_RING_FDS}) and then enters the ring
 * by its registered index, which only that thread has: another thread's {@code io_uring_enter}
 * fails with {@code EINVAL}. Netty has no option for it, so its submission queue is switched back
 * to the plain descriptor (one file lookup per enter) by reflection, which works where Netty is
 * on the class path, and the registration is dropped with {@code io_uring_register}. Where it
 * cannot be done (Netty on the module path, which opens nothing), the loop stays with the thread
 * that opened it.
 */
final class AnyThreadRing {
    private AnyThreadRing() {}

    private static final int IORING_ENTER_REGISTERED_RING = 1 << 4;
    private static final int IORING_UNREGISTER_RING_FDS = 21;

    /**
     * Makes the handler's ring enterable from any thread.
     *
     * @param handler a handler made and initialised by the calling thread
     * @return whether it worked; if not, only the calling thread can run the handler
     */
    static boolean release(IoHandler handler) {
        try {
            Object ring = field(IoUringIoHandler.class, "ringBuffer").get(handler);
            Object queue = field(ring.getClass(), "ioUringSubmissionQueue").get(ring);
            Class<?> type = queue.getClass();
            Field enterRingFd = field(type, "enterRingFd");
            Field enterFlags = field(type, "enterFlags");
            int ringFd = field(type, "ringFd").getInt(queue);
            int flags = enterFlags.getInt(queue);
            if ((flags & IORING_ENTER_REGISTERED_RING) == 0) {
                return true;
            }
            int index = enterRingFd.getInt(queue);
            enterRingFd.setInt(queue, ringFd);
            enterFlags.setInt(queue, flags & ~IORING_ENTER_REGISTERED_RING);
            unregister(ringFd, index);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Returns the descriptor of the handler's ring, for a registration of our own
     * ({@link ReceiveBufferRing}).
     *
     * @param handler the handler
     * @return the descriptor, or -1 where it cannot be read (Netty on the module path)
     */
    static int ringFd(IoHandler handler) {
        try {
            Object ring = field(IoUringIoHandler.class, "ringBuffer").get(handler);
            Object queue = field(ring.getClass(), "ioUringSubmissionQueue").get(ring);
            return field(queue.getClass(), "ringFd").getInt(queue);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    /** Drops the calling thread's registration of the ring, which would keep the ring alive. */
    private static void unregister(int ringFd, int index) {
        // struct io_uring_rsrc_update { __u32 offset; __u32 resv; __aligned_u64 data; }
        // A failure leaves the registration until the thread ends; the ring works all the same.
        RingRegister.call(ringFd, IORING_UNREGISTER_RING_FDS, 16, update -> update.set(ValueLayout.JAVA_INT, 0, index));
    }
}
