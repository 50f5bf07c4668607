package io.loopsock.nio.internal;

import io.loopsock.Callback;
import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.Tcp;
import io.loopsock.TcpInfo;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

/**
 * A TCP handle on java.nio.
 *
 * <p>Loop-thread only. java.nio has one channel type for listeners and another for connections, so
 * the socket is created when the handle listens or connects, not when it binds: {@code bind} checks
 * its arguments and records the address, and an error of the bind itself ({@code EADDRINUSE})
 * surfaces at {@code listen} or through the connect callback, as libuv's deferred bind error does.
 */
final class NioTcp extends NioStream<Tcp> implements Tcp {
    private InetSocketAddress bindAddress;

    NioTcp(NioLoop loop) {
        super(loop);
    }

    @Override
    Tcp accepted(SocketChannel accepted) throws IOException {
        NioTcp tcp = new NioTcp(loop);
        tcp.adopt(accepted, pendingOptions());
        return tcp;
    }

    @Override
    NetworkChannel throwaway() throws IOException {
        return SocketChannel.open(StandardProtocolFamily.INET);
    }

    @Override
    Set<SocketOption<?>> streamOptions() {
        return NioOptions.tcpStream();
    }

    @Override
    Set<SocketOption<?>> listenerOptions() {
        return NioOptions.tcpListener();
    }

    @Override
    public void bind(InetSocketAddress address, BindFlag... flags) throws LoopException {
        checkOpen();
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(flags, "flags");
        if (bindAddress != null || channel != null || server != null) {
            throw new LoopException(ErrorCode.EINVAL, "already bound");
        }
        if (address.isUnresolved()) {
            throw new LoopException(ErrorCode.EINVAL, "unresolved address " + address);
        }
        boolean reusePort = false;
        for (BindFlag flag : flags) {
            switch (Objects.requireNonNull(flag, "flag")) {
                case IPV6_ONLY -> {
                    if (!(address.getAddress() instanceof Inet6Address)) {
                        throw new LoopException(ErrorCode.EINVAL, "IPV6_ONLY with the IPv4 address " + address);
                    }
                    if (address.getAddress().isAnyLocalAddress()) {
                        // A specific IPv6 address never accepts IPv4, so only the wildcard needs the
                        // socket option, which java.nio cannot set.
                        throw new LoopException(ErrorCode.ENOTSUP, "java.nio cannot set IPV6_V6ONLY on the wildcard address");
                    }
                }
                case REUSE_PORT -> {
                    if (!NioOptions.tcpListener().contains(StandardSocketOptions.SO_REUSEPORT)) {
                        throw new LoopException(ErrorCode.ENOTSUP, "SO_REUSEPORT is not available on this platform");
                    }
                    reusePort = true;
                }
            }
        }
        if (reusePort) {
            keepOption(StandardSocketOptions.SO_REUSEPORT, Boolean.TRUE);
        }
        bindAddress = address;
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
        // Without a bind, listen picks an ephemeral port on every IPv4 interface, as libuv does.
        InetSocketAddress local = bindAddress != null ? bindAddress : new InetSocketAddress(anyIPv4(), 0);
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open(family(local));
            applyPendingOptions(listener);
            listener.bind(local, Math.max(backlog, 0));
        } catch (IOException e) {
            closeQuietly(listener);
            throw NioErrors.map(e, "listen on " + local);
        } catch (RuntimeException e) {
            closeQuietly(listener);
            throw NioErrors.map(e, "listen on " + local);
        }
        startListening(listener, onConnection);
    }

    @Override
    public void connect(InetSocketAddress address, Completion onConnect) throws LoopException {
        checkOpen();
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(onConnect, "onConnect");
        if (isListening() || server != null) {
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
        SocketChannel fresh = null;
        try {
            fresh = SocketChannel.open(family(bindAddress != null ? bindAddress : target));
            applyPendingOptions(fresh);
            if (bindAddress != null) {
                fresh.bind(bindAddress);
            }
        } catch (IOException e) {
            closeQuietly(fresh);
            failConnect(NioErrors.map(e, "connect " + target), onConnect);
            return;
        } catch (RuntimeException e) {
            closeQuietly(fresh);
            failConnect(NioErrors.map(e, "connect " + target), onConnect);
            return;
        }
        startConnect(fresh, target, onConnect);
    }

    @Override
    public void closeReset(Callback onClose) throws LoopException {
        resetOnClose();
        close(onClose);
    }

    @Override
    public InetSocketAddress localAddress() throws LoopException {
        checkOpen();
        NetworkChannel socket = channel != null ? channel : server;
        if (socket == null) {
            throw new LoopException(ErrorCode.EBADF, "no socket yet: the nio backend creates it at listen or connect");
        }
        try {
            return (InetSocketAddress) socket.getLocalAddress();
        } catch (IOException e) {
            throw NioErrors.map(e, "local address");
        }
    }

    @Override
    public InetSocketAddress remoteAddress() throws LoopException {
        checkOpen();
        if (channel == null || !connected) {
            throw new LoopException(ErrorCode.ENOTCONN, isListening() ? "a listener has no peer" : "not connected");
        }
        try {
            return (InetSocketAddress) channel.getRemoteAddress();
        } catch (IOException e) {
            throw NioErrors.map(e, "remote address");
        }
    }

    @Override
    public int bytesReadable() throws LoopException {
        checkReadableQuery();
        try {
            // The socket adaptor's available() is the JDK's FIONREAD, and works on a non-blocking channel.
            return channel.socket().getInputStream().available();
        } catch (IOException e) {
            throw NioErrors.map(e, "bytes readable");
        }
    }

    @Override
    public int bytesUnsent() throws LoopException {
        checkOpen();
        throw new LoopException(ErrorCode.ENOTSUP, "java.nio cannot ask the kernel for unsent bytes (SIOCOUTQ); a native backend can");
    }

    @Override
    public TcpInfo tcpInfo() throws LoopException {
        checkOpen();
        throw new LoopException(ErrorCode.ENOTSUP, "java.nio cannot read TCP_INFO; a native backend can");
    }

    private static ProtocolFamily family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
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
