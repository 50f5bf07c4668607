package io.loopsock.socket;

import io.loopsock.ErrorCode;
import io.loopsock.LoopsockOptions;
import io.loopsock.socket.JdkExceptions.Op;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link SocketImpl} under {@link LoopSocket} and {@link LoopServerSocket}: the JDK's socket
 * contract on a loopsock {@link Socket}. {@code java.net.Socket} keeps the state (connected,
 * closed, shut down) and its messages; this class does the I/O, with the JDK's rules where the
 * socket layer's differ: SO_TIMEOUT bounds reads and accepts only, writes and untimed connects
 * block; an interrupt ends a blocking call only on a virtual thread (and {@code java.net.Socket}
 * then closes the socket, "Closed by interrupt"); end of stream is sticky, even after close.
 *
 * <p>Any thread, as {@code java.net.Socket}: one reader and one writer may block together.
 */
final class LoopSocketImpl extends SocketImpl {
    /** Closes the sockets of impls nobody closed once they are unreachable. */
    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /** The options of each backend's client and server sockets, by "backend/role". */
    private static final java.util.Map<String, Set<SocketOption<?>>> OPTIONS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Loopsock's own options a backend may add to the JDK's. */
    private static final List<SocketOption<?>> LOOPSOCK_OPTIONS =
            List.of(LoopsockOptions.TCP_CORK, LoopsockOptions.TCP_USER_TIMEOUT, LoopsockOptions.TCP_NOTSENT_LOWAT);

    private final LoopGroup group;
    private final boolean server;
    /** The socket, from {@link #create} or an accept; null before. */
    private volatile Socket socket;
    /** SO_TIMEOUT in milliseconds; 0 waits without a bound. */
    private volatile int timeout;
    /** A read returned end of stream: every later read does, even after close (JDK-20). */
    private volatile boolean endOfStream;
    private InputStream in;
    private OutputStream out;

    LoopSocketImpl(LoopGroup group, boolean server) {
        this.group = Objects.requireNonNull(group, "group");
        this.server = server;
    }

    LoopGroup group() {
        return group;
    }

    private Socket socket() throws SocketException {
        Socket current = socket;
        if (current == null) {
            throw new SocketException("Socket not created");
        }
        return current;
    }

    private Duration limit() {
        int millis = timeout;
        return millis == 0 ? null : Duration.ofMillis(millis);
    }

    // ---- create, bind, listen, connect, accept ---------------------------------------------------

    @Override
    protected void create(boolean stream) throws IOException {
        if (!stream) {
            throw new IOException("Datagram socket creation not supported");
        }
        if (socket != null) {
            throw new IOException("Already created");
        }
        Socket created = Socket.create(group);
        created.jdkRules = true;
        adopt(created);
    }

    /**
     * Makes a socket this impl's: its backend's options are known from the first open socket on
     * (a closed socket still lists them, as the JDK's does), and a {@code java.net.Socket} dropped
     * without a close has its socket closed once it is unreachable, as the JDK's own sockets are.
     */
    private void adopt(Socket adopted) {
        socket = adopted;
        supportedOptions();
        CLEANER.register(this, adopted::close);
    }

    @Override
    protected void bind(InetAddress host, int port) throws IOException {
        Socket current = socket();
        try {
            current.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw JdkExceptions.of(e, Op.BIND);
        }
        // As the JDK's impl: until a connect, the address is the local one (ServerSocket reports it).
        address = host;
        localport = port;
        refreshLocalPort();
    }

    /**
     * Reads the local port back from the kernel: a backend that makes its socket only at listen
     * or connect (nio) knows an ephemeral port only then.
     */
    private void refreshLocalPort() {
        try {
            localport = socket().localAddress().getPort();
        } catch (IOException e) {
            // No socket yet: the port asked for stands until listen or connect.
        }
    }

    @Override
    protected int getLocalPort() {
        if (localport == 0) {
            refreshLocalPort();
        }
        return localport;
    }

    @Override
    protected void listen(int backlog) throws IOException {
        try {
            socket().listen(backlog < 1 ? 50 : backlog);
        } catch (IOException e) {
            throw JdkExceptions.of(e, Op.OTHER);
        }
        refreshLocalPort();
    }

    @Override
    protected void connect(String host, int port) throws IOException {
        connect(new InetSocketAddress(host, port), 0);
    }

    @Override
    protected void connect(InetAddress address, int port) throws IOException {
        connect(new InetSocketAddress(address, port), 0);
    }

    @Override
    protected void connect(SocketAddress address, int millis) throws IOException {
        if (!(address instanceof InetSocketAddress remote)) {
            throw new IllegalArgumentException("Unsupported address type");
        }
        Socket current = socket();
        if (remote.isUnresolved()) {
            close();
            throw new UnknownHostException(remote.getHostName());
        }
        Thread thread = Thread.currentThread();
        if (thread.isVirtual() && thread.isInterrupted()) {
            close();
            throw new SocketException("Closed by interrupt");
        }
        try {
            current.connect(remote, millis == 0 ? null : Duration.ofMillis(millis));
        } catch (InterruptedIOException e) {
            close();
            if (!(e instanceof SocketTimeoutException) && thread.isVirtual() && thread.isInterrupted()) {
                // Since JDK 24 the impl, not java.net.Socket, turns a connect's interrupt into this.
                throw new SocketException("Closed by interrupt");
            }
            throw JdkExceptions.of(e, Op.CONNECT);
        } catch (IOException e) {
            close();
            throw JdkExceptions.of(e, Op.CONNECT);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.address = remote.getAddress();
        this.port = remote.getPort();
        refreshLocalPort();
    }

    @Override
    protected void accept(SocketImpl target) throws IOException {
        if (!(target instanceof LoopSocketImpl into)) {
            throw new IOException("a loopsock server socket accepts into a loopsock socket only, not " + target.getClass().getName());
        }
        Socket accepted;
        try {
            accepted = socket().accept(limit());
        } catch (IOException e) {
            throw JdkExceptions.of(e, Op.ACCEPT);
        }
        try {
            into.attach(accepted);
        } catch (IOException e) {
            accepted.close();
            throw JdkExceptions.of(e, Op.ACCEPT);
        }
    }

    /** Takes over an accepted socket. */
    private void attach(Socket accepted) throws IOException {
        accepted.jdkRules = true;
        InetSocketAddress remote = accepted.remoteAddress();
        Socket previous = socket;
        if (previous != null) {
            // A socket made before the accept (an option set on it, say) gives way to the accepted one.
            previous.close();
        }
        adopt(accepted);
        this.address = remote.getAddress();
        this.port = remote.getPort();
        this.localport = accepted.localAddress().getPort();
    }

    // ---- streams ---------------------------------------------------------------------------------

    @Override
    protected synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new In();
        }
        return in;
    }

    @Override
    protected synchronized OutputStream getOutputStream() throws IOException {
        if (out == null) {
            out = new Out();
        }
        return out;
    }

    @Override
    protected int available() throws IOException {
        Socket current = socket();
        if (current.isClosed()) {
            throw new SocketException("Socket closed");
        }
        if (endOfStream) {
            return 0;
        }
        long readable;
        try {
            readable = current.bytesReadable();
        } catch (SocketError e) {
            if (e.code() != ErrorCode.ENOTSUP) {
                throw JdkExceptions.of(e, Op.OTHER);
            }
            // The backend cannot ask the kernel: what the loop has read ahead is what is known.
            readable = current.bytesBuffered();
        }
        return (int) Math.min(Integer.MAX_VALUE, readable);
    }

    private int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (endOfStream) {
            return -1;
        }
        Socket current = socket();
        int got;
        try {
            Thread thread = Thread.currentThread();
            ByteBuffer into = ByteBuffer.wrap(b, off, len);
            if (thread.isVirtual() && thread.isInterrupted()) {
                // As the JDK: bytes already there are read; otherwise the pending interrupt ends it.
                got = readNow(current, into, len);
            } else {
                got = current.recvInto(into, len, limit());
            }
        } catch (IOException e) {
            throw JdkExceptions.of(e, Op.READ);
        }
        if (got == 0) {
            endOfStream = true;
            return -1;
        }
        return got;
    }

    private static int readNow(Socket current, ByteBuffer into, int len) throws IOException {
        try {
            return current.recvInto(into, len, Duration.ZERO);
        } catch (SocketError e) {
            if (e.code() == ErrorCode.EAGAIN) {
                throw new InterruptedIOException("interrupted");
            }
            throw e;
        }
    }

    private void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return;
        }
        try {
            socket().sendAll(ByteBuffer.wrap(b, off, len), null);
        } catch (IOException e) {
            throw JdkExceptions.of(e, Op.WRITE);
        }
    }

    /** The input stream; {@code java.net.Socket} wraps it so that its close closes the socket. */
    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n > 0 ? one[0] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return LoopSocketImpl.this.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return LoopSocketImpl.this.available();
        }

        @Override
        public void close() throws IOException {
            LoopSocketImpl.this.close();
        }
    }

    /** The output stream; {@code java.net.Socket} wraps it so that its close closes the socket. */
    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            LoopSocketImpl.this.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            LoopSocketImpl.this.close();
        }
    }

    // ---- shutdown and close ----------------------------------------------------------------------

    @Override
    protected void shutdownInput() throws IOException {
        try {
            socket().shutdown(Socket.How.READ);
        } catch (IOException e) {
            throw JdkExceptions.of(e, Op.OTHER);
        }
    }

    @Override
    protected void shutdownOutput() throws IOException {
        try {
            socket().shutdown(Socket.How.WRITE);
        } catch (IOException e) {
            throw JdkExceptions.of(e, Op.OTHER);
        }
    }

    /** Urgent data is not supported ({@code supportsUrgentData()} is false, so this is not reached). */
    @Override
    protected void sendUrgentData(int data) throws IOException {
        throw new SocketException("Urgent data not supported");
    }

    @Override
    protected void close() {
        Socket current = socket;
        if (current != null) {
            current.close();
        }
    }

    // ---- options -----------------------------------------------------------------------------------

    @Override
    protected Set<SocketOption<?>> supportedOptions() {
        // The set depends on the backend and the role only: the first socket asks its loop.
        String key = group.provider().name() + (server ? "/server" : "/client");
        Set<SocketOption<?>> known = OPTIONS.get(key);
        if (known != null) {
            return known;
        }
        Set<SocketOption<?>> backend;
        try {
            backend = socket().supportedOptions();
        } catch (IOException e) {
            // Closed or not created: the backend cannot be asked, so nothing can be promised.
            return Set.of();
        }
        Set<SocketOption<?>> supported = new HashSet<>(JdkOptions.of(server));
        supported.retainAll(backend);
        // The channels' SO_OOBINLINE is the JDK's internal option, not one java.net.Socket lists.
        supported.removeIf(option -> option.name().equals("SO_OOBINLINE"));
        for (SocketOption<?> own : LOOPSOCK_OPTIONS) {
            if (backend.contains(own)) {
                supported.add(own);
            }
        }
        known = Set.copyOf(supported);
        OPTIONS.putIfAbsent(key, known);
        return known;
    }

    @Override
    protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        if (!name.type().isInstance(value)) {
            throw new IllegalArgumentException("Invalid value '" + value + "'");
        }
        try {
            socket().setOption(name, value);
        } catch (IOException e) {
            throw JdkExceptions.socket(e);
        }
    }

    @Override
    protected <T> T getOption(SocketOption<T> name) throws IOException {
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        try {
            return socket().option(name);
        } catch (IOException e) {
            throw JdkExceptions.socket(e);
        }
    }

    @Override
    public void setOption(int id, Object value) throws SocketException {
        if (id == SO_TIMEOUT) {
            int millis = intValue(value, "SO_TIMEOUT");
            if (millis < 0) {
                throw new IllegalArgumentException("timeout < 0");
            }
            ensureOpen();
            timeout = millis;
            return;
        }
        if (id == SO_OOBINLINE) {
            // Loopsock never reads urgent data out of band, so only the kernel's default can be kept.
            if (booleanValue(value, "SO_OOBINLINE")) {
                throw new SocketException("SO_OOBINLINE is not supported by loopsock");
            }
            ensureOpen();
            return;
        }
        try {
            switch (id) {
                case TCP_NODELAY -> set(StandardSocketOptions.TCP_NODELAY, booleanValue(value, "TCP_NODELAY"));
                case SO_KEEPALIVE -> set(StandardSocketOptions.SO_KEEPALIVE, booleanValue(value, "SO_KEEPALIVE"));
                case SO_REUSEADDR -> set(StandardSocketOptions.SO_REUSEADDR, booleanValue(value, "SO_REUSEADDR"));
                case SO_REUSEPORT -> set(StandardSocketOptions.SO_REUSEPORT, booleanValue(value, "SO_REUSEPORT"));
                case IP_TOS -> set(StandardSocketOptions.IP_TOS, intValue(value, "IP_TOS"));
                case SO_SNDBUF -> set(StandardSocketOptions.SO_SNDBUF, positive(intValue(value, "SO_SNDBUF"), "SO_SNDBUF"));
                case SO_RCVBUF -> set(StandardSocketOptions.SO_RCVBUF, positive(intValue(value, "SO_RCVBUF"), "SO_RCVBUF"));
                case SO_LINGER -> set(StandardSocketOptions.SO_LINGER,
                        value instanceof Boolean on && !on ? -1 : intValue(value, "SO_LINGER"));
                default -> throw new SocketException("Unknown option " + id);
            }
        } catch (SocketError e) {
            throw JdkExceptions.socket(e);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw JdkExceptions.socket(e);
        }
    }

    @Override
    public Object getOption(int id) throws SocketException {
        if (id == SO_TIMEOUT) {
            ensureOpen();
            return timeout;
        }
        if (id == SO_OOBINLINE) {
            ensureOpen();
            return Boolean.FALSE;
        }
        try {
            return switch (id) {
                case TCP_NODELAY -> get(StandardSocketOptions.TCP_NODELAY);
                case SO_KEEPALIVE -> get(StandardSocketOptions.SO_KEEPALIVE);
                case SO_REUSEADDR -> get(StandardSocketOptions.SO_REUSEADDR);
                case SO_REUSEPORT -> get(StandardSocketOptions.SO_REUSEPORT);
                case IP_TOS -> get(StandardSocketOptions.IP_TOS);
                case SO_SNDBUF -> get(StandardSocketOptions.SO_SNDBUF);
                case SO_RCVBUF -> get(StandardSocketOptions.SO_RCVBUF);
                case SO_LINGER -> {
                    int linger = get(StandardSocketOptions.SO_LINGER);
                    yield linger < 0 ? Boolean.FALSE : (Object) linger;
                }
                case SO_BINDADDR -> socket().localAddress().getAddress();
                default -> throw new SocketException("Unknown option " + id);
            };
        } catch (SocketError e) {
            throw JdkExceptions.socket(e);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw JdkExceptions.socket(e);
        }
    }

    private <T> void set(SocketOption<T> name, T value) throws IOException {
        socket().setOption(name, value);
    }

    private <T> T get(SocketOption<T> name) throws IOException {
        return socket().option(name);
    }

    private void ensureOpen() throws SocketException {
        if (socket().isClosed()) {
            throw new SocketException("Socket closed");
        }
    }

    private static boolean booleanValue(Object value, String what) throws SocketException {
        if (!(value instanceof Boolean on)) {
            throw new SocketException("Bad value for " + what);
        }
        return on;
    }

    private static int intValue(Object value, String what) throws SocketException {
        if (!(value instanceof Integer number)) {
            throw new SocketException("Bad value for " + what);
        }
        return number;
    }

    private static int positive(int value, String what) throws SocketException {
        if (value <= 0) {
            throw new SocketException(what + " <= 0");
        }
        return value;
    }

    // ---- queries -----------------------------------------------------------------------------------

    /**
     * Loopsock's extension: the bytes not yet acknowledged by the peer (the loop's queue plus the
     * kernel's send queue).
     */
    long bytesUnsent() throws IOException {
        try {
            return socket().bytesUnsent();
        } catch (IOException e) {
            throw JdkExceptions.of(e, Op.OTHER);
        }
    }

    /** The socket layer's socket under this impl, for {@link LoopSocket#unwrap()}. */
    Socket unwrap() throws SocketException {
        return socket();
    }

    @Override
    public String toString() {
        return "LoopSocketImpl[" + group.provider().name() + ", " + socket + "]";
    }

    /** The option sets the JDK's own sockets have on this OS, read once from its channels. */
    private static final class JdkOptions {
        private static final Set<SocketOption<?>> CLIENT;
        private static final Set<SocketOption<?>> SERVER;

        static {
            // Channels, not java.net sockets: a factory installed by LoopSockets.install would
            // otherwise answer with loopsock's own sets.
            try (SocketChannel client = SocketChannel.open(); ServerSocketChannel server = ServerSocketChannel.open()) {
                CLIENT = Set.copyOf(client.supportedOptions());
                // The JDK's server socket adds IP_TOS to its channel's set (NioSocketImpl).
                Set<SocketOption<?>> serverOptions = new HashSet<>(server.supportedOptions());
                serverOptions.add(StandardSocketOptions.IP_TOS);
                SERVER = Set.copyOf(serverOptions);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a JDK socket to learn its options", e);
            }
        }

        static Set<SocketOption<?>> of(boolean server) {
            return server ? SERVER : CLIENT;
        }
    }
}
