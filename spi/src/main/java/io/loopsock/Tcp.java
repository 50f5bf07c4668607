package io.loopsock;

import java.net.InetSocketAddress;

/**
 * A TCP stream or listener, after libuv's {@code uv_tcp_t}.
 *
 * <p>Loop-thread only. A new handle has no socket: it gets one when it listens or connects (and,
 * on backends that declare {@link io.loopsock.spi.Capability#TCP_EARLY_BIND}, when it binds).
 * An error of the bind itself, such as {@link ErrorCode#EADDRINUSE}, may therefore surface at
 * {@link #listen} or through the connect callback, as it does in libuv.
 *
 * <h2>Errors</h2>
 * Connect failures, {@link ErrorCode#ECONNREFUSED} included, always arrive through the connect
 * callback, never from {@link #connect} itself; a failed connect does not close the handle.
 */
public interface Tcp extends Stream {

    /** Options for {@link #bind}. */
    enum BindFlag {
        /**
         * Set {@code SO_REUSEPORT}, so that several handles can listen on the same address and the
         * kernel spreads connections across them. {@link ErrorCode#ENOTSUP} where the platform
         * lacks it.
         */
        REUSE_PORT,
        /**
         * On an IPv6 address, accept IPv6 only (no IPv4-mapped connections). With an IPv4 address
         * it is {@link ErrorCode#EINVAL}.
         */
        IPV6_ONLY
    }

    /**
     * Binds to a local address (IPv4 or IPv6; port 0 picks an ephemeral port).
     *
     * @param address a resolved local address
     * @param flags bind options
     * @throws LoopException {@link ErrorCode#EINVAL} if already bound or connected, for an
     *     unresolved address, or for {@link BindFlag#IPV6_ONLY} with IPv4;
     *     {@link ErrorCode#ENOTSUP} for a flag the backend cannot honour
     */
    void bind(InetSocketAddress address, BindFlag... flags) throws LoopException;

    /**
     * Connects to a remote address. Writes may be queued before the connect completes; if it fails
     * they complete with {@link ErrorCode#ECANCELED}.
     *
     * @param address a resolved address; {@code 0.0.0.0} and {@code ::} mean this host
     * @param onConnect called once: null when connected, else the error (such as
     *     {@link ErrorCode#ECONNREFUSED}, or {@link ErrorCode#ECANCELED} when closed first)
     * @throws LoopException {@link ErrorCode#EALREADY} while a connect is pending,
     *     {@link ErrorCode#EISCONN} if connected, {@link ErrorCode#EINVAL} for an unresolved
     *     address or a listener
     */
    void connect(InetSocketAddress address, Completion onConnect) throws LoopException;

    /**
     * Closes the connection with a reset (RST, through {@code SO_LINGER} 0) instead of an orderly
     * end; unsent data is dropped. Pending writes complete with {@link ErrorCode#ECANCELED} before
     * the close callback.
     *
     * @param onClose called once when closed; may be null
     * @throws LoopException {@link ErrorCode#EINVAL} if a shutdown is in progress
     */
    void closeReset(Callback onClose) throws LoopException;

    @Override
    Tcp accept() throws LoopException;

    /**
     * Returns the local address.
     *
     * @return the bound address, with the real port
     * @throws LoopException {@link ErrorCode#EBADF} if no socket exists yet
     */
    InetSocketAddress localAddress() throws LoopException;

    /**
     * Returns the peer's address.
     *
     * @return the peer's address
     * @throws LoopException {@link ErrorCode#ENOTCONN} if not connected (a listener included)
     */
    InetSocketAddress remoteAddress() throws LoopException;

    /**
     * Returns the number of bytes the kernel holds that the peer has not acknowledged yet
     * (Linux's SIOCOUTQ).
     *
     * @return the byte count
     * @throws LoopException {@link ErrorCode#ENOTSUP} where the backend cannot ask the kernel (see
     *     {@link io.loopsock.spi.Capability#BYTES_UNSENT}), {@link ErrorCode#ENOTCONN} if not
     *     connected
     */
    int bytesUnsent() throws LoopException;

    /**
     * Returns the kernel's TCP_INFO for the connection.
     *
     * @return a snapshot
     * @throws LoopException {@link ErrorCode#ENOTSUP} where the backend cannot ask the kernel (see
     *     {@link io.loopsock.spi.Capability#TCP_INFO}), {@link ErrorCode#ENOTCONN} if not connected
     */
    TcpInfo tcpInfo() throws LoopException;
}
