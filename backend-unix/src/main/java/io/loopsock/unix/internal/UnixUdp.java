package io.loopsock.unix.internal;

import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.ReceiveCallback;
import io.loopsock.ReceiveResult;
import io.loopsock.Udp;
import io.loopsock.spi.AbstractHandle;
import io.loopsock.spi.CompletionQueue;
import io.netty.channel.unix.DatagramSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A UDP handle on a native datagram socket, for every readiness backend.
 *
 * <p>Loop-thread only. The socket is created at bind, connect, the first send or the first
 * receive, non-blocking and registered with the loop's {@link Poller}; the interest is reading
 * while receiving and writing while sends wait for room, as in libuv's {@code uv__udp_io}. Send
 * callbacks go through one ordered queue, delivered from the pending phase when the send finished
 * inside the call that made it, so that no callback runs inside {@code send}. The rules are
 * nio's ({@code NioUdp}), rule for rule; the errors are the syscalls' errnos ({@link UnixErrors}).
 *
 * <p>Datagrams are received into the loop's shared 64 KiB direct buffer with {@code recvfrom}.
 * Netty's {@code recvFrom} passes no {@code MSG_TRUNC}, so a cut datagram could not be told from
 * a whole one; none is ever cut, because 64 KiB holds any datagram IPv4 or IPv6 carries without
 * jumbograms (at most 65,527 bytes), and {@code truncated} is always false.
 */
final class UnixUdp extends AbstractHandle implements Udp, Poller.Ready {
    /** The most datagrams received per poll, so that one busy handle cannot starve the others. */
    private static final int RECEIVES_PER_POLL = 32;
    /** The largest datagram UDP can carry: its length field is 16 bits. */
    private static final int MAX_DATAGRAM = 65_535;
    private static final int IPPROTO_IPV6 = 41;

    private final UnixLoop loop;
    private Socket socket;
    /** Whether the socket is an IPv6 (dual-stack unless IPV6_ONLY) one. */
    private boolean ipv6;
    private Poller.Registration registration;
    private boolean readInterest;
    private boolean writeInterest;
    private boolean receiving;
    private ReceiveCallback onReceive;
    private InetSocketAddress peer;
    /** The address the socket was bound to, port included, for a disconnect to keep. */
    private InetSocketAddress bound;

    private final ArrayDeque<Send> sends = new ArrayDeque<>();
    private long queuedBytes;
    private final CompletionQueue<Void> completions = new CompletionQueue<>(this, null, this::refresh);

    /** Options set before the socket exists, applied when it is created. */
    private final Map<SocketOption<?>, Object> pendingOptions = new LinkedHashMap<>();

    UnixUdp(UnixLoop loop) {
        super(loop);
        this.loop = loop;
    }

    // ---- the socket -------------------------------------------------------------------------

    @Override
    public void bind(InetSocketAddress address, BindFlag... flags) throws LoopException {
        checkOpen();
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(flags, "flags");
        if (socket != null) {
            throw new LoopException(ErrorCode.EINVAL, "already bound");
        }
        if (address.isUnresolved()) {
            throw new LoopException(ErrorCode.EINVAL, "unresolved address " + address);
        }
        boolean reuseAddress = false;
        boolean ipv6Only = false;
        for (BindFlag flag : flags) {
            switch (Objects.requireNonNull(flag, "flag")) {
                case REUSE_ADDR -> reuseAddress = true;
                case IPV6_ONLY -> {
                    if (!(address.getAddress() instanceof Inet6Address)) {
                        throw new LoopException(ErrorCode.EINVAL, "IPV6_ONLY with the IPv4 address " + address);
                    }
                    ipv6Only = true;
                }
            }
        }
        open(address, reuseAddress, ipv6Only);
    }

    /**
     * Creates, sets up, binds and registers the socket; on failure (an {@code EADDRINUSE} of the
     * bind included, reported at once, rule 123) the handle stays without one.
     */
    private void open(InetSocketAddress local, boolean reuseAddress, boolean ipv6Only) throws LoopException {
        boolean family6 = local.getAddress() instanceof Inet6Address;
        Socket fresh;
        try {
            fresh = UnixSockets.datagram(family6);
        } catch (RuntimeException e) {
            throw UnixErrors.map(e, "socket");
        }
        try {
            for (var option : pendingOptions.entrySet()) {
                UnixOptions.setDatagram(fresh, family6, option.getKey(), option.getValue());
            }
            if (reuseAddress) {
                fresh.setReuseAddress(true);
            }
            if (ipv6Only) {
                fresh.setIntOpt(IPPROTO_IPV6, UnixOptions.IPV6_V6ONLY, 1);
            }
            fresh.bind(local);
        } catch (IOException | RuntimeException e) {
            closeQuietly(fresh);
            throw UnixErrors.map(e, "bind " + local);
        }
        Poller.Registration registered;
        try {
            registered = loop.register(fresh, this);
        } catch (LoopException | RuntimeException e) {
            closeQuietly(fresh);
            throw UnixErrors.map(e, "register");
        }
        socket = fresh;
        bound = fresh.localAddress();
        ipv6 = family6;
        registration = registered;
        readInterest = false;
        writeInterest = false;
    }

    /** Binds an unbound handle to the wildcard address of the destination's family (rule 121). */
    private void ensureBound(InetAddress destination) throws LoopException {
        if (socket == null) {
            open(new InetSocketAddress(wildcard(destination instanceof Inet6Address), 0), false, false);
        }
    }

    private static InetAddress wildcard(boolean ipv6) {
        try {
            return InetAddress.getByAddress(new byte[ipv6 ? 16 : 4]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("a literal address cannot be unknown", e);
        }
    }

    @Override
    public void connect(InetSocketAddress to) throws LoopException {
        checkOpen();
        Objects.requireNonNull(to, "peer");
        if (peer != null) {
            throw new LoopException(ErrorCode.EISCONN, "already connected to " + peer);
        }
        if (to.isUnresolved()) {
            throw new LoopException(ErrorCode.EINVAL, "unresolved address " + to);
        }
        ensureBound(to.getAddress());
        try {
            // A datagram socket connects at once: the kernel only records the peer.
            socket.connect(to);
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "connect " + to);
        }
        peer = to;
    }

    @Override
    public void disconnect() throws LoopException {
        checkOpen();
        if (peer == null) {
            throw new LoopException(ErrorCode.ENOTCONN, "not connected");
        }
        try {
            socket.disconnect();
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "disconnect");
        }
        peer = null;
        // Linux unbinds a socket bound to port 0 when it disconnects, so the next send would
        // leave from another port; the handle keeps its port, as the JDK's datagram channels
        // keep it (they bind again the same way).
        InetSocketAddress local = socket.localAddress();
        if (local != null && local.getPort() == 0 && bound != null) {
            try {
                socket.bind(bound);
            } catch (IOException | RuntimeException e) {
                throw UnixErrors.map(e, "disconnect: bind " + bound + " again");
            }
        }
    }

    @Override
    public InetSocketAddress localAddress() throws LoopException {
        checkOpen();
        InetSocketAddress local = socket == null ? null : socket.localAddress();
        if (local == null) {
            throw new LoopException(ErrorCode.EBADF, "no socket yet: bind, connect, send or receive first");
        }
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() throws LoopException {
        checkOpen();
        if (peer == null) {
            throw new LoopException(ErrorCode.ENOTCONN, "not connected");
        }
        return peer;
    }

    // ---- sending ----------------------------------------------------------------------------

    private void checkDestination(InetSocketAddress to) throws LoopException {
        if (peer != null && to != null) {
            throw new LoopException(ErrorCode.EISCONN, "connected to " + peer + ": send without an address");
        }
        if (peer == null && to == null) {
            throw new LoopException(ErrorCode.EDESTADDRREQ, "not connected: send needs an address");
        }
        if (to != null && to.isUnresolved()) {
            throw new LoopException(ErrorCode.EINVAL, "unresolved address " + to);
        }
    }

    @Override
    public void send(ByteBuffer datagram, InetSocketAddress to, Completion onSent) throws LoopException {
        checkOpen();
        Objects.requireNonNull(datagram, "datagram");
        checkDestination(to);
        ensureBound(to != null ? to.getAddress() : null);
        ByteBuffer view = datagram.slice();
        requestStarted();
        sends.add(new Send(view, to, onSent));
        queuedBytes += view.remaining();
        if (sends.size() == 1) {
            flushSends();
            completions.schedule();
        }
        refresh();
    }

    @Override
    public boolean trySend(ByteBuffer datagram, InetSocketAddress to) throws LoopException {
        checkOpen();
        Objects.requireNonNull(datagram, "datagram");
        checkDestination(to);
        ensureBound(to != null ? to.getAddress() : null);
        if (!sends.isEmpty()) {
            return false;
        }
        try {
            if (!sendNow(datagram, to)) {
                return false;
            }
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "send");
        }
        datagram.position(datagram.limit());
        return true;
    }

    /**
     * Sends one datagram, whole or not at all; Netty's syscalls need direct memory, so a heap
     * buffer goes through the loop's staging buffer. Leaves the buffer's position alone.
     *
     * <p>Netty answers 0 both for an empty datagram that left and for a full socket ({@code EAGAIN}),
     * as java.nio does; a non-empty datagram never leaves as 0 bytes, so only an empty one is
     * ambiguous, and it is taken as sent.
     *
     * @return whether the datagram left
     */
    private boolean sendNow(ByteBuffer datagram, InetSocketAddress to) throws IOException {
        int length = datagram.remaining();
        if (length > MAX_DATAGRAM) {
            // What the kernel answers; checked here so that the copy below always fits.
            throw new LoopException(ErrorCode.EMSGSIZE, "a datagram of " + length + " bytes");
        }
        ByteBuffer direct = datagram;
        int position = datagram.position();
        if (!datagram.isDirect()) {
            direct = loop.staging();
            direct.put(0, datagram, position, length);
            position = 0;
        }
        int sent = to != null
                ? socket.sendTo(direct, position, position + length, to.getAddress(), to.getPort())
                : socket.send(direct, position, position + length);
        return sent == length;
    }

    /** Sends queued datagrams until the socket is full; each finished one goes to the completion queue. */
    private void flushSends() {
        Send send;
        while ((send = sends.peek()) != null) {
            int length = send.datagram.remaining();
            LoopException error = null;
            try {
                if (!sendNow(send.datagram, send.to)) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                // A datagram that cannot leave fails alone; the ones behind it still go.
                error = UnixErrors.map(e, "send");
            }
            sends.poll();
            queuedBytes -= length;
            completions.add(send.callback, error, null);
        }
    }

    @Override
    public long sendQueueSize() {
        owner().checkThread();
        return queuedBytes;
    }

    @Override
    public long sendQueueCount() {
        owner().checkThread();
        return sends.size();
    }

    // ---- receiving --------------------------------------------------------------------------

    @Override
    public void startReceive(ReceiveCallback callback) throws LoopException {
        checkOpen();
        Objects.requireNonNull(callback, "callback");
        if (receiving) {
            throw new LoopException(ErrorCode.EALREADY, "already receiving");
        }
        ensureBound(null);
        onReceive = callback;
        receiving = true;
        refresh();
    }

    @Override
    public void stopReceive() {
        owner().checkThread();
        if (receiving) {
            receiving = false;
            onReceive = null;
            refresh();
        }
    }

    private void onReadable() {
        for (int i = 0; i < RECEIVES_PER_POLL && receiving; i++) {
            ByteBuffer buffer = loop.readBuffer();
            DatagramSocketAddress sender;
            try {
                sender = socket.recvFrom(buffer, 0, buffer.capacity());
            } catch (IOException | RuntimeException e) {
                // An ICMP error on a connected socket (ECONNREFUSED, say): recvfrom reports it
                // once and clears it, the handle keeps receiving, and the next datagram waits for
                // the next poll (rule 134).
                deliverReceive(new ReceiveResult.Failed(UnixErrors.map(e, "receive")));
                return;
            }
            if (sender == null) {
                return;
            }
            buffer.limit(sender.receivedAmount());
            deliverReceive(new ReceiveResult.Datagram(buffer, senderOf(sender), false));
        }
    }

    /**
     * The sender as the JDK's sockets would name it. Netty's datagram addresses give every IPv6
     * address a scope, 0 included, so {@code ::1} would print as {@code ::1%0}; its stream
     * addresses (and the JDK) keep a scope only where there is one.
     */
    private static InetSocketAddress senderOf(DatagramSocketAddress sender) {
        InetAddress address = sender.getAddress();
        if (address instanceof Inet6Address v6 && v6.getScopeId() == 0 && v6.getScopedInterface() == null) {
            try {
                address = InetAddress.getByAddress(v6.getAddress());
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError("a literal address cannot be unknown", e);
            }
        }
        return new InetSocketAddress(address, sender.getPort());
    }

    private void deliverReceive(ReceiveResult result) {
        ReceiveCallback callback = onReceive;
        invoke(() -> callback.onReceive(result));
    }

    // ---- readiness and completions ------------------------------------------------------------

    /** Called by the loop's poll when the socket is ready (or has an error pending). */
    @Override
    public void ready(boolean readable, boolean writable) {
        if (closing()) {
            return;
        }
        if (readable && receiving) {
            onReadable();
        }
        if (writable && !sends.isEmpty() && !closing()) {
            flushSends();
        }
        if (!closing()) {
            completions.flush();
            refresh();
        }
    }

    /** Sets the poller's interest and the active flag from the state. */
    private void refresh() {
        boolean read = receiving;
        boolean write = !sends.isEmpty();
        if (registration != null && (read != readInterest || write != writeInterest)) {
            registration.interest(read, write);
            readInterest = read;
            writeInterest = write;
        }
        setActive(receiving || !sends.isEmpty());
    }

    // ---- closing ----------------------------------------------------------------------------

    @Override
    protected void onClose() {
        receiving = false;
        onReceive = null;
        // The registration goes before the descriptor: the poller keys registrations by number,
        // and a new socket may get this number as soon as it is closed.
        if (registration != null) {
            registration.cancel();
            registration = null;
        }
        // The descriptor is released now, so the port can be bound again at once (rule 18).
        closeQuietly(socket);
        LoopException cancelled = new LoopException(ErrorCode.ECANCELED);
        Send send;
        while ((send = sends.poll()) != null) {
            completions.add(send.callback, cancelled, null);
        }
        queuedBytes = 0;
    }

    @Override
    protected void onCloseCompleted() {
        completions.drain();
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // Nothing useful can be done about a failing close of a socket we are abandoning.
            }
        }
    }

    // ---- options ----------------------------------------------------------------------------

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        owner().checkThread();
        return UnixOptions.UDP;
    }

    @Override
    public <T> void setOption(SocketOption<T> name, T value) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (!UnixOptions.UDP.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
        Object checked = UnixOptions.check(name, value);
        if (socket == null) {
            // Kept for the socket to come, tried now on a throwaway IPv4 socket so that a value
            // the kernel refuses fails here, and kept as the kernel keeps it (as nio does).
            Socket probe = null;
            try {
                probe = UnixSockets.datagram(false);
                UnixOptions.setDatagram(probe, false, name, checked);
                pendingOptions.put(name, UnixOptions.getDatagram(probe, false, name));
            } catch (IOException | RuntimeException e) {
                throw UnixErrors.map(e, "set " + name);
            } finally {
                closeQuietly(probe);
            }
            return;
        }
        try {
            UnixOptions.setDatagram(socket, ipv6, name, checked);
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "set " + name);
        }
    }

    @Override
    public <T> T option(SocketOption<T> name) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (!UnixOptions.UDP.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
        if (socket == null) {
            if (pendingOptions.containsKey(name)) {
                return name.type().cast(pendingOptions.get(name));
            }
            throw new LoopException(ErrorCode.EBADF, "no socket yet: bind, connect, send or receive first");
        }
        try {
            return name.type().cast(UnixOptions.getDatagram(socket, ipv6, name));
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "get " + name);
        }
    }

    @Override
    public String toString() {
        return "Udp@" + Integer.toHexString(System.identityHashCode(this));
    }

    /** A queued datagram. */
    private record Send(ByteBuffer datagram, InetSocketAddress to, Completion callback) {}
}
