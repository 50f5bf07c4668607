package io.loopsock.spi;

import io.loopsock.LoopException;
import java.nio.ByteBuffer;

/**
 * A stream whose backend can try a read on the calling thread, without the loop: the
 * non-blocking system call, as the JDK's virtual-thread sockets make it before they park. The
 * socket layer uses it so that a recv whose bytes are already in the kernel is not a round trip
 * to the loop's thread.
 *
 * <p>Any thread, under the caller's own rules, which the stream cannot check: the caller
 * serializes its reads, calls only while the stream's reading is stopped (so that the loop takes
 * no bytes meanwhile and bytes keep their order), and never while the stream may be closing (so
 * that the descriptor is still the stream's). A stream implements this only where the system call
 * is safe from any thread; {@link #canReadNow()} says whether it is so for this stream.
 */
public interface AnyThreadRead {
    /**
     * Tells whether {@link #readNow} works for this stream: not where a stopped read may still
     * take bytes (a completion backend's receive, cancelled but in the kernel).
     *
     * @return true if it does
     */
    boolean canReadNow();

    /**
     * Reads what the socket has now.
     *
     * @param into where the bytes go, from its position up to its limit, which leaves room; the
     *     position advances past them
     * @return how many were read; 0 if none are there now; -1 at the end of the stream
     * @throws LoopException the system call's error, mapped (ECONNRESET, …)
     */
    int readNow(ByteBuffer into) throws LoopException;
}
