package io.loopsock.unix.internal;

import io.loopsock.Callback;
import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.Tcp;
import io.loopsock.TcpInfo;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Set;

/**
 * A TCP handle on a native socket.
 *
 * <p>Loop-thread only. As in libuv, {@code bind} creates the socket at once (the backend declares
 * {@code TCP_EARLY_BIND}) and binds with {@code SO_REUSEADDR} on, but, as loopsock decides (rule
 * 68), the option then reads as the JDK's sockets have it: off on a bound or connected stream,
 * on for a listener, unless the user chose otherwise; an {@code EADDRINUSE} of the
 * bind is kept and reported by {@code listen} or the connect callback (rule 66), other bind errors
 * are thrown at once. The socket's family follows the address: an IPv4 address gets an IPv4
 * socket, an IPv6 one a dual-stack socket unless {@code IPV6_ONLY} is given.
 */
final class UnixTcp extends UnixStream<Tcp> implements Tcp {
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;
    /** The size of Linux's struct tcp_info up to tcpi_notsent_bytes and beyond (kernel 6.x: 232+). */
    private static final int TCP_INFO_BYTES = 232;

    private boolean bound;
    /** What bind asked for, so that a connect after a failed one binds its fresh socket again. */
    private InetSocketAddress bindAddress;
    private boolean bindIpv6Only;
    private boolean bindReusePort;
    /** An EADDRINUSE from bind, reported by listen or connect, as libuv's delayed_error. */
    private LoopException delayedError;

    UnixTcp(UnixLoop loop) {
        super(loop);
    }

    @Override
    Tcp accepted(Socket accepted) throws LoopException {
        UnixTcp tcp = new UnixTcp(loop);
        tcp.adopt(accepted);
        return tcp;
    }

    @Override
    Set<SocketOption<?>> options() {
        return UnixOptions.TCP;
    }

    @Override
    Socket throwaway() {
        return UnixSockets.stream(false);
    }

    /** Creates the handle's socket for an address family, with the options set so far. */
    private void createSocket(boolean ipv6) throws LoopException {
        Socket fresh;
        try {
            fresh = UnixSockets.stream(ipv6);
        } catch (RuntimeException e) {
            throw UnixErrors.map(e, "socket");
        }
        try {
            applyPendingOptions(fresh);
        } catch (IOException | RuntimeException e) {
            closeQuietly(fresh);
            throw UnixErrors.map(e, "apply options");
        }
        adoptSocket(fresh);
    }

    @Override
    public void bind(InetSocketAddress address, BindFlag... flags) throws LoopException {
        checkOpen();
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(flags, "flags");
        if (bound || socket != null) {
            throw new LoopException(ErrorCode.EINVAL, "already bound");
        }
        if (address.isUnresolved()) {
            throw new LoopException(ErrorCode.EINVAL, "unresolved address " + address);
        }
        boolean ipv6 = address.getAddress() instanceof Inet6Address;
        boolean ipv6Only = false;
        boolean reusePort = false;
        for (BindFlag flag : flags) {
            switch (Objects.requireNonNull(flag, "flag")) {
                case IPV6_ONLY -> {
                    if (!ipv6) {
                        throw new LoopException(ErrorCode.EINVAL, "IPV6_ONLY with the IPv4 address " + address);
                    }
                    ipv6Only = true;
                }
                case REUSE_PORT -> reusePort = true;
            }
        }
        bindAddress = address;
        bindIpv6Only = ipv6Only;
        bindReusePort = reusePort;
        try {
            createBoundSocket();
        } catch (LoopException | RuntimeException e) {
            // A bind that failed leaves the handle as it was: a later connect binds nothing.
            bindAddress = null;
            bindIpv6Only = false;
            bindReusePort = false;
            throw e;
        }
        bound = true;
    }

    /**
     * Creates the socket and binds it to what bind asked for, with {@code SO_REUSEADDR} (rule 68);
     * an {@code EADDRINUSE} is kept for listen or connect (rule 66), other errors are thrown and
     * leave the handle without a socket.
     */
    private void createBoundSocket() throws LoopException {
        createSocket(bindAddress.getAddress() instanceof Inet6Address);
        boolean reuseAddressChosen = chosenOptions.contains(StandardSocketOptions.SO_REUSEADDR);
        try {
            if (!reuseAddressChosen) {
                // Bound as libuv binds, so that a port with connections in TIME_WAIT can be bound.
                socket.setReuseAddress(true);
            }
            if (bindIpv6Only) {
                socket.setIntOpt(IPPROTO_IPV6, UnixOptions.IPV6_V6ONLY, 1);
            }
            if (bindReusePort) {
                socket.setReusePort(true);
            }
        } catch (IOException | RuntimeException e) {
            LoopException error = UnixErrors.map(e, "bind " + bindAddress);
            discardSocket();
            throw error;
        }
        try {
            socket.bind(bindAddress);
            if (!reuseAddressChosen) {
                // Then it reads as on a bound java.net.Socket; listen turns it on again.
                socket.setReuseAddress(false);
            }
        } catch (IOException | RuntimeException e) {
            LoopException error = UnixErrors.map(e, "bind " + bindAddress);
            if (error.code() != ErrorCode.EADDRINUSE) {
                discardSocket();
                throw error;
            }
            delayedError = error;
        }
    }

    /** Drops a socket that a failed bind or listen created, leaving the handle without one. */
    private void discardSocket() {
        Socket dropped = socket;
        socket = null;
        discard(dropped);
    }

    @Override
    public void listen(int backlog, Completion onConnection) throws LoopException {
        checkOpen();
        Objects.requireNonNull(onConnection, "onConnection");
        if (isListening()) {
            // Listening twice is allowed (rule 69); the new callback replaces the old one.
            setConnectionCallback(onConnection);
            return;
        }
        if (connected || connecting) {
            throw new LoopException(ErrorCode.EINVAL, "a connected stream cannot listen");
        }
        if (socket == null) {
            // Without a bind, listen picks an ephemeral port on every IPv4 interface, as libuv does.
            bind(new InetSocketAddress(anyIPv4(), 0));
        }
        if (delayedError != null) {
            throw delayedError;
        }
        try {
            if (!chosenOptions.contains(StandardSocketOptions.SO_REUSEADDR)) {
                // A listener has it on, as a java.net.ServerSocket (rule 68).
                socket.setReuseAddress(true);
            }
            socket.listen(backlog < 1 ? DEFAULT_BACKLOG : backlog);
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "listen");
        }
        startListening(onConnection);
    }

    @Override
    public void connect(InetSocketAddress address, Completion onConnect) throws LoopException {
        checkOpen();
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(onConnect, "onConnect");
        if (isListening()) {
            throw new LoopException(ErrorCode.EINVAL, "a listener cannot connect");
        }
        if (connecting) {
            throw new LoopException(ErrorCode.EALREADY, "a connect is pending");
        }
        if (connected) {
            throw new LoopException(ErrorCode.EISCONN, "already connected");
        }
        if (address.isUnresolved()) {
            throw new LoopException(ErrorCode.EINVAL, "unresolved address " + address);
        }
        InetSocketAddress target = address;
        if (address.getAddress().isAnyLocalAddress()) {
            // 0.0.0.0 and :: mean this host (rule 82).
            InetAddress loopback = address.getAddress() instanceof Inet6Address ? ipv6Loopback() : InetAddress.getLoopbackAddress();
            target = new InetSocketAddress(loopback, address.getPort());
        }
        if (delayedError != null) {
            failConnect(delayedError, onConnect);
            return;
        }
        if (socket == null) {
            try {
                if (bindAddress != null) {
                    createBoundSocket();
                    if (delayedError != null) {
                        failConnect(delayedError, onConnect);
                        return;
                    }
                } else {
                    createSocket(target.getAddress() instanceof Inet6Address);
                }
            } catch (LoopException e) {
                failConnect(e, onConnect);
                return;
            }
        }
        startConnect(target, onConnect);
    }

    @Override
    public void closeReset(Callback onClose) throws LoopException {
        resetOnClose();
        close(onClose);
    }

    @Override
    public InetSocketAddress localAddress() throws LoopException {
        checkOpen();
        InetSocketAddress local = socket == null ? null : socket.localAddress();
        if (local == null) {
            throw new LoopException(ErrorCode.EBADF, "no socket yet");
        }
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() throws LoopException {
        checkOpen();
        InetSocketAddress remote = connected ? socket.remoteAddress() : null;
        if (remote == null) {
            throw new LoopException(ErrorCode.ENOTCONN, isListening() ? "a listener has no peer" : "not connected");
        }
        return remote;
    }

    @Override
    public int bytesUnsent() throws LoopException {
        checkOpen();
        if (!connected) {
            throw new LoopException(ErrorCode.ENOTCONN, "not connected");
        }
        return Ioctl.bytesUnsent(socket);
    }

    @Override
    public TcpInfo tcpInfo() throws LoopException {
        checkOpen();
        if (!connected) {
            throw new LoopException(ErrorCode.ENOTCONN, "not connected");
        }
        if (Platform.CURRENT != Platform.LINUX) {
            // macOS's TCP_CONNECTION_INFO and FreeBSD's TCP_INFO are other structs; not read yet.
            throw new LoopException(ErrorCode.ENOTSUP, "TCP_INFO is read on Linux only");
        }
        ByteBuffer info = ByteBuffer.allocateDirect(TCP_INFO_BYTES).order(ByteOrder.nativeOrder());
        try {
            socket.getRawOpt(IPPROTO_TCP, TCP_INFO, info);
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "TCP_INFO");
        }
        // Offsets of Linux's struct tcp_info (include/uapi/linux/tcp.h).
        return new TcpInfo(
                Byte.toUnsignedInt(info.get(0)),
                Integer.toUnsignedLong(info.getInt(68)),
                Integer.toUnsignedLong(info.getInt(72)),
                info.getInt(24),
                info.getInt(32),
                Byte.toUnsignedInt(info.get(2)),
                Integer.toUnsignedLong(info.getInt(100)),
                Integer.toUnsignedLong(info.getInt(144)));
    }

    private static InetAddress anyIPv4() {
        try {
            return Inet4Address.getByAddress(new byte[4]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static InetAddress ipv6Loopback() {
        byte[] bytes = new byte[16];
        bytes[15] = 1;
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        return "Tcp@" + Integer.toHexString(System.identityHashCode(this));
    }
}
