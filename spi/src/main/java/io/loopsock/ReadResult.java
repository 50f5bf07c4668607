package io.loopsock;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One outcome of reading a {@link Stream}: bytes, the end of the stream, or an error.
 *
 * <p>Any thread (values). The three cases are distinct on purpose: libuv reports the end of a
 * stream as the error {@code UV_EOF}, which callers must then filter; here the end of a stream is
 * its own case, and {@link Failed} always means the connection failed.
 *
 * <pre>{@code
 * tcp.startRead(result -> {
 *     switch (result) {
 *         case ReadResult.Data(ByteBuffer bytes) -> consume(bytes);
 *         case ReadResult.EndOfStream() -> tcp.close();
 *         case ReadResult.Failed(LoopException e) -> tcp.close();
 *     }
 * });
 * }</pre>
 */
public sealed interface ReadResult {
    /**
     * Bytes read: at least one. The buffer belongs to the loop, which reuses it after the
     * callback returns: copy what you keep.
     *
     * @param bytes the bytes, from position to limit
     */
    record Data(ByteBuffer bytes) implements ReadResult {
        /**
         * Checks the buffer.
         *
         * @param bytes the bytes, from position to limit
         */
        public Data {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    /**
     * The peer ended the stream (an orderly shutdown or close). Reading has stopped; the stream
     * is still open and may still be writable (half-close). Starting to read again reports the end
     * again.
     */
    record EndOfStream() implements ReadResult {
        /** The one instance. */
        public static final EndOfStream INSTANCE = new EndOfStream();
    }

    /**
     * Reading failed, for instance with {@link ErrorCode#ECONNRESET}. Reading has stopped and the
     * stream is neither readable nor writable any more; close it.
     *
     * @param error the failure
     */
    record Failed(LoopException error) implements ReadResult {
        /**
         * Checks the error.
         *
         * @param error the failure
         */
        public Failed {
            Objects.requireNonNull(error, "error");
        }
    }
}
