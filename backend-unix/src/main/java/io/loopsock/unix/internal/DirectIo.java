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
 * {@code send(2)} and {@code recv(2)} with {@code MSG_DONTWAIT} straight from and into a Java
 * buffer, heap or direct, through the JDK's Foreign Function and Memory API: the system calls a
 * socket layer makes on its caller's thread (see {@link io.loopsock.spi.AnyThreadWrite} and
 * {@link io.loopsock.spi.AnyThreadRead}). Netty's own send and recv need direct memory, which
 * would mean a copy or a buffer per caller; a critical downcall reads or writes the heap array in
 * place.
 *
 * <p>Any thread. Linux only (the flag values are Linux's; macOS has no {@code MSG_NOSIGNAL}):
 * elsewhere {@link #SUPPORTED} is false and the socket layer goes through the loop. Linking is
 * restricted, as for {@link Ioctl}.
 */
final class DirectIo {
    private DirectIo() {}

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
        if (!data.hasRemaining()) {
            return 0;
        }
        return (int) Math.max(call(Native.SEND, "send", "write", fd, data, MSG_DONTWAIT | MSG_NOSIGNAL), 0);
    }

    /**
     * Receives what the socket has now.
     *
     * @param fd the socket's descriptor
     * @param into where the bytes go, from its position up to its limit, which must leave room;
     *     the position advances past them
     * @return how many were received; 0 if none are there now; -1 at the end of the stream
     * @throws LoopException the errno, mapped
     * @throws IllegalArgumentException if the buffer has no room
     */
    static int recv(int fd, ByteBuffer into) throws LoopException {
        if (!into.hasRemaining()) {
            throw new IllegalArgumentException("a receive needs room in its buffer");
        }
        long received = call(Native.RECV, "recv", "read", fd, into, MSG_DONTWAIT);
        return received == 0 ? -1 : (int) Math.max(received, 0);
    }

    /**
     * Makes one call with the buffer's remaining bytes, again after EINTR; its position advances
     * past what the call moved.
     *
     * @return the bytes moved, or -1 for EAGAIN
     */
    private static long call(MethodHandle call, String syscall, String what, int fd, ByteBuffer buffer, int flags)
            throws LoopException {
        int length = buffer.remaining();
        MemorySegment bytes = MemorySegment.ofBuffer(buffer);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Errno.STATE);
            while (true) {
                long moved = (long) call.invokeExact(state, fd, bytes, (long) length, flags);
                if (moved >= 0) {
                    buffer.position(buffer.position() + (int) moved);
                    return moved;
                }
                int errno = Errno.of(state);
                if (errno == EAGAIN) {
                    return -1;
                }
                if (errno != EINTR) {
                    throw UnixErrors.exception(errno, what);
                }
            }
        } catch (LoopException e) {
            throw e;
        } catch (Throwable t) {
            throw new LoopException(ErrorCode.ENOTSUP, what + ": " + syscall + " cannot be called here", t);
        }
    }

    // Linking a downcall is restricted: it is what --enable-native-access allows.
    @SuppressWarnings("restricted")
    private static final class Native {
        // Critical: the bytes may be a heap array, read or written in place; with MSG_DONTWAIT
        // neither call blocks.
        private static final FunctionDescriptor IO = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
        static final MethodHandle SEND = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("send").orElseThrow(), IO, Errno.CAPTURE, Linker.Option.critical(true));
        static final MethodHandle RECV = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("recv").orElseThrow(), IO, Errno.CAPTURE, Linker.Option.critical(true));
    }
}
