package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.SocketScope;
import io.loopsock.conformance.testing.Threads;
import io.loopsock.socket.LoopGroup;
import io.loopsock.socket.Socket;
import io.loopsock.socket.SocketError;
import io.loopsock.spi.LoopProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The socket layer's Python semantics (rules 157–190, 220–225) on the backend under test, with
 * the JDK's blocking sockets as the peer where one is needed.
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class SocketExamples {
    private static final Duration SHORT = Duration.ofMillis(150);
    private static final long BOUND_SECONDS = 10;

    private SocketScope scope;
    private LoopGroup group;

    @BeforeEach
    void startGroup(LoopProvider backend) throws Exception {
        scope = new SocketScope(backend);
        group = scope.group();
    }

    @AfterEach
    void stopGroup() throws Exception {
        scope.close();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        return scope.closing(closeable);
    }

    private Socket listener() throws IOException {
        return scope.listener();
    }

    private Socket[] connectedPair() throws IOException {
        return scope.connectedPair();
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static ErrorCode codeOf(Throwable e) {
        return ((SocketError) e).code();
    }

    @Test
    @DisplayName("rule 157: three modes: a null timeout blocks, zero is non-blocking, positive bounds; setBlocking maps onto them")
    void threeModes() throws Exception {
        Socket socket = closing(Socket.create(group));
        assertThat(socket.timeout()).isNull();
        assertThat(socket.isBlocking()).isTrue();
        socket.setBlocking(false);
        assertThat(socket.timeout()).isEqualTo(Duration.ZERO);
        assertThat(socket.isBlocking()).isFalse();
        socket.setTimeout(SHORT);
        assertThat(socket.timeout()).isEqualTo(SHORT);
        assertThat(socket.isBlocking()).isTrue();
        socket.setBlocking(true);
        assertThat(socket.timeout()).isNull();
    }

    @Test
    @DisplayName("rule 158: new sockets take the default timeout; a negative timeout is rejected")
    void defaultTimeout() throws Exception {
        try {
            Socket.setDefaultTimeout(SHORT);
            assertThat(closing(Socket.create(group)).timeout()).isEqualTo(SHORT);
        } finally {
            Socket.setDefaultTimeout(null);
        }
        assertThat(closing(Socket.create(group)).timeout()).isNull();
        assertThatThrownBy(() -> Socket.setDefaultTimeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        Socket socket = closing(Socket.create(group));
        assertThatThrownBy(() -> socket.setTimeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("rule 159, 160: each recv gets the whole timeout and fails with a socket timeout, not a SocketError and not ETIMEDOUT")
    void timeoutPerOperation() throws Exception {
        Socket[] pair = connectedPair();
        pair[0].setTimeout(SHORT);
        for (int i = 0; i < 2; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> pair[0].recv(10)).isExactlyInstanceOf(SocketTimeoutException.class).isNotInstanceOf(SocketError.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
        }
        pair[1].sendAll(ascii("late"));
        assertThat(text(pair[0].recv(10))).as("the socket is usable after a timeout").isEqualTo("late");
    }

    @Test
    @DisplayName("rule 161: in non-blocking mode recv, accept and a connect in progress fail at once with EAGAIN")
    void nonBlockingWouldBlock() throws Exception {
        Socket[] pair = connectedPair();
        pair[0].setBlocking(false);
        assertThatThrownBy(() -> pair[0].recv(10)).isInstanceOf(SocketError.class).extracting(SocketExamples::codeOf).isEqualTo(ErrorCode.EAGAIN);
        Socket listener = listener();
        listener.setBlocking(false);
        assertThatThrownBy(listener::accept).isInstanceOf(SocketError.class).extracting(SocketExamples::codeOf).isEqualTo(ErrorCode.EAGAIN);
        pair[1].sendAll(ascii("now"));
        pair[0].setTimeout(Duration.ofSeconds(BOUND_SECONDS));
        assertThat(text(pair[0].recv(10))).isEqualTo("now");
    }

    @Test
    @DisplayName("rule 162: accept with a timeout and nothing pending times out after about the timeout, and the listener stays usable")
    void acceptTimesOut() throws Exception {
        Socket listener = listener();
        listener.setTimeout(SHORT);
        long start = System.nanoTime();
        assertThatThrownBy(listener::accept).isInstanceOf(SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
        try (java.net.Socket client = new java.net.Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
            listener.setTimeout(Duration.ofSeconds(BOUND_SECONDS));
            Socket accepted = closing(listener.accept());
            assertThat(accepted.remoteAddress().getPort()).isEqualTo(client.getLocalPort());
        }
    }

    @Test
    @DisplayName("rule 163, 164: createConnection applies its timeout and source address; recv without data then times out")
    void createConnectionAppliesTimeoutAndSource() throws Exception {
        Socket listener = listener();
        int sourcePort;
        try (ServerSocket probe = new ServerSocket(0, 1, loopback().getAddress())) {
            sourcePort = probe.getLocalPort();
        }
        InetSocketAddress source = new InetSocketAddress(loopback().getAddress(), sourcePort);
        Socket client = closing(Socket.createConnection(group, listener.localAddress(), SHORT, source));
        assertThat(client.timeout()).isEqualTo(SHORT);
        assertThat(client.localAddress()).isEqualTo(source);
        assertThatThrownBy(() -> client.recv(1)).isInstanceOf(SocketTimeoutException.class);
        Socket blocking = closing(Socket.createConnection(group, listener.localAddress(), null, null));
        assertThat(blocking.timeout()).isNull();
    }

    @Test
    @DisplayName("rule 165: accepted sockets take the default timeout if one is set, else block, whatever the listener's timeout")
    void acceptedSocketsTakeTheDefault() throws Exception {
        Socket listener = listener();
        listener.setTimeout(Duration.ofSeconds(BOUND_SECONDS));
        try (java.net.Socket first = new java.net.Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
            assertThat(closing(listener.accept()).timeout()).as("no default: blocking (client port %d)", first.getLocalPort()).isNull();
        }
        try {
            Socket.setDefaultTimeout(SHORT);
            try (java.net.Socket second = new java.net.Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
                assertThat(closing(listener.accept()).timeout()).as("client port %d", second.getLocalPort()).isEqualTo(SHORT);
            }
        } finally {
            Socket.setDefaultTimeout(null);
        }
    }

    @Test
    @DisplayName("rule 166: a timeout far beyond INT_MAX milliseconds is clamped, not an error; recv and sendAll still work")
    void hugeTimeoutsAreClamped() throws Exception {
        Socket[] pair = connectedPair();
        pair[0].setTimeout(Duration.ofDays(1_000_000));
        pair[1].setTimeout(Duration.ofSeconds(Long.MAX_VALUE / 2));
        pair[1].sendAll(ascii("ok"));
        assertThat(text(pair[0].recv(2))).isEqualTo("ok");
        pair[0].sendAll(ascii("back"));
        assertThat(text(pair[1].recv(4))).isEqualTo("back");
    }

    @Test
    @DisplayName("rule 169, 170, 222: a refused connect is ECONNREFUSED; connectEx returns it instead of throwing, and nothing on success")
    void refusedConnect() throws Exception {
        InetSocketAddress closed;
        try (ServerSocket gone = new ServerSocket(0, 1, loopback().getAddress())) {
            closed = (InetSocketAddress) gone.getLocalSocketAddress();
        }
        Socket socket = closing(Socket.create(group));
        InetSocketAddress target = closed;
        assertThatThrownBy(() -> socket.connect(target)).isInstanceOf(SocketError.class).extracting(SocketExamples::codeOf)
                .isEqualTo(ErrorCode.ECONNREFUSED);
        assertThat(closing(Socket.create(group)).connectEx(closed)).contains(ErrorCode.ECONNREFUSED);
        assertThat(closing(Socket.create(group)).connectEx(listener().localAddress())).isEmpty();
    }

    @Test
    @DisplayName("rule 173: recv(n) returns between 1 and n bytes when data is there, and keeps the rest for the next call")
    void recvReturnsAtMostN() throws Exception {
        Socket[] pair = connectedPair();
        pair[1].sendAll(ascii("0123456789"));
        StringBuilder got = new StringBuilder();
        while (got.length() < 10) {
            byte[] chunk = pair[0].recv(4);
            assertThat(chunk.length).isBetween(1, 4);
            got.append(text(chunk));
        }
        assertThat(got).hasToString("0123456789");
    }

    @Test
    @DisplayName("rule 174, 221: after the peer closed, recv returns empty bytes every time and never raises")
    void endOfStreamIsEmptyEveryTime() throws Exception {
        Socket[] pair = connectedPair();
        pair[1].sendAll(ascii("last"));
        pair[1].close();
        assertThat(text(pair[0].recv(10))).isEqualTo("last");
        for (int i = 0; i < 3; i++) {
            assertThat(pair[0].recv(10)).isEmpty();
        }
    }

    @Test
    @DisplayName("rule 175, 176: a negative recv size is IllegalArgumentException; recvInto takes the buffer's length for 0 and rejects more")
    void recvSizes() throws Exception {
        Socket[] pair = connectedPair();
        assertThatThrownBy(() -> pair[0].recv(-1)).isInstanceOf(IllegalArgumentException.class);
        ByteBuffer buffer = ByteBuffer.allocate(4);
        assertThatThrownBy(() -> pair[0].recvInto(buffer, 5)).isInstanceOf(IllegalArgumentException.class);
        pair[1].sendAll(ascii("abcdef"));
        int n = pair[0].recvInto(buffer, 0);
        assertThat(n).isBetween(1, 4);
        assertThat(buffer.position()).isEqualTo(n);
        assertThat(pair[0].recv(0)).isEmpty();
    }

    @Test
    @DisplayName("rule 177, 179: send returns a count between 1 and the length for data, 0 for none; sendAll of nothing succeeds in every mode")
    void sendCounts() throws Exception {
        Socket[] pair = connectedPair();
        ByteBuffer data = ascii("payload");
        int sent = pair[0].send(data);
        assertThat(sent).isBetween(1, 7);
        assertThat(data.position()).isEqualTo(sent);
        assertThat(pair[0].send(ByteBuffer.allocate(0))).isZero();
        pair[0].sendAll(ByteBuffer.allocate(0));
        pair[0].setTimeout(SHORT);
        pair[0].sendAll(ByteBuffer.allocate(0));
        pair[0].setBlocking(false);
        pair[0].sendAll(ByteBuffer.allocate(0));
    }

    @Test
    @DisplayName("rule 178, 181: sendAll returns once every byte is sent, 4 MiB arrive byte-exact; a non-blocking sendAll of a little data succeeds")
    void sendAllSendsEverything() throws Exception {
        Socket listener = listener();
        byte[] data = new byte[4 * 1024 * 1024];
        new Random(178).nextBytes(data);
        try (java.net.Socket peer = new java.net.Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
            Socket server = closing(listener.accept());
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    InputStream in = peer.getInputStream();
                    return in.readNBytes(data.length + 5);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteBuffer buffer = ByteBuffer.wrap(data);
            server.sendAll(buffer);
            assertThat(buffer.hasRemaining()).isFalse();
            server.setBlocking(false);
            server.sendAll(ascii("small"));
            byte[] got = received.get(BOUND_SECONDS, TimeUnit.SECONDS);
            assertThat(got).hasSize(data.length + 5);
            assertThat(java.util.Arrays.equals(got, 0, data.length, data, 0, data.length)).isTrue();
            assertThat(new String(got, data.length, 5, StandardCharsets.US_ASCII)).isEqualTo("small");
        }
    }

    @Test
    @DisplayName("socket: a reader behind a stream reads on its own thread from then on (where the backend can); 8 MiB arrive once and in order through recv and recvInto, and a reply after it caught up still wakes it")
    void readerBehindAStreamGetsEveryByteInOrder() throws Exception {
        Socket listener = listener();
        byte[] data = new byte[8 * 1024 * 1024];
        new Random(182).nextBytes(data);
        try (java.net.Socket peer = new java.net.Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
            Socket server = closing(listener.accept());
            server.setTimeout(Duration.ofSeconds(BOUND_SECONDS));
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    peer.getOutputStream().write(data);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // The loop reads ahead until its buffer is full: the reader starts behind.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
            while (server.bytesReadable() < 256 * 1024) {
                assertThat(System.nanoTime()).as("256 KiB readable within the bound").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream(data.length);
            Random sizes = new Random(7);
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (got.size() < data.length) {
                if (sizes.nextBoolean()) {
                    byte[] bytes = server.recv(1 + sizes.nextInt(40_000));
                    assertThat(bytes).as("recv before the end").isNotEmpty();
                    got.writeBytes(bytes);
                } else {
                    buffer.clear().position(sizes.nextInt(100)).limit(buffer.position() + 1 + sizes.nextInt(60_000));
                    int offset = buffer.position();
                    int n = server.recvInto(buffer);
                    assertThat(n).as("recvInto before the end").isPositive().isEqualTo(buffer.position() - offset);
                    got.write(buffer.array(), offset, n);
                }
            }
            writing.get(BOUND_SECONDS, TimeUnit.SECONDS);
            assertThat(java.util.Arrays.equals(got.toByteArray(), data)).as("8 MiB, every byte once, in order").isTrue();

            // Caught up: the next recv finds nothing and waits, and a reply wakes it.
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    reply.complete(server.recv(100));
                } catch (IOException e) {
                    reply.completeExceptionally(e);
                }
            });
            Threads.awaitBlocked(reader, BOUND_SECONDS);
            peer.getOutputStream().write("reply".getBytes(StandardCharsets.US_ASCII));
            assertThat(text(reply.get(BOUND_SECONDS, TimeUnit.SECONDS))).isEqualTo("reply");
            peer.shutdownOutput();
            assertThat(server.recv(10)).as("then the end").isEmpty();
            assertThat(server.recv(10)).as("and the end again").isEmpty();
        }
    }

    @Test
    @DisplayName("rule 180: sendAll to a peer that does not read times out after about the timeout, one deadline for the call, not per chunk")
    void sendAllHasOneDeadline() throws Exception {
        Socket[] pair = connectedPair();
        pair[0].setTimeout(SHORT);
        long start = System.nanoTime();
        assertThatThrownBy(() -> pair[0].sendAll(ByteBuffer.allocate(64 * 1024 * 1024))).isInstanceOf(SocketTimeoutException.class);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isGreaterThanOrEqualTo(SHORT).isLessThan(Duration.ofSeconds(BOUND_SECONDS));
    }

    @Test
    @DisplayName("rule 182: a reader and a writer on one socket progress together; closing while a thread reads never hangs")
    void readerAndWriterTogether() throws Exception {
        Socket[] pair = connectedPair();
        byte[] data = new byte[1024 * 1024];
        CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
            int total = 0;
            try {
                while (total < data.length) {
                    byte[] chunk = pair[0].recv(65536);
                    if (chunk.length == 0) {
                        break;
                    }
                    total += chunk.length;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return total;
        });
        CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
            try {
                int total = 0;
                while (total < data.length) {
                    byte[] chunk = pair[1].recv(65536);
                    total += chunk.length;
                    pair[1].sendAll(ByteBuffer.wrap(chunk));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        pair[0].sendAll(ByteBuffer.wrap(data));
        assertThat(reader.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(data.length);
        echo.get(BOUND_SECONDS, TimeUnit.SECONDS);
        CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                pair[0].recv(1);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        pair[0].close();
        assertThat(blocked.get(BOUND_SECONDS, TimeUnit.SECONDS)).isInstanceOf(SocketError.class);
    }

    @Test
    @DisplayName("rule 184, 185, 187: close is idempotent, try-with-resources closes, and afterwards every operation is EBADF")
    void closedSocket() throws Exception {
        Socket[] pair = connectedPair();
        Socket socket;
        try (Socket s = pair[0]) {
            socket = s;
        }
        assertThat(socket.isClosed()).isTrue();
        socket.close();
        List<ThrowingCall> calls = List.of(() -> socket.recv(1), () -> socket.sendAll(ascii("x")), () -> socket.send(ascii("x")),
                socket::localAddress, socket::remoteAddress, () -> socket.shutdown(Socket.How.WRITE), socket::listen, socket::accept,
                () -> socket.bind(loopback()), () -> socket.option(java.net.StandardSocketOptions.TCP_NODELAY));
        for (ThrowingCall call : calls) {
            assertThatThrownBy(call::call).isInstanceOf(SocketError.class).extracting(SocketExamples::codeOf).isEqualTo(ErrorCode.EBADF);
        }
    }

    @Test
    @DisplayName("rule 190: socketPair returns two Unix-domain ends connected both ways")
    void socketPairIsConnectedBothWays() throws Exception {
        Socket[] pair = Socket.socketPair(group);
        closing(pair[0]);
        closing(pair[1]);
        pair[0].sendAll(ascii("ping"));
        assertThat(text(pair[1].recv(4))).isEqualTo("ping");
        pair[1].sendAll(ascii("pong"));
        assertThat(text(pair[0].recv(4))).isEqualTo("pong");
    }

    @Test
    @DisplayName("rule 223, 221: closing a socket promptly wakes a virtual thread blocked in recv with EBADF, not an end of stream")
    void closeWakesBlockedReader() throws Exception {
        Socket[] pair = connectedPair();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(pair[0].recv(10));
            } catch (IOException e) {
                outcome.complete(e);
            }
        });
        Threads.awaitBlocked(reader, BOUND_SECONDS);
        pair[0].close();
        Object result = outcome.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertThat(result).isInstanceOf(SocketError.class);
        assertThat(codeOf((Throwable) result)).isEqualTo(ErrorCode.EBADF);
    }

    @Test
    @DisplayName("rule 224: shutdown(READ) wakes a blocked reader with the end of stream; shutdown(WRITE) gives the peer the end after the data")
    void shutdownWakesTheMatchingDirection() throws Exception {
        Socket[] pair = connectedPair();
        CompletableFuture<byte[]> outcome = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(pair[0].recv(10));
            } catch (IOException e) {
                outcome.completeExceptionally(e);
            }
        });
        Threads.awaitBlocked(reader, BOUND_SECONDS);
        pair[0].shutdown(Socket.How.READ);
        assertThat(outcome.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEmpty();
        pair[1].sendAll(ascii("data"));
        pair[1].shutdown(Socket.How.WRITE);
        assertThatThrownBy(() -> pair[1].sendAll(ascii("more"))).isInstanceOf(SocketError.class).extracting(SocketExamples::codeOf)
                .isEqualTo(ErrorCode.EPIPE);
        pair[0].setTimeout(Duration.ofSeconds(BOUND_SECONDS));
        assertThat(pair[0].recv(10)).as("reads after shutdown(READ) stay at the end").isEmpty();
    }

    @Test
    @DisplayName("rule 225 (decided): concurrent recv callers are served in turn; together they get every byte once")
    void concurrentReaders() throws Exception {
        Socket[] pair = connectedPair();
        ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            readers.add(Thread.ofVirtual().start(() -> {
                try {
                    got.add(text(pair[0].recv(1)));
                } catch (IOException e) {
                    got.add("error " + e);
                }
            }));
        }
        for (Thread reader : readers) {
            Threads.awaitBlocked(reader, BOUND_SECONDS);
        }
        pair[1].sendAll(ascii("abcd"));
        for (Thread reader : readers) {
            assertThat(reader.join(Duration.ofSeconds(BOUND_SECONDS))).isTrue();
        }
        assertThat(String.join("", got.stream().sorted().toList())).isEqualTo("abcd");
    }

    @Test
    @DisplayName("rule 160, 220 (decided): errors are SocketErrors carrying the code; a socket timeout is a SocketTimeoutException with none")
    void errorClasses() throws Exception {
        SocketError refused = new SocketError(ErrorCode.ECONNREFUSED, "connect");
        assertThat(refused).isInstanceOf(java.net.SocketException.class);
        assertThat(refused.code()).isEqualTo(ErrorCode.ECONNREFUSED);
        assertThat(refused.getMessage()).startsWith("ECONNREFUSED");
        Socket[] pair = connectedPair();
        pair[0].setTimeout(Duration.ofMillis(1));
        assertThatThrownBy(() -> pair[0].recv(1)).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    @DisplayName("rule 161: a non-blocking recv polled again finds the bytes that arrived meanwhile")
    void nonBlockingRecvFindsArrivedData() throws Exception {
        Socket[] pair = connectedPair();
        pair[0].setBlocking(false);
        pair[1].sendAll(ascii("hello"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        StringBuilder got = new StringBuilder();
        while (got.length() < 5) {
            try {
                got.append(text(pair[0].recv(5)));
            } catch (SocketError e) {
                assertThat(e.code()).isEqualTo(ErrorCode.EAGAIN);
                assertThat(System.nanoTime()).as("the bytes arrive within the bound").isLessThan(deadline);
                Thread.onSpinWait();
            }
        }
        assertThat(got).hasToString("hello");
    }

    @Test
    @DisplayName("socket: an interrupted recv or accept loses nothing: the next call gets the bytes and the connection")
    void interruptLosesNothing() throws Exception {
        Socket[] pair = connectedPair();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                outcome.complete(pair[0].recv(10));
            } catch (IOException e) {
                outcome.complete(e);
            }
        });
        Threads.awaitBlocked(reader, BOUND_SECONDS);
        reader.interrupt();
        assertThat(outcome.get(BOUND_SECONDS, TimeUnit.SECONDS)).isInstanceOf(java.io.InterruptedIOException.class);
        pair[1].sendAll(ascii("first"));
        pair[0].setTimeout(Duration.ofSeconds(BOUND_SECONDS));
        assertThat(text(pair[0].recv(10))).isEqualTo("first");

        Socket listener = listener();
        CompletableFuture<Object> accepted = new CompletableFuture<>();
        Thread acceptor = Thread.ofPlatform().start(() -> {
            try {
                accepted.complete(listener.accept());
            } catch (IOException e) {
                accepted.complete(e);
            }
        });
        Threads.awaitBlocked(acceptor, BOUND_SECONDS);
        acceptor.interrupt();
        assertThat(accepted.get(BOUND_SECONDS, TimeUnit.SECONDS)).isInstanceOf(java.io.InterruptedIOException.class);
        try (java.net.Socket client = new java.net.Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
            listener.setTimeout(Duration.ofSeconds(BOUND_SECONDS));
            assertThat(closing(listener.accept()).remoteAddress().getPort()).isEqualTo(client.getLocalPort());
        }
    }

    @Test
    @DisplayName("rule 177: a send that times out has sent nothing: what the peer finally reads is exactly what the sends reported")
    void timedOutSendSendsNothing() throws Exception {
        Socket[] pair = connectedPair();
        pair[0].setTimeout(Duration.ofMillis(50));
        long reported = 0;
        int timeouts = 0;
        byte[] chunk = new byte[64 * 1024];
        while (timeouts < 3) {
            try {
                reported += pair[0].send(ByteBuffer.wrap(chunk));
            } catch (SocketTimeoutException e) {
                timeouts++;
            }
        }
        pair[0].shutdown(Socket.How.WRITE);
        pair[1].setTimeout(Duration.ofSeconds(BOUND_SECONDS));
        long received = 0;
        byte[] bytes;
        while ((bytes = pair[1].recv(1024 * 1024)).length > 0) {
            received += bytes.length;
        }
        assertThat(received).isEqualTo(reported);
    }

    @Test
    @DisplayName("socket: a send with an interrupt pending, behind bytes still queued, ends with the interrupt instead of hanging")
    void pendingInterruptEndsASendBehindQueuedBytes() throws Exception {
        Socket[] pair = connectedPair();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread sender = Thread.ofPlatform().daemon(true).start(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                // The peer never reads: once the kernel is full a send queues its bytes in the
                // loop, and the next one waits for them to go, with the interrupt pending.
                for (int i = 0; i < 4096; i++) {
                    Thread.currentThread().interrupt();
                    try {
                        pair[0].send(ByteBuffer.wrap(chunk));
                    } catch (java.io.InterruptedIOException e) {
                        outcome.complete(e);
                        return;
                    }
                }
                outcome.complete("every send returned: no bytes were ever queued");
            } catch (IOException | RuntimeException e) {
                outcome.complete(e);
            }
        });
        assertThat(outcome.get(BOUND_SECONDS, TimeUnit.SECONDS)).isInstanceOf(java.io.InterruptedIOException.class);
        sender.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
    }

    @Test
    @DisplayName("socket: a send that reports an interrupt has sent nothing: with interrupts flying, the peer reads exactly what the sends reported")
    void interruptedSendSendsNothing() throws Exception {
        Socket[] pair = connectedPair();
        pair[1].setTimeout(Duration.ofSeconds(BOUND_SECONDS));
        CompletableFuture<Long> received = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            long sum = 0;
            try {
                byte[] bytes;
                while ((bytes = pair[1].recv(1024 * 1024)).length > 0) {
                    sum += bytes.length;
                }
                received.complete(sum);
            } catch (IOException | RuntimeException e) {
                received.completeExceptionally(e);
            }
        });
        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<Long> reported = new CompletableFuture<>();
        Thread sender = Thread.ofPlatform().daemon(true).start(() -> {
            long sum = 0;
            byte[] chunk = new byte[256 * 1024];
            try {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                while (System.nanoTime() < end) {
                    try {
                        sum += pair[0].send(ByteBuffer.wrap(chunk));
                    } catch (java.io.InterruptedIOException e) {
                        // Reported as not sent: the count leaves it out.
                    }
                }
                reported.complete(sum);
            } catch (IOException | RuntimeException e) {
                reported.completeExceptionally(e);
            } finally {
                done.set(true);
            }
        });
        Thread interrupter = Thread.ofPlatform().daemon(true).start(() -> {
            while (!done.get()) {
                sender.interrupt();
                Thread.yield();
            }
        });
        long sent = reported.get(BOUND_SECONDS, TimeUnit.SECONDS);
        interrupter.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        pair[0].shutdown(Socket.How.WRITE);
        assertThat(received.get(BOUND_SECONDS, TimeUnit.SECONDS)).isEqualTo(sent);
    }

    @Test
    @DisplayName("socket: closing the group wakes callers parked on its sockets with EBADF, and later calls fail with it")
    void closingTheGroupWakesParkedCallers() throws Exception {
        Socket[] pair = connectedPair();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(pair[0].recv(10));
            } catch (IOException e) {
                outcome.complete(e);
            }
        });
        Threads.awaitBlocked(reader, BOUND_SECONDS);
        group.close();
        Object result = outcome.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertThat(result).isInstanceOf(SocketError.class);
        assertThat(codeOf((Throwable) result)).isEqualTo(ErrorCode.EBADF);
        assertThatThrownBy(() -> pair[1].recv(1)).isInstanceOf(SocketError.class).extracting(SocketExamples::codeOf).isEqualTo(ErrorCode.EBADF);
        assertThatThrownBy(() -> Socket.create(group)).isInstanceOf(SocketError.class).extracting(SocketExamples::codeOf).isEqualTo(ErrorCode.EBADF);
    }

    @Test
    @DisplayName("rule 169, 171: a connect to a full backlog times out with a socket timeout (createConnection re-raises it unchanged); the socket keeps its bind and options and can connect again")
    void connectTimeoutLeavesTheSocketUsable() throws Exception {
        try (ServerSocket full = new ServerSocket(0, 1, loopback().getAddress())) {
            InetSocketAddress target = (InetSocketAddress) full.getLocalSocketAddress();
            List<java.net.Socket> fillers = new ArrayList<>();
            try {
                // Connections nobody accepts fill the backlog, until one cannot connect.
                for (int i = 0; i < 16; i++) {
                    java.net.Socket filler = new java.net.Socket();
                    fillers.add(filler);
                    try {
                        filler.connect(target, 200);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                }
                InetSocketAddress bound;
                try (ServerSocket probe = new ServerSocket(0, 1, loopback().getAddress())) {
                    bound = (InetSocketAddress) probe.getLocalSocketAddress();
                }
                Socket socket = closing(Socket.create(group));
                socket.bind(bound);
                socket.setOption(java.net.StandardSocketOptions.SO_KEEPALIVE, true);
                socket.setTimeout(SHORT);
                assertThatThrownBy(() -> socket.connect(target)).isInstanceOf(SocketTimeoutException.class);
                assertThat(socket.option(java.net.StandardSocketOptions.SO_KEEPALIVE)).isTrue();
                assertThatThrownBy(() -> Socket.createConnection(group, target, SHORT, null)).isExactlyInstanceOf(SocketTimeoutException.class);
                Socket listener = listener();
                socket.setTimeout(Duration.ofSeconds(BOUND_SECONDS));
                socket.connect(listener.localAddress());
                assertThat(socket.localAddress()).as("the bind survived the timeout").isEqualTo(bound);
                assertThat(socket.option(java.net.StandardSocketOptions.SO_KEEPALIVE)).isTrue();
            } finally {
                for (java.net.Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    @DisplayName("rule 169: a non-blocking connect is in progress (EAGAIN); connecting again reports EISCONN once it is done")
    void nonBlockingConnect() throws Exception {
        Socket listener = listener();
        Socket socket = closing(Socket.create(group));
        socket.setBlocking(false);
        java.util.Optional<ErrorCode> first = socket.connectEx(listener.localAddress());
        assertThat(first).isIn(java.util.Optional.empty(), java.util.Optional.of(ErrorCode.EAGAIN));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        java.util.Optional<ErrorCode> later;
        do {
            later = socket.connectEx(listener.localAddress());
            assertThat(System.nanoTime()).isLessThan(deadline);
        } while (later.isPresent() && later.get() == ErrorCode.EALREADY);
        assertThat(later).contains(ErrorCode.EISCONN);
    }

    @Test
    @DisplayName("socket: 10,000 virtual threads blocked in recv on sockets of one loop all wake when their byte arrives")
    void tenThousandVirtualThreadsBlockedInRecv() throws Exception {
        int pairs = 5_000;
        Socket listener = listener();
        List<Socket> ends = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            Socket client = closing(Socket.create(group));
            client.connect(listener.localAddress());
            ends.add(client);
            ends.add(closing(listener.accept()));
        }
        java.util.concurrent.atomic.AtomicInteger woken = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(ends.size());
        List<Thread> threads = new ArrayList<>();
        for (Socket end : ends) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    blocked.countDown();
                    if (end.recv(1).length == 1) {
                        woken.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        assertThat(blocked.await(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
        byte[] one = {1};
        for (Socket end : ends) {
            end.sendAll(ByteBuffer.wrap(one));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS * 2);
        for (Thread thread : threads) {
            assertThat(thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))).as("a reader woke in time").isTrue();
        }
        assertThat(woken.get()).isEqualTo(ends.size());
    }

    @Test
    @DisplayName("socket: the echo server of docs/socket.md, on virtual threads, serves 50 concurrent clients byte-exact")
    void echoServerOnVirtualThreads() throws Exception {
        Socket server = listener();
        // The server of docs/socket.md: one virtual thread per connection.
        Thread acceptor = Thread.ofVirtual().start(() -> {
            while (true) {
                Socket connection;
                try {
                    connection = server.accept();
                } catch (IOException closed) {
                    return;
                }
                Thread.ofVirtual().start(() -> {
                    try (connection) {
                        byte[] chunk;
                        while ((chunk = connection.recv(4096)).length > 0) {
                            connection.sendAll(ByteBuffer.wrap(chunk));
                        }
                    } catch (IOException e) {
                        // The client went away.
                    }
                });
            }
        });
        List<CompletableFuture<Boolean>> clients = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] message = ("client " + i + " ").repeat(200).getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<Boolean> echoed = new CompletableFuture<>();
            clients.add(echoed);
            Thread.ofVirtual().start(() -> {
                try (Socket client = Socket.createConnection(group, server.localAddress(), Duration.ofSeconds(BOUND_SECONDS), null)) {
                    client.sendAll(ByteBuffer.wrap(message));
                    client.shutdown(Socket.How.WRITE);
                    java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
                    byte[] chunk;
                    while ((chunk = client.recv(4096)).length > 0) {
                        back.writeBytes(chunk);
                    }
                    echoed.complete(java.util.Arrays.equals(back.toByteArray(), message));
                } catch (IOException e) {
                    echoed.completeExceptionally(e);
                }
            });
        }
        for (CompletableFuture<Boolean> echoed : clients) {
            assertThat(echoed.get(BOUND_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
        server.close();
        assertThat(acceptor.join(Duration.ofSeconds(BOUND_SECONDS))).isTrue();
    }

    /** A socket call that may throw. */
    @FunctionalInterface
    private interface ThrowingCall {
        void call() throws Exception;
    }
}
