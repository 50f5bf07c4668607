package io.loopsock.spi;

import io.loopsock.LoopException;
import java.nio.ByteBuffer;

/**
 * A stream whose backend can try a write on the calling thread, without the loop: the
 * non-blocking system call, as the JDK's sockets make it before they park. The socket layer uses
 * it so that a send whose bytes fit is not a round trip to the loop's thread.
 *
 * <p>Any thread, under the caller's own rules, which the stream cannot check: the caller
 * serializes its writes, calls only while the stream has no write queued (so that bytes keep their
 * order), and never while the stream may be closing (so that the descriptor is still the
 * stream's). A stream implements this only where the system call is safe from any thread.
 */
public interface AnyThreadWrite {
    /**
     * Writes what the socket takes now.
     *
     * @param data the bytes from its position; the position advances past those written
     * @return how many were written; 0 if the socket is full
     * @throws LoopException the system call's error, mapped (EPIPE, ECONNRESET, …)
     */
    int writeNow(ByteBuffer data) throws LoopException;
}
