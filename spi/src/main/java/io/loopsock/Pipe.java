package io.loopsock;

/**
 * A stream over a Unix-domain socket, after libuv's {@code uv_pipe_t}.
 *
 * <p>Loop-thread only. A pipe is named by a file-system path, or on Linux by an abstract name: a
 * name whose first character is {@code '\0'} (only on backends that declare
 * {@link io.loopsock.spi.Capability#PIPE_ABSTRACT_NAMES}). A listener that bound a path removes
 * that file when it closes.
 *
 * <h2>Errors</h2>
 * {@link #connect} never fails synchronously: a missing path ({@link ErrorCode#ENOENT}), a file
 * that is not a socket, a refused connection all arrive through its callback.
 */
public interface Pipe extends Stream {

    /**
     * Binds to a name: creates the socket file at a path, or takes an abstract name.
     *
     * @param name a path, or {@code "\0"} followed by an abstract name
     * @throws LoopException {@link ErrorCode#EADDRINUSE} if the path exists,
     *     {@link ErrorCode#EINVAL} if already bound or the name is empty or too long,
     *     {@link ErrorCode#ENOTSUP} for an abstract name where the backend has none,
     *     {@link ErrorCode#ENOENT} or {@link ErrorCode#EACCES} for a bad directory
     */
    void bind(String name) throws LoopException;

    /**
     * Connects to a listening pipe. Every failure arrives through the callback.
     *
     * @param name the listener's path or abstract name
     * @param onConnect called once: null when connected, else the error
     */
    void connect(String name, Completion onConnect);

    @Override
    Pipe accept() throws LoopException;

    /**
     * Returns the name this pipe is bound to.
     *
     * @return the bound name; the empty string for a connected client that never bound
     * @throws LoopException {@link ErrorCode#EBADF} if the pipe has no socket
     */
    String localName() throws LoopException;

    /**
     * Returns the peer's name.
     *
     * @return on a client, the name it connected to; on an accepted pipe, the name the client
     *     bound, or the empty string if it never bound
     * @throws LoopException {@link ErrorCode#ENOTCONN} if not connected
     */
    String remoteName() throws LoopException;
}
