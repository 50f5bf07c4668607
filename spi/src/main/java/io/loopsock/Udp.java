package io.loopsock;

import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A UDP socket, after libuv's {@code uv_udp_t}: datagrams sent and received, optionally to and
 * from one connected peer.
 *
 * <p>Loop-thread only. Not a {@link Stream}: a datagram socket has no byte stream, no end of
 * stream and no shutdown. The handle is active while it receives or has sends queued.
 *
 * <h2>The socket</h2>
 * No socket exists until the handle is bound, connected, sends or starts receiving. Sending or
 * receiving on an unbound handle binds it first to the wildcard address of the destination's
 * family (IPv4 for receiving) and an ephemeral port (rule 121). Unlike TCP, where a bind error is
 * deferred to listen or connect, a UDP bind fails at once (rule 123). Options set before the socket
 * exists are kept and applied to it, as for TCP, where libuv would answer {@code EBADF}.
 *
 * <h2>Sending</h2>
 * Sends are queued and leave in the order they were made; each has exactly one callback, in the
 * same order. A datagram is sent whole or not at all. Closing the handle completes queued sends
 * with {@link ErrorCode#ECANCELED}.
 *
 * <h2>Connected mode</h2>
 * {@link #connect} fixes the peer: sends then take no address and only the peer's datagrams are
 * received; {@link #disconnect()} undoes it. The misuse codes are libuv's (rule 131).
 *
 * <h2>Errors</h2>
 * On a closing handle every call throws {@link IllegalStateException}, except
 * {@link #stopReceive()}, the state flags, the queue sizes, {@link #supportedOptions()} and
 * {@code ref}/{@code unref}/{@code hasRef}.
 */
public interface Udp extends Handle {

    /** How {@link #bind} sets up the socket. */
    enum BindFlag {
        /** Sets {@code SO_REUSEADDR} first, so that several handles may bind the same address. */
        REUSE_ADDR,
        /**
         * Binds an IPv6 address for IPv6 only ({@code IPV6_V6ONLY}); without it an IPv6 wildcard
         * handle also receives IPv4 datagrams. Needs {@link io.loopsock.spi.Capability#UDP_IPV6_ONLY}.
         */
        IPV6_ONLY
    }

    /**
     * Creates the socket and binds it.
     *
     * @param address the address; port 0 picks an ephemeral port
     * @param flags how to set up the socket
     * @throws LoopException {@link ErrorCode#EADDRINUSE} at once if the address is taken,
     *     {@link ErrorCode#EINVAL} if the handle already has a socket,
     *     {@link ErrorCode#ENOTSUP} for a flag the backend cannot honour
     */
    void bind(InetSocketAddress address, BindFlag... flags) throws LoopException;

    /**
     * Connects the handle to one peer; no packet is sent. Binds an unbound handle first.
     *
     * @param peer the peer
     * @throws LoopException {@link ErrorCode#EISCONN} if already connected
     */
    void connect(InetSocketAddress peer) throws LoopException;

    /**
     * Undoes {@link #connect}.
     *
     * @throws LoopException {@link ErrorCode#ENOTCONN} if not connected
     */
    void disconnect() throws LoopException;

    /**
     * Queues one datagram: the bytes between the buffer's position and limit, which must not change
     * until the callback has run. Binds an unbound handle first.
     *
     * @param datagram the bytes, possibly none (an empty datagram)
     * @param to the destination, or null on a connected handle
     * @param onSent called once: null when the datagram left, else the error (for instance
     *     {@link ErrorCode#EMSGSIZE} for a datagram too large); may be null
     * @throws LoopException {@link ErrorCode#EISCONN} for an address on a connected handle,
     *     {@link ErrorCode#EDESTADDRREQ} for none on an unconnected one
     */
    void send(ByteBuffer datagram, InetSocketAddress to, Completion onSent) throws LoopException;

    /**
     * Sends one datagram now if the socket can take it and no send is queued; never part of it.
     * The buffer's position advances past the datagram when it was sent.
     *
     * @param datagram the bytes
     * @param to the destination, or null on a connected handle
     * @return whether the datagram was sent (false where libuv returns {@code EAGAIN})
     * @throws LoopException as {@link #send}, and {@link ErrorCode#EMSGSIZE} at once for a
     *     datagram too large
     */
    boolean trySend(ByteBuffer datagram, InetSocketAddress to) throws LoopException;

    /**
     * Starts receiving; the callback gets every datagram and error until {@link #stopReceive()}.
     * Binds an unbound handle first.
     *
     * @param onReceive the callback
     * @throws LoopException {@link ErrorCode#EALREADY} if already receiving
     */
    void startReceive(ReceiveCallback onReceive) throws LoopException;

    /** Stops receiving; no receive callback runs after this returns. Idempotent, also when closing. */
    void stopReceive();

    /**
     * Returns the address the socket is bound to.
     *
     * @return the address
     * @throws LoopException {@link ErrorCode#EBADF} if there is no socket yet
     */
    InetSocketAddress localAddress() throws LoopException;

    /**
     * Returns the connected peer.
     *
     * @return the peer
     * @throws LoopException {@link ErrorCode#ENOTCONN} if not connected
     */
    InetSocketAddress remoteAddress() throws LoopException;

    /**
     * Returns the bytes of the queued datagrams that have not left yet.
     *
     * @return the bytes; 0 when every send has completed
     */
    long sendQueueSize();

    /**
     * Returns the number of queued datagrams that have not left yet.
     *
     * @return the count; 0 when every send has completed
     */
    long sendQueueCount();

    /**
     * Returns the options this handle supports.
     *
     * @return the options
     */
    Set<SocketOption<?>> supportedOptions();

    /**
     * Sets an option, for instance {@code SO_BROADCAST} or {@code IP_MULTICAST_TTL}; before the
     * socket exists the value is checked, kept and applied when the socket is created.
     *
     * @param <T> the value type
     * @param name the option
     * @param value the value
     * @throws LoopException if the kernel refuses the value
     * @throws UnsupportedOperationException if the option is not supported
     * @throws IllegalArgumentException if the value is invalid
     */
    <T> void setOption(SocketOption<T> name, T value) throws LoopException;

    /**
     * Reads an option as the kernel reports it.
     *
     * @param <T> the value type
     * @param name the option
     * @return the value
     * @throws LoopException {@link ErrorCode#EBADF} if there is no socket and the option was not set
     * @throws UnsupportedOperationException if the option is not supported
     */
    <T> T option(SocketOption<T> name) throws LoopException;
}
