package io.loopsock.conformance.properties;

import io.loopsock.conformance.Check;
import io.loopsock.conformance.Rules;
import io.loopsock.conformance.engine.Gen;
import io.loopsock.conformance.engine.Property;
import io.loopsock.socket.LoopGroup;
import io.loopsock.socket.LoopSocket;
import io.loopsock.spi.LoopProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The {@code java.net} adapter against the JDK's own {@code java.net.Socket}, method by method: a
 * random program of calls on a connected client socket (options, timeouts, reads, writes,
 * {@code available}, shutdowns, close, the state and address getters, the streams), with a JDK
 * peer that writes, reads and half-closes, runs once on a {@link LoopSocket} and once on a plain
 * JDK socket; every call must return the same value or throw the same exception class with the
 * same message.
 *
 * <p>The programs are deterministic on both sides: a read asks for bytes the peer has already
 * written (or, with nothing written, must time out or see the end), {@code available} is sampled
 * until it settles at the bytes written and not yet read. Urgent data, {@code SO_OOBINLINE} and
 * the peer's bytes after both our shutdowns are left out, and after a small {@code SO_RCVBUF}
 * {@code available} is compared only as "some" or "none": documented deviations (docs/socket.md).
 *
 * <p>Any thread: each try opens its own loop group and closes it, with every socket, before the
 * next.
 */
public final class AdapterDifferential {
    private static final long BOUND_MILLIS = 10_000;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** Below this SO_RCVBUF, what has arrived depends on flow control (see {@code available}). */
    private static final int READ_AHEAD_FLOOR = 64 * 1024;

    private AdapterDifferential() {}

    /**
     * Lists the differential check with the rules it covers.
     *
     * @param backend the backend under test
     * @return the checks
     */
    public static List<Check> checks(LoopProvider backend) {
        List<String> rules = IntStream.of(1, 3, 9, 11, 12, 13, 15, 18, 20, 25, 26, 28).mapToObj(Rules::jdk).toList();
        return List.of(new Check(rules, Set.of(), methods(backend)));
    }

    /** What a step does. */
    public enum Kind {
        SET_TIMEOUT, GET_TIMEOUT, SET_NODELAY, GET_NODELAY, SET_KEEPALIVE, GET_KEEPALIVE, SET_LINGER, GET_LINGER,
        SET_RCVBUF, GET_RCVBUF, SET_SNDBUF, GET_SNDBUF, SET_REUSEADDR, GET_REUSEADDR, SET_TRAFFIC_CLASS,
        GET_TRAFFIC_CLASS, GET_OPTION, PEER_WRITE, READ, AVAILABLE, WRITE, PEER_SHUTDOWN_OUTPUT, SHUTDOWN_INPUT,
        SHUTDOWN_OUTPUT, INPUT_STREAM, OUTPUT_STREAM, ADDRESSES, CLOSE
    }

    /**
     * One call.
     *
     * @param kind the call
     * @param a its first argument (a timeout, a size, a flag as 0 or 1, an option's index)
     * @param b its second argument, where it has one
     */
    public record Step(Kind kind, int a, int b) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + "(" + a + (b != 0 ? ", " + b : "") + ")";
        }
    }

    /** The options GET_OPTION asks for by index: standard, extended, and one a TCP socket lacks. */
    private static final List<SocketOption<?>> OPTIONS = List.of(
            StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.IP_TOS,
            StandardSocketOptions.SO_REUSEADDR, jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE,
            jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, StandardSocketOptions.IP_MULTICAST_LOOP);

    private static Gen<Step> steps() {
        Gen<Integer> flag = Gen.ints(0, 1);
        return Gen.frequency(List.of(
                weighted(2, Kind.SET_TIMEOUT, Gen.elements(0, 1, 30, -1), Gen.constant(0)),
                weighted(1, Kind.GET_TIMEOUT, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SET_NODELAY, flag, Gen.constant(0)),
                weighted(1, Kind.GET_NODELAY, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SET_KEEPALIVE, flag, Gen.constant(0)),
                weighted(1, Kind.GET_KEEPALIVE, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SET_LINGER, flag, Gen.elements(0, 1, 70_000, -1)),
                weighted(1, Kind.GET_LINGER, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SET_RCVBUF, Gen.elements(1, 4096, 1 << 20, 0, -5), Gen.constant(0)),
                weighted(1, Kind.GET_RCVBUF, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SET_SNDBUF, Gen.elements(1, 4096, 1 << 20, 0), Gen.constant(0)),
                weighted(1, Kind.GET_SNDBUF, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SET_REUSEADDR, flag, Gen.constant(0)),
                weighted(1, Kind.GET_REUSEADDR, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SET_TRAFFIC_CLASS, Gen.elements(0, 16, 256, -1), Gen.constant(0)),
                weighted(1, Kind.GET_TRAFFIC_CLASS, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.GET_OPTION, Gen.ints(0, OPTIONS.size() - 1), Gen.constant(0)),
                weighted(4, Kind.PEER_WRITE, Gen.ints(1, 6000), Gen.constant(0)),
                weighted(4, Kind.READ, Gen.ints(1, 8000), Gen.constant(0)),
                weighted(2, Kind.AVAILABLE, Gen.constant(0), Gen.constant(0)),
                weighted(3, Kind.WRITE, Gen.ints(0, 6000), Gen.constant(0)),
                weighted(1, Kind.PEER_SHUTDOWN_OUTPUT, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SHUTDOWN_INPUT, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.SHUTDOWN_OUTPUT, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.INPUT_STREAM, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.OUTPUT_STREAM, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.ADDRESSES, Gen.constant(0), Gen.constant(0)),
                weighted(1, Kind.CLOSE, Gen.constant(0), Gen.constant(0))));
    }

    private static Gen.Weighted<Step> weighted(int weight, Kind kind, Gen<Integer> a, Gen<Integer> b) {
        return new Gen.Weighted<>(weight, a.flatMap(x -> b.map(y -> new Step(kind, x, y))));
    }

    /**
     * Every adapter method called in a random order answers as {@code java.net.Socket} does
     * (JDK-1, 3, 9, 11, 12, 13, 15, 18, 20, 25, 26, 28).
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<List<Step>> methods(LoopProvider backend) {
        return Property.forAll("jdk differential: java.net adapter methods, " + backend.name() + " = java.net.Socket",
                Gen.lists(steps(), 1, 24), program -> {
                    List<String> jdk;
                    try (Socket socket = new Socket()) {
                        jdk = run(socket, program);
                    }
                    List<String> ours;
                    try (LoopGroup group = LoopGroup.open(backend, 1); Socket socket = new LoopSocket(group)) {
                        ours = run(socket, program);
                    }
                    for (int i = 0; i < program.size(); i++) {
                        if (!ours.get(i).equals(jdk.get(i))) {
                            throw new AssertionError("step " + i + ", " + program.get(i) + ": " + backend.name() + " gave <" + ours.get(i)
                                    + "> where java.net.Socket gave <" + jdk.get(i) + ">\n" + backend.name() + ": " + ours + "\njdk: " + jdk);
                        }
                    }
                });
    }

    /** Runs a program on a client socket against a JDK peer; one line per step. */
    private static List<String> run(Socket socket, List<Step> program) throws Exception {
        List<String> seen = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK)) {
            socket.connect(server.getLocalSocketAddress(), (int) BOUND_MILLIS);
            try (Socket peer = server.accept()) {
                peer.setSoTimeout((int) BOUND_MILLIS);
                Run run = new Run(socket, peer, server.getLocalPort());
                for (int i = 0; i < program.size(); i++) {
                    seen.add(run.step(program.get(i), i) + " " + run.state());
                }
            }
        }
        return seen;
    }

    /** One side's run: the socket, its peer and what the peer has written and we have read. */
    private static final class Run {
        private final Socket socket;
        private final Socket peer;
        private final int serverPort;
        private final ByteArrayOutputStream peerWrote = new ByteArrayOutputStream();
        private int read;
        private boolean peerShut;
        /** A receive buffer small enough that flow control, not the peer, decides how much arrived. */
        private boolean smallReceiveBuffer;

        Run(Socket socket, Socket peer, int serverPort) {
            this.socket = socket;
            this.peer = peer;
            this.serverPort = serverPort;
        }

        String state() {
            return "[" + (socket.isClosed() ? "closed " : "") + (socket.isConnected() ? "connected " : "")
                    + (socket.isBound() ? "bound " : "") + (socket.isInputShutdown() ? "in-shut " : "")
                    + (socket.isOutputShutdown() ? "out-shut" : "") + "]";
        }

        String step(Step step, int index) {
            try {
                return String.valueOf(call(step, index));
            } catch (Exception e) {
                return e.getClass().getName() + ": " + e.getMessage();
            }
        }

        private Object call(Step step, int index) throws Exception {
            int a = step.a();
            return switch (step.kind()) {
                case SET_TIMEOUT -> {
                    socket.setSoTimeout(a);
                    yield "ok";
                }
                case GET_TIMEOUT -> socket.getSoTimeout();
                case SET_NODELAY -> {
                    socket.setTcpNoDelay(a == 1);
                    yield "ok";
                }
                case GET_NODELAY -> socket.getTcpNoDelay();
                case SET_KEEPALIVE -> {
                    socket.setKeepAlive(a == 1);
                    yield "ok";
                }
                case GET_KEEPALIVE -> socket.getKeepAlive();
                case SET_LINGER -> {
                    socket.setSoLinger(a == 1, step.b());
                    yield "ok";
                }
                case GET_LINGER -> socket.getSoLinger();
                case SET_RCVBUF -> {
                    socket.setReceiveBufferSize(a);
                    smallReceiveBuffer |= a < READ_AHEAD_FLOOR;
                    yield "ok";
                }
                case GET_RCVBUF -> socket.getReceiveBufferSize();
                case SET_SNDBUF -> {
                    socket.setSendBufferSize(a);
                    yield "ok";
                }
                case GET_SNDBUF -> socket.getSendBufferSize();
                case SET_REUSEADDR -> {
                    socket.setReuseAddress(a == 1);
                    yield "ok";
                }
                case GET_REUSEADDR -> socket.getReuseAddress();
                case SET_TRAFFIC_CLASS -> {
                    socket.setTrafficClass(a);
                    yield "ok";
                }
                case GET_TRAFFIC_CLASS -> socket.getTrafficClass();
                case GET_OPTION -> socket.getOption(OPTIONS.get(a));
                case PEER_WRITE -> peerWrite(a, index);
                case READ -> read(a);
                case AVAILABLE -> available();
                case WRITE -> write(a, index);
                case PEER_SHUTDOWN_OUTPUT -> {
                    if (!peerShut) {
                        peer.shutdownOutput();
                        peerShut = true;
                    }
                    yield "ok";
                }
                case SHUTDOWN_INPUT -> {
                    socket.shutdownInput();
                    yield "ok";
                }
                case SHUTDOWN_OUTPUT -> {
                    socket.shutdownOutput();
                    yield "ok";
                }
                case INPUT_STREAM -> socket.getInputStream() != null;
                case OUTPUT_STREAM -> socket.getOutputStream() != null;
                case ADDRESSES -> (socket.getPort() == serverPort) + " " + socket.getInetAddress() + " " + (socket.getLocalPort() > 0)
                        + " " + socket.getLocalAddress() + " " + (socket.getRemoteSocketAddress() != null);
                case CLOSE -> {
                    socket.close();
                    yield "ok";
                }
            };
        }

        private String peerWrite(int n, int index) throws IOException {
            if (peerShut) {
                return "skipped";
            }
            if (socket.isInputShutdown() && socket.isOutputShutdown() && !socket.isClosed()) {
                // A documented deviation (docs/socket.md): shutdownInput stays in the socket layer,
                // so the kernel does not answer these bytes with the reset the JDK's socket sends.
                return "skipped";
            }
            byte[] bytes = new byte[n];
            new Random(index).nextBytes(bytes);
            peer.getOutputStream().write(bytes);
            peerWrote.write(bytes);
            return "ok";
        }

        private String read(int n) throws Exception {
            int pending = peerWrote.size() - read;
            InputStream in = socket.getInputStream();
            if (pending == 0 && !peerShut && socket.getSoTimeout() == 0 && !socket.isInputShutdown()) {
                // Nothing will come: an untimed read would block for good on both sides.
                return "skipped";
            }
            if (pending == 0) {
                if (peerShut) {
                    // The end: wait for it without the socket's timeout, so that its arrival
                    // time does not decide between a timeout and -1.
                    int timeout = socket.getSoTimeout();
                    socket.setSoTimeout((int) BOUND_MILLIS);
                    try {
                        return "read " + in.read(new byte[n]);
                    } finally {
                        socket.setSoTimeout(timeout);
                    }
                }
                return "read " + in.read(new byte[n]);
            }
            int want = Math.min(n, pending);
            byte[] got = new byte[want];
            int filled = 0;
            // The bytes are on their way; how fast flow control lets them through must not decide
            // between data and a timeout, so they are waited for without the socket's timeout.
            int timeout = socket.getSoTimeout();
            socket.setSoTimeout((int) BOUND_MILLIS);
            try {
                while (filled < want) {
                    int r = in.read(got, filled, want - filled);
                    if (r < 0) {
                        break;
                    }
                    filled += r;
                }
            } finally {
                socket.setSoTimeout(timeout);
            }
            byte[] expected = Arrays.copyOfRange(peerWrote.toByteArray(), read, read + filled);
            read += filled;
            return "read " + filled + (Arrays.equals(Arrays.copyOf(got, filled), expected) ? "" : " WRONG BYTES");
        }

        private String available() throws Exception {
            InputStream in = socket.getInputStream();
            int expected = socket.isInputShutdown() ? 0 : peerWrote.size() - read;
            if (smallReceiveBuffer) {
                // A documented deviation (docs/socket.md): the loop reads ahead past SO_RCVBUF, so
                // flow control holds back less; only "something is there" is compared.
                expected = Math.min(expected, 1);
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
            int available;
            while ((available = in.available()) < expected && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            return "available " + (smallReceiveBuffer ? (available > 0 ? "some" : "none") : String.valueOf(available));
        }

        private String write(int n, int index) throws Exception {
            byte[] bytes = new byte[n];
            new Random(-index).nextBytes(bytes);
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            byte[] got = peer.getInputStream().readNBytes(n);
            return "wrote " + n + (Arrays.equals(got, bytes) ? "" : " PEER GOT OTHER BYTES");
        }
    }
}
