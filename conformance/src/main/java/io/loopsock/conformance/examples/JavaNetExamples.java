package io.loopsock.conformance.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.loopsock.conformance.testing.SocketScope;
import io.loopsock.conformance.testing.Threads;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.socket.LoopGroup;
import io.loopsock.socket.LoopServerSocket;
import io.loopsock.socket.LoopSocket;
import io.loopsock.socket.LoopSocketFactory;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code java.net} adapters ({@link LoopSocket}, {@link LoopServerSocket},
 * {@link LoopSocketFactory}) against the JDK's socket rules (JDK-1 … JDK-34 of
 * ../shared/reference/java-anchors.md), on the backend under test, with the JDK's own sockets as
 * the peer.
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class JavaNetExamples {
    private static final int SHORT_MILLIS = 150;
    private static final long BOUND_SECONDS = 10;

    private SocketScope scope;
    private LoopGroup group;
    private ExecutorService threads;

    @BeforeEach
    void startGroup(LoopProvider backend) throws Exception {
        scope = new SocketScope(backend);
        group = scope.group();
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stopGroup() throws Exception {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
        scope.close();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        return scope.closing(closeable);
    }

    private ServerSocket jdkServer() throws IOException {
        return closing(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    }

    private LoopServerSocket loopServer() throws IOException {
        return closing(new LoopServerSocket(group, 0, 50, InetAddress.getLoopbackAddress()));
    }

    private LoopSocket loopSocket() throws IOException {
        return closing(new LoopSocket(group));
    }

    /** A loopsock client connected to a JDK socket: the client, then the JDK's end. */
    private Socket[] clientPair() throws IOException {
        ServerSocket server = jdkServer();
        LoopSocket client = loopSocket();
        client.connect(server.getLocalSocketAddress(), 5_000);
        Socket peer = closing(server.accept());
        return new Socket[] {client, peer};
    }

    /** A JDK client connected to a loopsock server socket: the accepted loopsock end, then the client. */
    private Socket[] acceptedPair() throws IOException {
        LoopServerSocket server = loopServer();
        Socket peer = closing(new Socket());
        peer.connect(server.getLocalSocketAddress(), 5_000);
        Socket accepted = closing(server.accept());
        return new Socket[] {accepted, peer};
    }

    private <T> Future<T> inBackground(java.util.concurrent.Callable<T> call) {
        return threads.submit(call);
    }

    /** Runs a call on a thread of its own and returns once that thread has blocked in it. */
    private <T> Future<T> blockedIn(java.util.concurrent.Callable<T> call) throws Exception {
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        Future<T> future = inBackground(() -> {
            thread.complete(Thread.currentThread());
            return call.call();
        });
        Threads.awaitBlocked(thread.get(BOUND_SECONDS, TimeUnit.SECONDS), BOUND_SECONDS);
        return future;
    }

    private static <T> T within(Future<T> future) throws Exception {
        return future.get(BOUND_SECONDS, TimeUnit.SECONDS);
    }

    private static Throwable failureOf(Future<?> future) throws Exception {
        try {
            future.get(BOUND_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        assertThat(bytes).hasSize(n);
        return bytes;
    }

    // ---- timeouts ------------------------------------------------------------------------------

    @Test
    @DisplayName("rule JDK-1: a read timeout throws 'Read timed out' and leaves the socket usable")
    void readTimeoutLeavesSocketUsable() throws Exception {
        Socket[] pair = clientPair();
        pair[0].setSoTimeout(SHORT_MILLIS);
        InputStream in = pair[0].getInputStream();
        long start = System.nanoTime();
        assertThatThrownBy(in::read).isExactlyInstanceOf(SocketTimeoutException.class).hasMessage("Read timed out");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT_MILLIS - 10);
        assertThat(pair[0].isClosed()).isFalse();
        pair[1].getOutputStream().write(42);
        assertThat(in.read()).isEqualTo(42);
    }

    @Test
    @DisplayName("rule JDK-2, JDK-5: timed accepts on one server all time out after about T; the server stays usable; accepted sockets do not inherit SO_TIMEOUT")
    void timedAccepts() throws Exception {
        LoopServerSocket server = loopServer();
        int timeout = 400;
        server.setSoTimeout(timeout);
        List<Future<Throwable>> acceptors = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            acceptors.add(inBackground(() -> catchThrowable(server::accept)));
        }
        for (Future<Throwable> acceptor : acceptors) {
            assertThat(within(acceptor)).isExactlyInstanceOf(SocketTimeoutException.class).hasMessage("Accept timed out");
        }
        // Three serialized timeouts would take 3 T; together they take about one.
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3L * timeout);
        Socket client = closing(new Socket());
        client.connect(server.getLocalSocketAddress(), 5_000);
        Socket accepted = closing(server.accept());
        assertThat(accepted.getSoTimeout()).isZero();
        assertThat(server.getSoTimeout()).isEqualTo(timeout);
    }

    @Test
    @DisplayName("rule JDK-3: SO_TIMEOUT 0 is infinite, negative is IllegalArgumentException, and a change affects the next read only")
    void timeoutValues() throws Exception {
        Socket[] pair = clientPair();
        Socket socket = pair[0];
        assertThat(socket.getSoTimeout()).isZero();
        assertThatThrownBy(() -> socket.setSoTimeout(-1)).isInstanceOf(IllegalArgumentException.class).hasMessage("timeout can't be negative");
        socket.setSoTimeout(Integer.MAX_VALUE);
        assertThat(socket.getSoTimeout()).isEqualTo(Integer.MAX_VALUE);
        socket.setSoTimeout(0);
        InputStream in = socket.getInputStream();
        Future<Integer> read = blockedIn(in::read);
        socket.setSoTimeout(50);
        // The read started untimed: it is still blocked well after the new timeout.
        assertThatThrownBy(() -> read.get(4L * 50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        pair[1].getOutputStream().write(7);
        assertThat(within(read)).isEqualTo(7);
    }

    @Test
    @DisplayName("rule JDK-4: SO_TIMEOUT does not bound writes: a write to a peer that does not read blocks until the peer reads")
    void timeoutDoesNotBoundWrites() throws Exception {
        Socket[] pair = clientPair();
        pair[0].setSoTimeout(50);
        byte[] big = new byte[32 << 20];
        new Random(4).nextBytes(big);
        OutputStream out = pair[0].getOutputStream();
        Future<Boolean> write = inBackground(() -> {
            out.write(big);
            return true;
        });
        assertThatThrownBy(() -> write.get(4L * 50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        byte[] got = pair[1].getInputStream().readNBytes(big.length);
        assertThat(within(write)).isTrue();
        assertThat(Arrays.equals(got, big)).isTrue();
    }

    @Test
    @DisplayName("rule JDK-6: a connect timeout throws 'Connect timed out'; a negative one is IllegalArgumentException")
    void connectTimeout() throws Exception {
        // A listener with a backlog of 1 that never accepts: once its queue is full the kernel drops
        // new SYNs, so a connect hangs until its timeout.
        ServerSocket full = closing(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        boolean filled = false;
        for (int i = 0; i < 16 && !filled; i++) {
            Socket filler = closing(new Socket());
            try {
                filler.connect(full.getLocalSocketAddress(), 200);
            } catch (SocketTimeoutException e) {
                filled = true;
            }
        }
        assertThat(filled).as("the listen queue filled up").isTrue();
        LoopSocket socket = loopSocket();
        assertThatThrownBy(() -> socket.connect(full.getLocalSocketAddress(), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("connect: timeout can't be negative");
        long start = System.nanoTime();
        assertThatThrownBy(() -> socket.connect(full.getLocalSocketAddress(), 300))
                .isExactlyInstanceOf(SocketTimeoutException.class).hasMessage("Connect timed out");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(290);
        assertThat(socket.isClosed()).isTrue();
    }

    @Test
    @DisplayName("rule JDK-7, JDK-8: a refused connect throws ConnectException 'Connection refused' and closes the socket")
    void refusedConnect() throws Exception {
        int port;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = gone.getLocalPort();
        }
        LoopSocket socket = loopSocket();
        assertThatThrownBy(() -> socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000))
                .isExactlyInstanceOf(ConnectException.class).hasMessage("Connection refused");
        assertThat(socket.isClosed()).isTrue();
        assertThatThrownBy(() -> socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
                .isInstanceOf(SocketException.class).hasMessage("Socket is closed");
    }

    // ---- shutdown ------------------------------------------------------------------------------

    @Test
    @DisplayName("rule JDK-9: after shutdownInput reads return -1 and available() 0, even with bytes buffered; stream and repeat calls fail with set messages")
    void shutdownInput() throws Exception {
        Socket[] pair = clientPair();
        Socket socket = pair[0];
        InputStream in = socket.getInputStream();
        pair[1].getOutputStream().write(new byte[] {1, 2, 3});
        awaitAvailable(in, 3);
        socket.shutdownInput();
        assertThat(socket.isInputShutdown()).isTrue();
        assertThat(in.read()).isEqualTo(-1);
        assertThat(in.read(new byte[8])).isEqualTo(-1);
        assertThat(in.available()).isZero();
        assertThatThrownBy(socket::getInputStream).isInstanceOf(SocketException.class).hasMessage("Socket input is shutdown");
        assertThatThrownBy(socket::shutdownInput).isInstanceOf(SocketException.class).hasMessage("Socket input is already shutdown");
        // The peer can go on writing, and our output still works.
        pair[1].getOutputStream().write(4);
        socket.getOutputStream().write(5);
        assertThat(pair[1].getInputStream().read()).isEqualTo(5);
    }

    @Test
    @DisplayName("rule JDK-10: shutdownInput wakes a blocked reader, timed or untimed, with -1")
    void shutdownInputWakesReader() throws Exception {
        for (int timeout : new int[] {0, 60_000}) {
            Socket[] pair = clientPair();
            pair[0].setSoTimeout(timeout);
            InputStream in = pair[0].getInputStream();
            Future<Integer> read = blockedIn(in::read);
            pair[0].shutdownInput();
            assertThat(within(read)).isEqualTo(-1);
        }
    }

    @Test
    @DisplayName("rule JDK-11: shutdownOutput sends FIN; input keeps working; writes through the old stream fail; set messages")
    void shutdownOutput() throws Exception {
        Socket[] pair = clientPair();
        Socket socket = pair[0];
        OutputStream out = socket.getOutputStream();
        out.write(9);
        socket.shutdownOutput();
        assertThat(socket.isOutputShutdown()).isTrue();
        InputStream peerIn = pair[1].getInputStream();
        assertThat(peerIn.read()).isEqualTo(9);
        assertThat(peerIn.read()).isEqualTo(-1);
        pair[1].getOutputStream().write(10);
        assertThat(socket.getInputStream().read()).isEqualTo(10);
        Throwable failure = catchThrowable(() -> out.write(11));
        assertThat(failure).isInstanceOf(SocketException.class);
        assertThat(failure.getMessage()).doesNotContain("closed");
        assertThatThrownBy(socket::getOutputStream).isInstanceOf(SocketException.class).hasMessage("Socket output is shutdown");
        assertThatThrownBy(socket::shutdownOutput).isInstanceOf(SocketException.class).hasMessage("Socket output is already shutdown");
    }

    @Test
    @DisplayName("rule JDK-12, JDK-28: state errors: shutdown unconnected or closed, connect twice or closed, streams unconnected, with the JDK's messages")
    void stateErrors() throws Exception {
        LoopSocket unconnected = loopSocket();
        assertThatThrownBy(unconnected::shutdownInput).isInstanceOf(SocketException.class).hasMessage("Socket is not connected");
        assertThatThrownBy(unconnected::shutdownOutput).isInstanceOf(SocketException.class).hasMessage("Socket is not connected");
        assertThatThrownBy(unconnected::getInputStream).isInstanceOf(SocketException.class).hasMessage("Socket is not connected");
        assertThatThrownBy(unconnected::getOutputStream).isInstanceOf(SocketException.class).hasMessage("Socket is not connected");
        Socket[] pair = clientPair();
        assertThatThrownBy(() -> pair[0].connect(pair[1].getLocalSocketAddress()))
                .isInstanceOf(SocketException.class).hasMessage("Already connected");
        pair[0].close();
        assertThatThrownBy(pair[0]::shutdownInput).isInstanceOf(SocketException.class).hasMessage("Socket is closed");
        assertThatThrownBy(pair[0]::shutdownOutput).isInstanceOf(SocketException.class).hasMessage("Socket is closed");
        assertThatThrownBy(() -> pair[0].connect(pair[1].getLocalSocketAddress()))
                .isInstanceOf(SocketException.class).hasMessage("Socket is closed");
    }

    // ---- available -----------------------------------------------------------------------------

    @Test
    @DisplayName("rule JDK-13, JDK-14: available() counts what can be read now; 0 at EOF; 'Socket closed' after close")
    void available() throws Exception {
        Socket[] pair = clientPair();
        InputStream in = pair[0].getInputStream();
        assertThat(in.available()).isZero();
        pair[1].getOutputStream().write(new byte[1000]);
        awaitAvailable(in, 1000);
        assertThat(readExactly(in, 400)).hasSize(400);
        assertThat(in.available()).isEqualTo(600);
        readExactly(in, 600);
        pair[1].close();
        assertThat(in.read()).isEqualTo(-1);
        assertThat(in.available()).isZero();
        pair[0].close();
        assertThatThrownBy(in::available).isInstanceOf(SocketException.class).hasMessage("Socket closed");
    }

    private static void awaitAvailable(InputStream in, int n) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        int available;
        while ((available = in.available()) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("available() stayed at " + available + ", expected " + n);
            }
            Thread.onSpinWait();
        }
        assertThat(available).isEqualTo(n);
    }

    // ---- close ---------------------------------------------------------------------------------

    @Test
    @DisplayName("rule JDK-15: close is idempotent; closing either stream closes the socket; the streams are cached")
    void closeAndStreams() throws Exception {
        Socket[] pair = clientPair();
        Socket socket = pair[0];
        assertThat(socket.getInputStream()).isSameAs(socket.getInputStream());
        assertThat(socket.getOutputStream()).isSameAs(socket.getOutputStream());
        socket.getInputStream().close();
        assertThat(socket.isClosed()).isTrue();
        socket.close();
        socket.close();
        assertThat(pair[1].getInputStream().read()).isEqualTo(-1);
        Socket[] other = clientPair();
        other[0].getOutputStream().close();
        assertThat(other[0].isClosed()).isTrue();
    }

    @Test
    @DisplayName("rule JDK-16: close from another thread makes a blocked read and a blocked accept throw 'Socket closed'; then 'Socket is closed'")
    void asyncClose() throws Exception {
        Socket[] pair = clientPair();
        InputStream in = pair[0].getInputStream();
        Future<Integer> read = blockedIn(in::read);
        pair[0].close();
        assertThat(failureOf(read)).isExactlyInstanceOf(SocketException.class).hasMessage("Socket closed");
        assertThatThrownBy(in::read).isInstanceOf(SocketException.class).hasMessage("Socket closed");
        assertThatThrownBy(pair[0]::getInputStream).isInstanceOf(SocketException.class).hasMessage("Socket is closed");

        LoopServerSocket server = loopServer();
        Future<Socket> accept = blockedIn(server::accept);
        server.close();
        assertThat(failureOf(accept)).isExactlyInstanceOf(SocketException.class).hasMessage("Socket closed");
        assertThatThrownBy(server::accept).isInstanceOf(SocketException.class).hasMessage("Socket is closed");
    }

    @Test
    @DisplayName("rule JDK-16, JDK-29: close from another thread wakes a writer blocked on a peer that does not read")
    void asyncCloseWakesWriter() throws Exception {
        Socket[] pair = clientPair();
        OutputStream out = pair[0].getOutputStream();
        Future<Boolean> write = blockedIn(() -> {
            out.write(new byte[64 << 20]);
            return true;
        });
        pair[0].close();
        assertThat(failureOf(write)).isInstanceOf(SocketException.class).hasMessage("Socket closed");
    }

    @Test
    @DisplayName("rule JDK-18: on a closed socket, option methods throw SocketException, streams IOException, getters answer with the last values")
    void closedSocketContract() throws Exception {
        Socket[] pair = clientPair();
        Socket socket = pair[0];
        int localPort = socket.getLocalPort();
        int port = socket.getPort();
        InetAddress remote = socket.getInetAddress();
        socket.close();
        assertThatThrownBy(() -> socket.setTcpNoDelay(true)).isExactlyInstanceOf(SocketException.class);
        assertThatThrownBy(socket::getTcpNoDelay).isExactlyInstanceOf(SocketException.class);
        assertThatThrownBy(() -> socket.setSoTimeout(1)).isExactlyInstanceOf(SocketException.class);
        assertThatThrownBy(socket::getSoTimeout).isExactlyInstanceOf(SocketException.class);
        assertThatThrownBy(socket::getReceiveBufferSize).isExactlyInstanceOf(SocketException.class);
        assertThatThrownBy(() -> socket.getOption(StandardSocketOptions.SO_KEEPALIVE)).isInstanceOf(IOException.class);
        assertThatThrownBy(socket::getOutputStream).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> socket.bind(null)).isInstanceOf(IOException.class);
        assertThat(socket.getLocalPort()).isEqualTo(localPort);
        assertThat(socket.getPort()).isEqualTo(port);
        assertThat(socket.getInetAddress()).isEqualTo(remote);
        assertThat(socket.getLocalAddress().isAnyLocalAddress()).isTrue();
        assertThat(socket.isConnected()).isTrue();
        assertThat(socket.isBound()).isTrue();
        assertThat(socket.isClosed()).isTrue();
        assertThat(withoutLoopsockOptions(socket.supportedOptions())).as("a closed socket lists its options, as the JDK's")
                .isEqualTo(pair[1].supportedOptions());
    }

    @Test
    @DisplayName("rule JDK-19: a default close sends FIN (the peer reads -1); SO_LINGER 0 sends an RST (the peer reads 'Connection reset')")
    void lingerZeroResets() throws Exception {
        Socket[] graceful = clientPair();
        graceful[0].getOutputStream().write(1);
        graceful[0].close();
        InputStream in = graceful[1].getInputStream();
        assertThat(in.read()).isEqualTo(1);
        assertThat(in.read()).isEqualTo(-1);

        Socket[] abortive = clientPair();
        abortive[0].setSoLinger(true, 0);
        assertThat(abortive[0].getSoLinger()).isZero();
        abortive[0].close();
        assertThatThrownBy(() -> abortive[1].getInputStream().read()).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }

    @Test
    @DisplayName("rule JDK-19: a lingering close with unsent bytes does not hold up the other sockets of its loop")
    void lingeringCloseDoesNotBlockTheLoop() throws Exception {
        Socket[] lingering = clientPair();
        Socket[] other = clientPair();
        lingering[0].setSoLinger(true, 3);
        OutputStream out = lingering[0].getOutputStream();
        // The peer never reads: the writer blocks with bytes queued in the loop and the kernel.
        Future<Throwable> writer = blockedIn(() -> catchThrowable(() -> out.write(new byte[64 << 20])));
        Future<Boolean> closer = inBackground(() -> {
            lingering[0].close();
            return true;
        });
        other[1].getOutputStream().write(1);
        assertThat(other[0].getInputStream().read()).isEqualTo(1);
        other[0].getOutputStream().write(2);
        assertThat(other[1].getInputStream().read()).isEqualTo(2);
        if (group.provider().capabilities().contains(Capability.BYTES_UNSENT)) {
            // The layer lingers on the closing thread, counting the unsent bytes down; without that
            // count (nio) the kernel decides how long the close takes.
            assertThat(closer.isDone()).as("the close still lingers while the loop serves the other socket").isFalse();
        }
        assertThat(within(closer)).isTrue();
        assertThat(within(writer)).isInstanceOf(SocketException.class);
    }

    // ---- end of stream and reset ---------------------------------------------------------------

    @Test
    @DisplayName("rule JDK-20: EOF is sticky: read keeps returning -1, even after close; a 0-byte read returns 0 even when closed")
    void stickyEndOfStream() throws Exception {
        Socket[] pair = acceptedPair();
        pair[1].close();
        InputStream in = pair[0].getInputStream();
        assertThat(in.read()).isEqualTo(-1);
        assertThat(in.read(new byte[4])).isEqualTo(-1);
        assertThat(in.available()).isZero();
        pair[0].close();
        assertThat(in.read()).isEqualTo(-1);
        assertThat(in.read(new byte[4], 0, 0)).isZero();
    }

    @Test
    @DisplayName("rule JDK-21, JDK-22: after a peer's reset the data before it is read first, then 'Connection reset', stickily; writes fail")
    void peerReset() throws Exception {
        Socket[] pair = acceptedPair();
        pair[1].getOutputStream().write(new byte[] {1, 2, 3});
        pair[1].setSoLinger(true, 0);
        pair[1].close();
        InputStream in = pair[0].getInputStream();
        byte[] got = new byte[3];
        int n = 0;
        while (n < 3) {
            int r = in.read(got, n, 3 - n);
            assertThat(r).isPositive();
            n += r;
        }
        assertThat(got).containsExactly(1, 2, 3);
        assertThatThrownBy(in::read).isExactlyInstanceOf(SocketException.class).hasMessage("Connection reset");
        assertThatThrownBy(in::read).isExactlyInstanceOf(SocketException.class).hasMessage("Connection reset");
        OutputStream out = pair[0].getOutputStream();
        Throwable failure = null;
        for (int i = 0; i < 100 && failure == null; i++) {
            failure = catchThrowable(() -> out.write(new byte[1024]));
        }
        assertThat(failure).isInstanceOf(SocketException.class);
        assertThat(failure.getMessage()).doesNotContain("closed");
    }

    // ---- interrupts ----------------------------------------------------------------------------

    @Test
    @DisplayName("rule JDK-23: a platform thread's interrupt does not abort a timed read; it times out, the status stays set, the socket stays open")
    void platformThreadsAreNotInterruptible() throws Exception {
        Socket[] pair = clientPair();
        pair[0].setSoTimeout(600);
        InputStream in = pair[0].getInputStream();
        CompletableFuture<Thread> reader = new CompletableFuture<>();
        Future<Object[]> read = inBackground(() -> {
            reader.complete(Thread.currentThread());
            Throwable failure = catchThrowable(in::read);
            return new Object[] {failure, Thread.interrupted()};
        });
        Thread thread = reader.get(BOUND_SECONDS, TimeUnit.SECONDS);
        Threads.awaitBlocked(thread, BOUND_SECONDS);
        thread.interrupt();
        Object[] outcome = within(read);
        assertThat((Throwable) outcome[0]).isExactlyInstanceOf(SocketTimeoutException.class).hasMessage("Read timed out");
        assertThat(outcome[1]).isEqualTo(true);
        assertThat(pair[0].isClosed()).isFalse();
        pair[1].getOutputStream().write(3);
        assertThat(in.read()).isEqualTo(3);
    }

    @Test
    @DisplayName("rule JDK-24: on a virtual thread an interrupt closes the socket and throws 'Closed by interrupt', in read, accept and connect; the status stays set")
    void virtualThreadInterrupts() throws Exception {
        Socket[] pair = clientPair();
        InputStream in = pair[0].getInputStream();
        CompletableFuture<Object[]> readOutcome = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            Throwable failure = catchThrowable(in::read);
            readOutcome.complete(new Object[] {failure, Thread.currentThread().isInterrupted()});
        });
        Threads.awaitBlocked(reader, BOUND_SECONDS);
        reader.interrupt();
        Object[] outcome = readOutcome.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertThat((Throwable) outcome[0]).isExactlyInstanceOf(SocketException.class).hasMessage("Closed by interrupt");
        assertThat(outcome[1]).isEqualTo(true);
        assertThat(pair[0].isClosed()).isTrue();

        LoopServerSocket server = loopServer();
        CompletableFuture<Throwable> acceptOutcome = new CompletableFuture<>();
        Thread acceptor = Thread.ofVirtual().start(() -> acceptOutcome.complete(catchThrowable(server::accept)));
        Threads.awaitBlocked(acceptor, BOUND_SECONDS);
        acceptor.interrupt();
        assertThat(acceptOutcome.get(BOUND_SECONDS, TimeUnit.SECONDS)).isExactlyInstanceOf(SocketException.class).hasMessage("Closed by interrupt");
        assertThat(server.isClosed()).isTrue();

        ServerSocket target = jdkServer();
        LoopSocket connecting = loopSocket();
        CompletableFuture<Throwable> connectOutcome = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            Thread.currentThread().interrupt();
            connectOutcome.complete(catchThrowable(() -> connecting.connect(target.getLocalSocketAddress())));
        });
        assertThat(connectOutcome.get(BOUND_SECONDS, TimeUnit.SECONDS)).isExactlyInstanceOf(SocketException.class).hasMessage("Closed by interrupt");
        assertThat(connecting.isClosed()).isTrue();
    }

    @Test
    @DisplayName("rule JDK-24: on a virtual thread with an interrupt pending, bytes already there are read; with none the read closes the socket")
    void virtualThreadPendingInterrupt() throws Exception {
        Socket[] pair = clientPair();
        InputStream in = pair[0].getInputStream();
        pair[1].getOutputStream().write(5);
        awaitAvailable(in, 1);
        CompletableFuture<Object[]> outcome = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            Thread.currentThread().interrupt();
            try {
                int first = in.read();
                Throwable second = catchThrowable(in::read);
                outcome.complete(new Object[] {first, second});
            } catch (IOException e) {
                outcome.completeExceptionally(e);
            }
        });
        Object[] got = outcome.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertThat(got[0]).isEqualTo(5);
        assertThat((Throwable) got[1]).isExactlyInstanceOf(SocketException.class).hasMessage("Closed by interrupt");
        assertThat(pair[0].isClosed()).isTrue();
    }

    // ---- options -------------------------------------------------------------------------------

    @Test
    @DisplayName("rule JDK-25, JDK-26: both option APIs agree; defaults as the JDK's; unsupported is UOE, a wrong type IAE")
    void options() throws Exception {
        Socket[] pair = clientPair();
        Socket socket = pair[0];
        assertThat(socket.getTcpNoDelay()).isFalse();
        assertThat(socket.getKeepAlive()).isFalse();
        assertThat(socket.getSoLinger()).isEqualTo(-1);
        assertThat(socket.getSoTimeout()).isZero();
        socket.setTcpNoDelay(true);
        assertThat(socket.getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
        socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        assertThat(socket.getKeepAlive()).isTrue();
        socket.setSoLinger(true, 100_000);
        assertThat(socket.getSoLinger()).isEqualTo(65535);
        socket.setSoLinger(false, 0);
        assertThat(socket.getSoLinger()).isEqualTo(-1);
        socket.setReceiveBufferSize(1);
        assertThat(socket.getReceiveBufferSize()).isEqualTo(socket.getOption(StandardSocketOptions.SO_RCVBUF)).isPositive();
        assertThatThrownBy(() -> socket.setReceiveBufferSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> socket.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1))
                .isExactlyInstanceOf(UnsupportedOperationException.class).hasMessage("'IP_MULTICAST_TTL' not supported");
        @SuppressWarnings({"unchecked", "rawtypes"})
        SocketOption<Object> raw = (SocketOption) StandardSocketOptions.TCP_NODELAY;
        assertThatThrownBy(() -> socket.setOption(raw, "yes")).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> socket.sendUrgentData(1)).isInstanceOf(SocketException.class);

        LoopServerSocket server = loopServer();
        assertThat(server.getReuseAddress()).isTrue();
        try (ServerSocket jdk = new ServerSocket()) {
            assertThat(jdk.getReuseAddress()).isEqualTo(server.getReuseAddress());
        }
    }

    @Test
    @DisplayName("rule JDK-27: supportedOptions() lists the JDK's own sets for client and server sockets on this OS")
    void supportedOptions() throws Exception {
        Set<SocketOption<?>> jdkClient;
        Set<SocketOption<?>> jdkServer;
        try (Socket socket = new Socket(); ServerSocket server = new ServerSocket()) {
            jdkClient = new HashSet<>(socket.supportedOptions());
            jdkServer = new HashSet<>(server.supportedOptions());
        }
        Set<SocketOption<?>> client = withoutLoopsockOptions(loopSocket().supportedOptions());
        Set<SocketOption<?>> server = withoutLoopsockOptions(closing(new LoopServerSocket(group)).supportedOptions());
        assertThat(client).isEqualTo(jdkClient);
        assertThat(server).isEqualTo(jdkServer);
    }

    private static Set<SocketOption<?>> withoutLoopsockOptions(Set<SocketOption<?>> options) {
        Set<SocketOption<?>> jdkOnly = new HashSet<>(options);
        jdkOnly.removeIf(option -> option.getClass().getName().startsWith("io.loopsock"));
        return jdkOnly;
    }

    // ---- threading, constructors and factories ------------------------------------------------

    @Test
    @DisplayName("rule JDK-29: full duplex: a reader and a writer block together; concurrent readers each get distinct bytes")
    void fullDuplex() throws Exception {
        Socket[] pair = clientPair();
        InputStream in = pair[0].getInputStream();
        int total = 4000;
        List<Future<List<Integer>>> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            readers.add(inBackground(() -> {
                List<Integer> got = new ArrayList<>();
                int b;
                while ((b = in.read()) >= 0) {
                    got.add(b);
                }
                return got;
            }));
        }
        Future<Boolean> writer = inBackground(() -> {
            pair[0].getOutputStream().write(new byte[total]);
            return true;
        });
        InputStream peerIn = pair[1].getInputStream();
        assertThat(peerIn.readNBytes(total)).hasSize(total);
        assertThat(within(writer)).isTrue();
        OutputStream peerOut = pair[1].getOutputStream();
        for (int i = 0; i < total; i++) {
            peerOut.write(i % 256);
        }
        pair[1].shutdownOutput();
        int read = 0;
        for (Future<List<Integer>> reader : readers) {
            read += within(reader).size();
        }
        assertThat(read).isEqualTo(total);
    }

    @Test
    @DisplayName("rule JDK-30, JDK-31, JDK-33: the adapters are built on the protected constructors; accept returns a LoopSocket; datagram impls are refused")
    void constructorsAndAccept() throws Exception {
        LoopServerSocket server = loopServer();
        assertThat(server.getInetAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        Socket client = closing(new LoopSocketFactory(group).createSocket());
        assertThat(client).isInstanceOf(LoopSocket.class);
        assertThat(client.isConnected()).isFalse();
        client.connect(server.getLocalSocketAddress(), 5_000);
        LoopSocket accepted = closing(server.accept());
        assertThat(accepted.getPort()).isEqualTo(client.getLocalPort());
        assertThat(accepted.getLocalPort()).isEqualTo(server.getLocalPort());
        assertThat(accepted.getRemoteSocketAddress()).isEqualTo(client.getLocalSocketAddress());
        assertThat(client.getRemoteSocketAddress()).isEqualTo(server.getLocalSocketAddress());
        assertThat(accepted.unwrap().remoteAddress()).isEqualTo(client.getLocalSocketAddress());
        client.getOutputStream().write(new byte[] {1, 2});
        assertThat(readExactly(accepted.getInputStream(), 2)).containsExactly(1, 2);
        Socket connected = closing(new LoopSocketFactory(group).createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        assertThat(connected.isConnected()).isTrue();
        closing(server.accept());
        assertThat(accepted.group()).isSameAs(group);
    }

    @Test
    @DisplayName("rule JDK-34: TLS runs on top of the adapters (SSLSocketFactory.createSocket(socket, host, port, true)), as client and as server")
    void tlsOverTheAdapters() throws Exception {
        javax.net.ssl.SSLContext tls = io.loopsock.conformance.testing.Tls.context();
        byte[] sent = new byte[300_000];
        new Random(34).nextBytes(sent);

        // A loopsock client under the JDK's TLS client, against the JDK's TLS server.
        javax.net.ssl.SSLServerSocket tlsServer = closing((javax.net.ssl.SSLServerSocket)
                tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Future<byte[]> echoed = inBackground(() -> echoOnce(tlsServer.accept(), sent.length));
        LoopSocket plain = loopSocket();
        plain.connect(tlsServer.getLocalSocketAddress(), 5_000);
        javax.net.ssl.SSLSocket client = closing((javax.net.ssl.SSLSocket)
                tls.getSocketFactory().createSocket(plain, "localhost", tlsServer.getLocalPort(), true));
        client.startHandshake();
        assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.3");
        // Options and timeouts go through to the socket underneath.
        client.setTcpNoDelay(true);
        assertThat(plain.getTcpNoDelay()).isTrue();
        client.setSoTimeout(SHORT_MILLIS);
        assertThat(plain.getSoTimeout()).isEqualTo(SHORT_MILLIS);
        assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        client.setSoTimeout((int) TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        client.getOutputStream().write(sent);
        client.getOutputStream().flush();
        assertThat(readExactly(client.getInputStream(), sent.length)).isEqualTo(sent);
        client.close();
        // autoClose: closing the TLS socket closed ours, after its close_notify.
        assertThat(plain.isClosed()).isTrue();
        assertThat(within(echoed)).isEqualTo(sent);

        // A loopsock server's accepted socket under the JDK's TLS server side, against a JDK TLS client.
        LoopServerSocket server = loopServer();
        Future<byte[]> roundTrip = inBackground(() -> {
            try (javax.net.ssl.SSLSocket jdkClient = (javax.net.ssl.SSLSocket)
                    tls.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                jdkClient.setSoTimeout((int) TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
                jdkClient.getOutputStream().write(sent);
                jdkClient.getOutputStream().flush();
                return jdkClient.getInputStream().readNBytes(sent.length);
            }
        });
        LoopSocket accepted = closing(server.accept());
        javax.net.ssl.SSLSocket serverSide = closing((javax.net.ssl.SSLSocket)
                tls.getSocketFactory().createSocket(accepted, null, accepted.getPort(), true));
        serverSide.setUseClientMode(false);
        serverSide.setSoTimeout((int) TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        assertThat(within(inBackground(() -> echoOnce(serverSide, sent.length)))).isEqualTo(sent);
        assertThat(within(roundTrip)).isEqualTo(sent);
        assertThat(accepted.isClosed()).isTrue();
    }

    /** Reads n bytes, writes them back, waits for the peer's close and closes; returns what it read. */
    private static byte[] echoOnce(Socket socket, int n) throws IOException {
        try (socket) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
            byte[] got = socket.getInputStream().readNBytes(n);
            socket.getOutputStream().write(got);
            socket.getOutputStream().flush();
            // The peer's close_notify (or its end of stream) ends the exchange.
            socket.getInputStream().read();
            return got;
        }
    }

    @Test
    @DisplayName("socket: a 1 ms read timeout used as a peek (pgjdbc, HttpClient, OkHttp) loses no byte of a stream")
    void oneMillisecondPeekLosesNothing() throws Exception {
        Socket[] pair = clientPair();
        byte[] sent = new byte[1 << 20];
        new Random(1).nextBytes(sent);
        int chunk = 1500;
        // The reader lets each chunk go just before its peek, so arrival races the 1 ms timeout;
        // every tenth chunk goes only after the peek, which then surely times out.
        java.util.concurrent.Semaphore go = new java.util.concurrent.Semaphore(0);
        Future<Boolean> writer = inBackground(() -> {
            OutputStream out = pair[1].getOutputStream();
            for (int off = 0; off < sent.length; off += chunk) {
                go.acquire();
                out.write(sent, off, Math.min(chunk, sent.length - off));
            }
            pair[1].shutdownOutput();
            return true;
        });
        Socket socket = pair[0];
        InputStream in = socket.getInputStream();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[2 * chunk];
        int peeks = 0;
        for (int round = 0; ; round++) {
            boolean late = round % 10 == 9;
            if (!late) {
                go.release();
            }
            // The idiom: a 1 ms timed one-byte read, then the timeout restored.
            socket.setSoTimeout(1);
            int r;
            try {
                r = in.read(buffer, 0, 1);
            } catch (SocketTimeoutException e) {
                peeks++;
                r = 0;
            }
            socket.setSoTimeout(0);
            if (late) {
                go.release();
            }
            if (r < 0) {
                break;
            }
            got.write(buffer, 0, r);
            if (got.size() == sent.length) {
                go.release();
                assertThat(in.read()).isEqualTo(-1);
                break;
            }
            int n = in.read(buffer, 0, Math.min(buffer.length, sent.length - got.size()));
            if (n < 0) {
                break;
            }
            got.write(buffer, 0, n);
        }
        assertThat(within(writer)).isTrue();
        assertThat(peeks).as("peeks that timed out").isPositive();
        assertThat(got.size()).isEqualTo(sent.length);
        assertThat(Arrays.equals(got.toByteArray(), sent)).as("byte-exact after %d timed-out peeks", peeks).isTrue();
    }
}
