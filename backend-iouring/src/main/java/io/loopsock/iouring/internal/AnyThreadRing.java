package io.loopsock.iouring.internal;

import io.netty.channel.IoHandler;
import io.netty.channel.uring.IoUringIoHandler;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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
    /** x86_64 and aarch64 alike (the unified syscall table). */
    private static final long SYS_IO_URING_REGISTER = 427;

    // Linking a downcall is restricted: it is what --enable-native-access allows.
    @SuppressWarnings("restricted")
    private static final class Native {
        static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
    }

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

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    /** Drops the calling thread's registration of the ring, which would keep the ring alive. */
    private static void unregister(int ringFd, int index) {
        try (Arena arena = Arena.ofConfined()) {
            // struct io_uring_rsrc_update { __u32 offset; __u32 resv; __aligned_u64 data; }
            MemorySegment update = arena.allocate(16, 8);
            update.set(ValueLayout.JAVA_INT, 0, index);
            long result = (long) Native.SYSCALL.invokeExact(SYS_IO_URING_REGISTER, (long) ringFd,
                    (long) IORING_UNREGISTER_RING_FDS, update, 1L);
            // A failure leaves the registration until the thread ends; the ring works all the same.
            assert result >= -1;
        } catch (Throwable t) {
            // As above: nothing is lost but the early release of the ring.
        }
    }
}
