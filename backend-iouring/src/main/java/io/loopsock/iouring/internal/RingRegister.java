package io.loopsock.iouring.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.function.Consumer;

/**
 * {@code io_uring_register(2)} for what loopsock registers with Netty's ring itself: the release
 * of the ring's descriptor ({@link AnyThreadRing}) and the shared receive buffers
 * ({@link ReceiveBufferRing}). Netty's own wrappers of it are not public. Any thread.
 */
final class RingRegister {
    private RingRegister() {}

    /** x86_64 and aarch64 alike (the unified syscall table). */
    private static final long SYS_IO_URING_REGISTER = 427;

    /**
     * Calls {@code io_uring_register(ringFd, opcode, argument, 1)} with one argument structure,
     * zeroed, then filled in by the caller.
     *
     * @param ringFd the ring's descriptor
     * @param opcode the {@code IORING_(UN)REGISTER_*} opcode
     * @param bytes the size of the argument structure
     * @param fill writes the argument's fields
     * @return 0 on success (or the opcode's count); -1 on failure, or where the call cannot be
     *     made (no native access)
     */
    static long call(int ringFd, int opcode, long bytes, Consumer<MemorySegment> fill) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment argument = arena.allocate(bytes, 8);
            fill.accept(argument);
            return (long) Native.SYSCALL.invokeExact(SYS_IO_URING_REGISTER, (long) ringFd, (long) opcode, argument, 1L);
        } catch (Throwable t) {
            return -1;
        }
    }

    // Linking a downcall is restricted: it is what --enable-native-access allows.
    @SuppressWarnings("restricted")
    private static final class Native {
        static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
    }
}
