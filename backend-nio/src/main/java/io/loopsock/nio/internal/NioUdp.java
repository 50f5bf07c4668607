package io.loopsock.nio.internal;

import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.ReceiveCallback;
import io.loopsock.ReceiveResult;
import io.loopsock.Udp;
import io.loopsock.spi.AbstractHandle;
import io.loopsock.spi.CompletionQueue;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A UDP handle on a {@link DatagramChannel}.
 *
 * <p>Loop-thread only. The channel is created at bind, connect, the first send or the first
 * receive, non-blocking and registered with the loop's selector; the interest set is OP_READ while
 * receiving and OP_WRITE while sends wait for room. Send callbacks go through one ordered queue,
 * delivered from the pending phase when the send finished inside the call that made it, so that no
 * callback runs inside {@code send}.
 *
 * <p>The loop's 64 KiB receive buffer holds any datagram IPv4 or IPv6 can carry without jumbo
 * payloads, so no datagram is ever truncated here, and java.nio could not say so if one were.
 */
final class NioUdp extends AbstractHandle implements Udp, NioReady {
    /** The most datagrams received per poll, so that one busy handle cannot starve the others. */
    private static final int RECEIVES_PER_POLL = 32;

    private final NioLoop loop;
    private DatagramChannel channel;
    private SelectionKey key;
    private int interest;
    private boolean receiving;
    private ReceiveCallback onReceive;
    private InetSocketAddress peer;

    private final ArrayDeque<Send> sends = new ArrayDeque<>();
    private long queuedBytes;
    private final CompletionQueue<Void> completions = new CompletionQueue<>(this, null, this::refresh);

    /** Options set before the socket exists, applied when it is created. */
    private final Map<SocketOption<?>, Object> pendingOptions = new LinkedHashMap<>();

    NioUdp(NioLoop loop) {
        super(loop);
        this.loop = loop;
    }

    // ---- the socket -------------------------------------------------------------------------

    @Override
    public void bind(InetSocketAddress address, BindFlag... flags) throws LoopException {
        checkOpen();
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(flags, "flags");
        if (channel != null) {
            throw new LoopException(ErrorCode.EINVAL, "already bound");
        }
        if (address.isUnresolved()) {
            throw new LoopException(ErrorCode.EINVAL, "unresolved address " + address);
        }
        boolean reuseAddress = false;
        for (BindFlag flag : flags) {
            switch (Objects.requireNonNull(flag, "flag")) {
                case REUSE_ADDR -> reuseAddress = true;
                case IPV6_ONLY -> throw new LoopException(ErrorCode.ENOTSUP, "java.nio cannot set IPV6_V6ONLY on a datagram socket");
            }
        }
        open(address, reuseAddress);
    }

    /** Creates, sets up, binds and registers the channel; on failure the handle stays without one. */
    private void open(InetSocketAddress local, boolean reuseAddress) throws LoopException {
        DatagramChannel fresh = null;
        try {
            fresh = DatagramChannel.open(family(local.getAddress()));
            fresh.configureBlocking(false);
            for (var option : pendingOptions.entrySet()) {
                setRaw(fresh, option.getKey(), option.getValue());
            }
            if (reuseAddress) {
                fresh.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            }
            fresh.bind(local);
            key = fresh.register(loop.selector(), 0, this);
            interest = 0;
            channel = fresh;
        } catch (IOException e) {
            NioStream.closeQuietly(fresh);
            throw NioErrors.map(e, "bind " + local);
        } catch (RuntimeException e) {
            NioStream.closeQuietly(fresh);
            throw NioErrors.map(e, "bind " + local);
        }
    }

    /** Binds an unbound handle to the wildcard address of the destination's family (rule 121). */
    private void ensureBound(InetAddress destination) throws LoopException {
        if (channel == null) {
            InetAddress any = destination == null || destination instanceof Inet4Address
                    ? wildcard(StandardProtocolFamily.INET) : wildcard(StandardProtocolFamily.INET6);
            open(new InetSocketAddress(any, 0), false);
        }
    }

    private static InetAddress wildcard(ProtocolFamily family) {
        try {
            return InetAddress.getByAddress(new byte[family == StandardProtocolFamily.INET ? 4 : 16]);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("a literal address cannot be unknown", e);
        }
    }

    private static ProtocolFamily family(InetAddress address) {
        return address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
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
            channel.connect(to);
        } catch (IOException e) {
            throw NioErrors.map(e, "connect " + to);
        } catch (RuntimeException e) {
            throw NioErrors.map(e, "connect " + to);
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
            channel.disconnect();
        } catch (IOException e) {
            throw NioErrors.map(e, "disconnect");
        }
        peer = null;
    }

    @Override
    public InetSocketAddress localAddress() throws LoopException {
        checkOpen();
        if (channel == null) {
            throw new LoopException(ErrorCode.EBADF, "no socket yet: bind, connect, send or receive first");
        }
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw NioErrors.map(e, "local address");
        }
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
        int length = datagram.remaining();
        try {
            int sent = to != null ? channel.send(datagram, to) : channel.write(datagram);
            // A datagram leaves whole or not at all; an empty one always leaves.
            return sent == length;
        } catch (IOException e) {
            throw NioErrors.map(e, "send");
        } catch (RuntimeException e) {
            throw NioErrors.map(e, "send");
        }
    }

    /** Sends queued datagrams until the socket is full; each finished one goes to the completion queue. */
    private void flushSends() {
        Send send;
        while ((send = sends.peek()) != null) {
            int length = send.datagram.remaining();
            LoopException error = null;
            try {
                int sent = send.to != null ? channel.send(send.datagram, send.to) : channel.write(send.datagram);
                if (sent != length) {
                    return;
                }
            } catch (IOException e) {
                // A datagram that cannot leave fails alone; the ones behind it still go.
                error = NioErrors.map(e, "send");
            } catch (RuntimeException e) {
                error = NioErrors.map(e, "send");
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
            SocketAddress sender;
            try {
                sender = channel.receive(buffer);
            } catch (IOException e) {
                // An ICMP error on a connected socket (ECONNREFUSED, say): reported once, and the
                // handle keeps receiving; the next datagram waits for the next poll (rule 134).
                deliverReceive(new ReceiveResult.Failed(NioErrors.map(e, "receive")));
                return;
            }
            if (sender == null) {
                return;
            }
            buffer.flip();
            deliverReceive(new ReceiveResult.Datagram(buffer, (InetSocketAddress) sender, false));
        }
    }

    private void deliverReceive(ReceiveResult result) {
        ReceiveCallback callback = onReceive;
        invoke(() -> callback.onReceive(result));
    }

    // ---- readiness and completions ------------------------------------------------------------

    @Override
    public void ready(int readyOps) {
        if (closing()) {
            return;
        }
        if ((readyOps & SelectionKey.OP_READ) != 0 && receiving) {
            onReadable();
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0 && !closing()) {
            flushSends();
        }
        if (!closing()) {
            completions.flush();
            refresh();
        }
    }

    private void refresh() {
        int ops = (receiving ? SelectionKey.OP_READ : 0) | (sends.isEmpty() ? 0 : SelectionKey.OP_WRITE);
        if (key != null && ops != interest && key.isValid()) {
            key.interestOps(ops);
            interest = ops;
        }
        setActive(receiving || !sends.isEmpty());
    }

    // ---- closing ----------------------------------------------------------------------------

    @Override
    protected void onClose() {
        receiving = false;
        onReceive = null;
        if (key != null) {
            key.cancel();
        }
        NioStream.closeQuietly(channel);
        if (key != null) {
            loop.released();
        }
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

    // ---- options ----------------------------------------------------------------------------

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        owner().checkThread();
        return NioOptions.udp();
    }

    @Override
    public <T> void setOption(SocketOption<T> name, T value) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
        if (value != null && !name.type().isInstance(value)) {
            throw new IllegalArgumentException("'" + name + "' takes a " + name.type().getSimpleName());
        }
        if (channel == null) {
            // Kept for the socket to come, checked now on a throwaway socket so that a bad value
            // fails here, and kept as the kernel keeps it.
            try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET)) {
                probe.setOption(name, value);
                pendingOptions.put(name, probe.getOption(name));
            } catch (IOException e) {
                throw NioErrors.map(e, "set " + name);
            }
            return;
        }
        try {
            channel.setOption(name, value);
        } catch (IOException e) {
            throw NioErrors.map(e, "set " + name);
        }
    }

    @Override
    public <T> T option(SocketOption<T> name) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
        if (channel == null) {
            if (pendingOptions.containsKey(name)) {
                return name.type().cast(pendingOptions.get(name));
            }
            throw new LoopException(ErrorCode.EBADF, "no socket yet: bind, connect, send or receive first");
        }
        try {
            return channel.getOption(name);
        } catch (IOException e) {
            throw NioErrors.map(e, "get " + name);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void setRaw(DatagramChannel socket, SocketOption<T> name, Object value) throws IOException {
        socket.setOption(name, (T) value);
    }

    /** A queued datagram. */
    private record Send(ByteBuffer datagram, InetSocketAddress to, Completion callback) {}
}
