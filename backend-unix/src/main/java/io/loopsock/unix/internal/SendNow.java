package io.loopsock.unix.internal;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

/**
 * {@code send(2)} with {@code MSG_DONTWAIT | MSG_NOSIGNAL} straight from a Java buffer, heap or
 * direct, through the JDK's Foreign Function and Memory API: the write a socket layer makes on
 * its caller's thread (see {@link io.loopsock.spi.AnyThreadWrite}). Netty's own send needs direct
 * memory, which would mean a copy or a buffer per caller; a critical downcall may read the heap
 * array in place.
 *
 * <p>Any thread. Linux only (the flag values are Linux's; macOS has no {@code MSG_NOSIGNAL}):
 * elsewhere {@link #SUPPORTED} is false and the socket layer writes through the loop. Linking is
 * restricted, as for {@link Ioctl}.
 */
final class SendNow {
    private SendNow() {}

    /** Whether this platform has it. */
    static final boolean SUPPORTED = Platform.CURRENT == Platform.LINUX;

    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;

    /**
     * Sends what the socket takes now.
     *
     * @param fd the socket's descriptor
     * @param data the bytes from its position; the position advances past those sent
     * @return how many were sent; 0 if the socket is full
     * @throws LoopException the errno, mapped
     */
    static int send(int fd, ByteBuffer data) throws LoopException {
        int length = data.remaining();
        if (length == 0) {
            return 0;
        }
        MemorySegment bytes = MemorySegment.ofBuffer(data);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Errno.STATE);
            while (true) {
                long sent = (long) Native.SEND.invokeExact(state, fd, bytes, (long) length, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (sent >= 0) {
                    data.position(data.position() + (int) sent);
                    return (int) sent;
                }
                int errno = Errno.of(state);
                if (errno == EAGAIN) {
                    return 0;
                }
                if (errno != EINTR) {
                    throw UnixErrors.exception(errno, "write");
                }
            }
        } catch (LoopException e) {
            throw e;
        } catch (Throwable t) {
            throw new LoopException(ErrorCode.ENOTSUP, "write: send cannot be called here", t);
        }
    }

    // Linking a downcall is restricted: it is what --enable-native-access allows.
    @SuppressWarnings("restricted")
    private static final class Native {
        // Critical: the bytes may be a heap array, read in place; send with MSG_DONTWAIT never blocks.
        static final MethodHandle SEND = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("send").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                Errno.CAPTURE, Linker.Option.critical(true));
    }
}
