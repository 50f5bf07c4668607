package io.loopsock.unix.internal;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The ioctl-like queries Netty does not have (FIONREAD, SIOCOUTQ), through the JDK's Foreign
 * Function and Memory API on the socket's descriptor.
 *
 * <p>Any thread. The request numbers are {@link Platform#CURRENT}'s: Linux's are plain numbers,
 * the BSD ones are {@code _IOR('f', n, int)} encodings (the parameter size in bits 16 to 28, the
 * direction {@code IOC_OUT} in bit 30). The bytes not yet sent are {@code SIOCOUTQ} on Linux,
 * {@code FIONWRITE} on FreeBSD and the socket option {@code SO_NWRITE} on macOS, which has no
 * ioctl for them ({@link #bytesUnsent}). The BSD paths are never run here: they are checked
 * against the headers only. The handle to {@code ioctl} is made on first use,
 * so a JVM that never asks never links it. Calling it is a restricted operation: the JVM needs
 * {@code --enable-native-access} for the module (or {@code ALL-UNNAMED} on the class path), as it
 * does for Netty's JNI library.
 */
final class Ioctl {
    private Ioctl() {}

    /** Bytes readable without blocking: the platform's {@code FIONREAD} (on Linux the same as {@code SIOCINQ}). */
    static final long FIONREAD = fionread(Platform.CURRENT);
    /** Bytes in the send queue not yet acknowledged by the peer (Linux {@code SIOCOUTQ}; Linux only). */
    static final long SIOCOUTQ = 0x5411;

    /** Linux's {@code FIONREAD} (asm-generic/ioctls.h). */
    static final long LINUX_FIONREAD = 0x541B;
    /** The BSD {@code FIONREAD}, {@code _IOR('f', 127, int)} in macOS's and FreeBSD's sys/filio.h. */
    static final long BSD_FIONREAD = 0x4004667FL;
    /** FreeBSD's {@code FIONWRITE}, {@code _IOR('f', 119, int)}: bytes in the send queue. macOS has no such ioctl. */
    static final long FREEBSD_FIONWRITE = 0x40046677L;
    /** macOS's {@code SOL_SOCKET} (sys/socket.h), the level of {@link #MACOS_SO_NWRITE}. */
    static final int BSD_SOL_SOCKET = 0xFFFF;
    /** macOS's {@code SO_NWRITE} (sys/socket.h): bytes in the send buffer, sent or not, not yet acknowledged. */
    static final int MACOS_SO_NWRITE = 0x1024;

    /**
     * The {@code FIONREAD} request of a platform.
     *
     * @param platform the platform
     * @return the request number
     */
    static long fionread(Platform platform) {
        return platform == Platform.LINUX ? LINUX_FIONREAD : BSD_FIONREAD;
    }

    /**
     * Asks the kernel for the bytes a connected TCP socket has not had acknowledged: Linux's
     * {@code SIOCOUTQ}, FreeBSD's {@code FIONWRITE}, macOS's {@code SO_NWRITE}.
     *
     * @param socket the socket
     * @return the kernel's answer
     * @throws LoopException the errno, mapped
     */
    static int bytesUnsent(io.netty.channel.unix.Socket socket) throws LoopException {
        return switch (Platform.CURRENT) {
            case LINUX -> queryInt(socket.intValue(), SIOCOUTQ, "bytes unsent");
            case FREEBSD -> queryInt(socket.intValue(), FREEBSD_FIONWRITE, "bytes unsent");
            case MACOS -> {
                try {
                    yield socket.getIntOpt(BSD_SOL_SOCKET, MACOS_SO_NWRITE);
                } catch (java.io.IOException | RuntimeException e) {
                    throw UnixErrors.map(e, "bytes unsent");
                }
            }
        };
    }

    // Linking a downcall is restricted: it is what --enable-native-access allows.
    @SuppressWarnings("restricted")
    private static final class Native {
        static final MethodHandle IOCTL = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("ioctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(2),
                Errno.CAPTURE);
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
            MemorySegment state = arena.allocate(Errno.STATE);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            int result = (int) Native.IOCTL.invokeExact(state, fd, request, value);
            if (result < 0) {
                throw UnixErrors.exception(Errno.of(state), what);
            }
            return value.get(ValueLayout.JAVA_INT, 0);
        } catch (LoopException e) {
            throw e;
        } catch (Throwable t) {
            throw new LoopException(ErrorCode.ENOTSUP, what + ": ioctl cannot be called here", t);
        }
    }
}
