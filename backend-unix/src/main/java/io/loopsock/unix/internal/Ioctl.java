package io.loopsock.unix.internal;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The ioctl-like queries Netty does not have (FIONREAD, SIOCOUTQ), through the JDK's Foreign
 * Function and Memory API on the socket's descriptor.
 *
 * <p>Any thread. The request numbers are Linux's; the handle to {@code ioctl} is made on first use,
 * so a JVM that never asks never links it. Calling it is a restricted operation: the JVM needs
 * {@code --enable-native-access} for the module (or {@code ALL-UNNAMED} on the class path), as it
 * does for Netty's JNI library.
 */
final class Ioctl {
    private Ioctl() {}

    /** Bytes readable without blocking (Linux {@code FIONREAD}, the same as {@code SIOCINQ}). */
    static final long FIONREAD = 0x541B;
    /** Bytes in the send queue not yet acknowledged by the peer (Linux {@code SIOCOUTQ}). */
    static final long SIOCOUTQ = 0x5411;

    // Linking a downcall is restricted: it is what --enable-native-access allows.
    @SuppressWarnings("restricted")
    private static final class Native {
        static final StructLayout STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle IOCTL = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("ioctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(2),
                Linker.Option.captureCallState("errno"));
    }

    /**
     * Runs an ioctl whose argument is an {@code int} the kernel fills in.
     *
     * @param fd the descriptor
     * @param request the request number
     * @param what what is being asked, for the message
     * @return the kernel's answer
     * @throws LoopException the errno, mapped
     */
    static int queryInt(int fd, long request, String what) throws LoopException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            int result = (int) Native.IOCTL.invokeExact(state, fd, request, value);
            if (result < 0) {
                throw UnixErrors.exception((int) Native.ERRNO.get(state, 0L), what);
            }
            return value.get(ValueLayout.JAVA_INT, 0);
        } catch (LoopException e) {
            throw e;
        } catch (Throwable t) {
            throw new LoopException(ErrorCode.ENOTSUP, what + ": ioctl cannot be called here", t);
        }
    }
}
