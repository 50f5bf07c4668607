package io.loopsock;

import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A duplex byte stream: the common part of {@link Tcp} and {@link Pipe}, after libuv's
 * {@code uv_stream_t}.
 *
 * <p>Loop-thread only. A stream is either a listener ({@link #listen}, then {@link #accept()}) or a
 * connection (connected, or accepted from a listener).
 *
 * <h2>Reading</h2>
 * {@link #startRead} delivers {@link ReadResult.Data} until the peer ends the stream
 * ({@link ReadResult.EndOfStream}, after which the stream stays open and writable) or reading fails
 * ({@link ReadResult.Failed}, after which the stream is neither readable nor writable). Both stop
 * reading. Reading again after the end of the stream reports the end again.
 *
 * <h2>Writing</h2>
 * Writes are queued and reach the peer in the order they were made; each has exactly one
 * callback, in the same order. {@link #shutdown} half-closes after every queued write. Closing the
 * stream completes queued writes and a pending shutdown with {@link ErrorCode#ECANCELED}.
 *
 * <h2>Errors</h2>
 * Socket states named by libuv's rules are {@link LoopException}s with libuv's code: reading twice
 * is {@link ErrorCode#EALREADY}, reading or shutting down a stream that is not connected
 * {@link ErrorCode#ENOTCONN}, writing to a stream that is not writable {@link ErrorCode#EPIPE}.
 * On a closing handle every call throws {@link IllegalStateException}, except
 * {@link #stopRead()}, the state flags ({@link #isReadable()}, {@link #isWritable()},
 * {@link #isActive()}, {@link #isClosing()}), {@link #writeQueueSize()}, {@link #supportedOptions()}
 * and {@code ref}/{@code unref}/{@code hasRef}.
 */
public interface Stream extends Handle {

    /**
     * Starts reading; the callback gets every read outcome until {@link #stopRead()}, the end of
     * the stream, or an error.
     *
     * @param onRead the callback
     * @throws LoopException {@link ErrorCode#EALREADY} if already reading,
     *     {@link ErrorCode#ENOTCONN} if the stream is not connected (a listener, or never
     *     connected), or after a read error
     */
    void startRead(ReadCallback onRead) throws LoopException;

    /** Stops reading; no read callback runs after this returns. Idempotent, also when closing. */
    void stopRead();

    /**
     * Queues a write of the bytes between the buffer's position and limit. The buffer's position
     * and limit are not changed; its bytes must not change until the callback has run.
     *
     * @param data the bytes
     * @param onWrite called once: null on success, else the error; may be null
     * @throws LoopException {@link ErrorCode#EPIPE} if the stream is not writable (a listener,
     *     after shutdown, after a read error), {@link ErrorCode#EBADF} if it has no socket
     */
    void write(ByteBuffer data, Completion onWrite) throws LoopException;

    /**
     * Queues one write of several buffers, sent in order as one request.
     *
     * @param data the buffers; at least one
     * @param onWrite called once; may be null
     * @throws LoopException as {@link #write(ByteBuffer, Completion)}, and
     *     {@link ErrorCode#EINVAL} for an empty array
     */
    void write(ByteBuffer[] data, Completion onWrite) throws LoopException;

    /**
     * Writes as much as the socket takes now, without queueing. Writes nothing while writes are
     * queued or a connect is pending, so that the order of bytes is kept.
     *
     * @param data the bytes; its position advances by the count written
     * @return the count written; 0 if nothing could be written now (libuv's {@code UV_EAGAIN}) or
     *     the buffer is empty
     * @throws LoopException as {@link #write(ByteBuffer, Completion)}, or the socket's error (such
     *     as {@link ErrorCode#EPIPE} or {@link ErrorCode#ECONNRESET}) when the peer is gone
     */
    int tryWrite(ByteBuffer data) throws LoopException;

    /**
     * Half-closes the stream for writing once every queued write is done; the peer then reads the
     * end of the stream. {@link #isWritable()} is false from the moment this returns.
     *
     * @param onShutdown called once, after every earlier write callback; may be null
     * @throws LoopException {@link ErrorCode#ENOTCONN} if the stream is neither connected nor
     *     connecting, or no longer writable, for instance after an earlier shutdown
     */
    void shutdown(Completion onShutdown) throws LoopException;

    /**
     * Returns the number of bytes queued by {@link #write} and not yet handed to the kernel.
     *
     * @return the byte count; 0 when no write is pending
     */
    long writeQueueSize();

    /**
     * Listens for connections; the callback runs once for each incoming connection, which
     * {@link #accept()} then takes (at once or later: while one waits, no further connection is
     * taken from the kernel). A TCP handle that is not bound binds to an ephemeral port first.
     *
     * @param backlog the kernel's queue length; a value below 1 means the backend's default
     * @param onConnection called per connection: null when one is ready to accept, else the error
     * @throws LoopException {@link ErrorCode#EADDRINUSE} when the bound address is taken,
     *     {@link ErrorCode#EINVAL} for a connected stream or an unbound pipe
     */
    void listen(int backlog, Completion onConnection) throws LoopException;

    /**
     * Takes the connection announced by the last connection callback.
     *
     * @return a new connected stream on the same loop
     * @throws LoopException {@link ErrorCode#EAGAIN} if no connection is waiting,
     *     {@link ErrorCode#EINVAL} if this stream is not listening
     */
    Stream accept() throws LoopException;

    /**
     * Tells whether the stream can be read: connected, no read error.
     *
     * @return true if {@link #startRead} would be accepted
     */
    boolean isReadable();

    /**
     * Tells whether the stream can be written: connected, not shut down, no error. (While a
     * connect is pending it is false, yet writes are accepted and queued.)
     *
     * @return true if connected and writable
     */
    boolean isWritable();

    /**
     * Sets a socket option. Before the socket exists (a TCP handle that has not yet listened or
     * connected) the value is kept and applied when it is created.
     *
     * @param <T> the option's type
     * @param name the option, one of {@link #supportedOptions()}
     * @param value the value
     * @throws UnsupportedOperationException if the option is not supported
     * @throws IllegalArgumentException if the value is not valid for the option
     * @throws LoopException if the kernel refuses the value
     */
    <T> void setOption(SocketOption<T> name, T value) throws LoopException;

    /**
     * Returns a socket option's value as the kernel reports it.
     *
     * @param <T> the option's type
     * @param name the option, one of {@link #supportedOptions()}
     * @return the value
     * @throws UnsupportedOperationException if the option is not supported
     * @throws LoopException {@link ErrorCode#EBADF} if no socket exists and no value was set
     */
    <T> T option(SocketOption<T> name) throws LoopException;

    /**
     * Returns the options this stream supports: standard ones, the JDK's extended ones and the
     * backend's own, each only where it really works.
     *
     * @return an unmodifiable set
     */
    Set<SocketOption<?>> supportedOptions();

    /**
     * Returns the number of bytes that can be read without waiting (the kernel's FIONREAD).
     *
     * @return the byte count; 0 at the end of the stream
     * @throws LoopException {@link ErrorCode#EINVAL} on a listener, {@link ErrorCode#ENOTCONN}
     *     before connecting, {@link ErrorCode#ENOTSUP} where the backend cannot ask the kernel
     *     (see {@link io.loopsock.spi.Capability#BYTES_READABLE} for TCP and
     *     {@link io.loopsock.spi.Capability#PIPE_BYTES_READABLE} for pipes)
     */
    int bytesReadable() throws LoopException;
}
