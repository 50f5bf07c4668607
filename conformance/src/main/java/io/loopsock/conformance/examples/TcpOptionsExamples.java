package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static io.loopsock.conformance.testing.Streams.recordReads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.LoopsockOptions;
import io.loopsock.ReadResult;
import io.loopsock.Tcp;
import io.loopsock.TcpInfo;
import io.loopsock.Timer;
import io.loopsock.spi.Capability;
import io.loopsock.conformance.testing.JdkPeer;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Socket options and kernel queries on TCP streams, and an echo ping-pong (rules 112, 114, 117, 210–216). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpOptionsExamples {

    /**
     * Runs the loop until the condition holds, with a 1 ms timer ticking: the condition watches the
     * kernel (bytes readable, bytes unsent), which no handle of the test is polling for.
     */
    private static void runTickingUntil(Loop loop, BooleanSupplier done) {
        Timer tick = loop.timer();
        tick.start(() -> {}, 1, 1);
        try {
            runUntil(loop, done);
        } finally {
            tick.close();
        }
    }

    /**
     * Finds a supported option of type Integer by name, such as the JDK's extended TCP_KEEPIDLE,
     * which the tests cannot name directly: they are patched into a module that does not read jdk.net.
     */
    @SuppressWarnings("unchecked") // The filter checked that the option's type is Integer.
    private static Optional<SocketOption<Integer>> integerOption(Tcp tcp, String name) {
        return tcp.supportedOptions().stream()
                .filter(option -> option.name().equals(name) && option.type() == Integer.class)
                .map(option -> (SocketOption<Integer>) option)
                .findFirst();
    }

    private static int bytesReadable(Tcp tcp) {
        try {
            return tcp.bytesReadable();
        } catch (LoopException e) {
            throw new AssertionError("bytesReadable failed", e);
        }
    }

    private static int bytesUnsent(Tcp tcp) {
        try {
            return tcp.bytesUnsent();
        } catch (LoopException e) {
            throw new AssertionError("bytesUnsent failed", e);
        }
    }

    @Test
    @DisplayName("rule 112: TCP_NODELAY round-trips on a connected stream, on and off")
    void noDelayRoundTrips(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        pair.client().setOption(StandardSocketOptions.TCP_NODELAY, true);
        assertThat(pair.client().option(StandardSocketOptions.TCP_NODELAY)).isTrue();
        pair.client().setOption(StandardSocketOptions.TCP_NODELAY, false);
        assertThat(pair.client().option(StandardSocketOptions.TCP_NODELAY)).isFalse();
        pair.server().setOption(StandardSocketOptions.TCP_NODELAY, true);
        assertThat(pair.server().option(StandardSocketOptions.TCP_NODELAY)).isTrue();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 112: SO_KEEPALIVE round-trips, and where TCP_KEEPIDLE is supported a 60 s delay reads back as 60")
    void keepAliveRoundTrips(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        assertThat(client.option(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
        Optional<SocketOption<Integer>> keepIdle = integerOption(client, "TCP_KEEPIDLE");
        if (keepIdle.isPresent()) {
            client.setOption(keepIdle.get(), 60);
            assertThat(client.option(keepIdle.get())).isEqualTo(60);
        }
        client.setOption(StandardSocketOptions.SO_KEEPALIVE, false);
        assertThat(client.option(StandardSocketOptions.SO_KEEPALIVE)).isFalse();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 114, 212: SO_RCVBUF and SO_SNDBUF read back positive unset, and at least the value set")
    void bufferSizesReadBackAtLeastWhatWasSet(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        assertThat(client.option(StandardSocketOptions.SO_RCVBUF)).isPositive();
        assertThat(client.option(StandardSocketOptions.SO_SNDBUF)).isPositive();
        client.setOption(StandardSocketOptions.SO_RCVBUF, 10_000);
        client.setOption(StandardSocketOptions.SO_SNDBUF, 20_000);
        assertThat(client.option(StandardSocketOptions.SO_RCVBUF)).isGreaterThanOrEqualTo(10_000);
        assertThat(client.option(StandardSocketOptions.SO_SNDBUF)).isGreaterThanOrEqualTo(20_000);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 210: supportedOptions lists the standard options, and every option listed can be read")
    void supportedOptionsContainStandardOnes(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        assertThat(pair.client().supportedOptions()).contains(
                StandardSocketOptions.TCP_NODELAY,
                StandardSocketOptions.SO_KEEPALIVE,
                StandardSocketOptions.SO_RCVBUF,
                StandardSocketOptions.SO_SNDBUF,
                StandardSocketOptions.SO_LINGER,
                StandardSocketOptions.SO_REUSEADDR);
        assertThat(pair.server().supportedOptions()).isEqualTo(pair.client().supportedOptions());
        assertThat(pair.listener().supportedOptions()).contains(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR);
        for (Tcp tcp : List.of(pair.client(), pair.listener())) {
            for (SocketOption<?> option : tcp.supportedOptions()) {
                assertThatCode(() -> tcp.option(option)).as("reading %s", option).doesNotThrowAnyException();
            }
        }
        assertThatThrownBy(() -> pair.client().supportedOptions().add(StandardSocketOptions.IP_TOS))
                .isInstanceOf(UnsupportedOperationException.class);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 210: an option TCP does not support is UnsupportedOperationException, to set and to read")
    void unsupportedOptionIsUnsupportedOperation(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        assertThatThrownBy(() -> pair.client().setOption(StandardSocketOptions.IP_MULTICAST_TTL, 4))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> pair.client().option(StandardSocketOptions.IP_MULTICAST_LOOP))
                .isInstanceOf(UnsupportedOperationException.class);
        Tcp fresh = loop.tcp();
        assertThatThrownBy(() -> fresh.setOption(StandardSocketOptions.SO_BROADCAST, true))
                .isInstanceOf(UnsupportedOperationException.class);
        fresh.close();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 210: a value of the wrong type is IllegalArgumentException, and the option keeps its value")
    void wrongValueTypeIsIllegalArgument(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        @SuppressWarnings("unchecked")
        SocketOption<Object> noDelay = (SocketOption<Object>) (SocketOption<?>) StandardSocketOptions.TCP_NODELAY;
        assertThatThrownBy(() -> pair.client().setOption(noDelay, "yes")).isInstanceOf(IllegalArgumentException.class);
        assertThat(pair.client().option(StandardSocketOptions.TCP_NODELAY)).isFalse();
        Tcp fresh = loop.tcp();
        assertThatThrownBy(() -> fresh.setOption(noDelay, 1)).isInstanceOf(IllegalArgumentException.class);
        fresh.close();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 114, 212: a negative buffer size is IllegalArgumentException on a connected stream")
    void negativeBufferSizeIsIllegalArgument(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        assertThatThrownBy(() -> pair.client().setOption(StandardSocketOptions.SO_RCVBUF, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pair.client().setOption(StandardSocketOptions.SO_SNDBUF, -1)).isInstanceOf(IllegalArgumentException.class);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 114, 212: a negative buffer size is IllegalArgumentException also before the socket exists, not a failure at connect")
    void negativeBufferSizeIsIllegalArgumentBeforeSocketExists(Loop loop) throws Exception {
        Tcp fresh = loop.tcp();
        assertThatThrownBy(() -> fresh.setOption(StandardSocketOptions.SO_RCVBUF, -1)).isInstanceOf(IllegalArgumentException.class);
        fresh.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 112, 114: options set before connect read back before it and are applied to the socket the connect creates")
    void optionsSetBeforeConnectAreApplied(Loop loop) throws Exception {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        List<Tcp> accepted = new ArrayList<>();
        listener.listen(8, error -> {
            try {
                accepted.add(listener.accept());
            } catch (LoopException e) {
                throw new AssertionError("accept failed", e);
            }
        });
        Tcp client = loop.tcp();
        assertCode(() -> client.option(StandardSocketOptions.TCP_NODELAY), ErrorCode.EBADF);
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        client.setOption(StandardSocketOptions.SO_SNDBUF, 32 * 1024);
        assertThat(client.option(StandardSocketOptions.TCP_NODELAY)).isTrue();
        List<LoopException> connected = new ArrayList<>();
        client.connect(listener.localAddress(), connected::add);
        runUntil(loop, () -> !connected.isEmpty() && accepted.size() == 1);
        assertThat(connected).singleElement().isNull();
        assertThat(client.option(StandardSocketOptions.TCP_NODELAY)).isTrue();
        assertThat(client.option(StandardSocketOptions.SO_KEEPALIVE)).isTrue();
        assertThat(client.option(StandardSocketOptions.SO_SNDBUF)).isGreaterThanOrEqualTo(32 * 1024);
        // The accepted end had nothing set: its defaults show that the values above were not defaults.
        assertThat(accepted.getFirst().option(StandardSocketOptions.TCP_NODELAY)).isFalse();
        assertThat(accepted.getFirst().option(StandardSocketOptions.SO_KEEPALIVE)).isFalse();
        client.close();
        listener.close();
        accepted.forEach(Tcp::close);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 215, 216: bytesReadable is 0 with nothing queued, N once N bytes arrived unread, a lower bound on the next read, and 0 at EOF")
    void bytesReadableCountsArrivedBytes(Loop loop) throws Exception {
        Loops.assume(loop, Capability.BYTES_READABLE);
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        assertThat(client.bytesReadable()).isZero();
        pair.server().write(ascii("0123456789"), null);
        pair.server().write(ascii("abcdef"), null);
        runTickingUntil(loop, () -> bytesReadable(client) == 16);
        assertThat(client.isActive()).as("nothing started a read").isFalse();
        StringBuilder read = new StringBuilder();
        List<String> ends = new ArrayList<>();
        pair.server().shutdown(null);
        client.startRead(result -> {
            switch (result) {
                case ReadResult.Data(ByteBuffer bytes) -> read.append(StandardCharsets.US_ASCII.decode(bytes));
                case ReadResult.EndOfStream end -> ends.add("EOF");
                case ReadResult.Failed(LoopException e) -> ends.add(e.code().name());
            }
        });
        runUntil(loop, () -> !ends.isEmpty());
        assertThat(read).hasToString("0123456789abcdef");
        assertThat(ends).containsExactly("EOF");
        assertThat(client.bytesReadable()).as("at the end of the stream").isZero();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 215, 216: bytesReadable on a listener is EINVAL, before connecting ENOTCONN")
    void bytesReadableOnListenerIsInvalid(Loop loop) throws Exception {
        Loops.assume(loop, Capability.BYTES_READABLE);
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        listener.listen(8, error -> {});
        assertCode(listener::bytesReadable, ErrorCode.EINVAL);
        Tcp fresh = loop.tcp();
        assertCode(fresh::bytesReadable, ErrorCode.ENOTCONN);
        listener.close();
        fresh.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 215, 216: bytesUnsent reaches 0 once the peer acknowledged everything where BYTES_UNSENT is declared, else it is ENOTSUP")
    void bytesUnsentFollowsCapability(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp client = pair.client();
        if (loop.provider().capabilities().contains(Capability.BYTES_UNSENT)) {
            Tcp fresh = loop.tcp();
            assertCode(fresh::bytesUnsent, ErrorCode.ENOTCONN);
            fresh.close();
            assertThat(client.bytesUnsent()).isZero();
            boolean[] written = {false};
            client.write(ByteBuffer.allocate(256 * 1024), error -> written[0] = error == null);
            runUntil(loop, () -> written[0]);
            assertThat(client.bytesUnsent()).isBetween(0, 256 * 1024);
            // The peer acknowledges only what fits its receive buffer (128 KiB by default on
            // Linux, tcp_rmem): it reads, so that everything can be acknowledged.
            pair.server().startRead(result -> {});
            runTickingUntil(loop, () -> bytesUnsent(client) == 0);
        } else {
            assertCode(client::bytesUnsent, ErrorCode.ENOTSUP);
            Tcp fresh = loop.tcp();
            assertCode(fresh::bytesUnsent, ErrorCode.ENOTSUP);
            fresh.close();
        }
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 216: tcpInfo reports an established connection where TCP_INFO is declared, else it is ENOTSUP")
    void tcpInfoFollowsCapability(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        if (loop.provider().capabilities().contains(Capability.TCP_INFO)) {
            TcpInfo info = pair.client().tcpInfo();
            assertThat(info.state()).as("TCP state").isPositive();
            assertThat(info.rttMicros()).isNotNegative();
            assertThat(info.unacked()).isNotNegative();
            assertThat(info.totalRetransmits()).isNotNegative();
            Tcp fresh = loop.tcp();
            assertCode(fresh::tcpInfo, ErrorCode.ENOTCONN);
            fresh.close();
        } else {
            assertCode(pair.client()::tcpInfo, ErrorCode.ENOTSUP);
            assertCode(pair.server()::tcpInfo, ErrorCode.ENOTSUP);
        }
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 117: an echo ping-pong of 1000 round trips over TCP4 completes, every byte echoed in order")
    void pingPongThousandRoundTrips(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        int rounds = 1000;
        pair.server().startRead(result -> {
            if (result instanceof ReadResult.Data(ByteBuffer bytes)) {
                ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
                try {
                    pair.server().write(copy, null);
                } catch (LoopException e) {
                    throw new AssertionError("echo failed", e);
                }
            }
        });
        int[] done = {0};
        StringBuilder pending = new StringBuilder();
        List<String> wrong = new ArrayList<>();
        pair.client().startRead(result -> {
            if (!(result instanceof ReadResult.Data(ByteBuffer bytes))) {
                wrong.add(result.toString());
                return;
            }
            pending.append(StandardCharsets.US_ASCII.decode(bytes));
            while (pending.length() >= 8) {
                String frame = pending.substring(0, 8);
                pending.delete(0, 8);
                String expected = "PING%04d".formatted(done[0]);
                if (!frame.equals(expected)) {
                    wrong.add(frame + " instead of " + expected);
                }
                done[0]++;
                if (done[0] < rounds) {
                    try {
                        pair.client().write(ascii("PING%04d".formatted(done[0])), null);
                    } catch (LoopException e) {
                        throw new AssertionError("ping failed", e);
                    }
                }
            }
        });
        pair.client().write(ascii("PING0000"), null);
        runUntil(loop, () -> done[0] == rounds || !wrong.isEmpty());
        assertThat(wrong).isEmpty();
        assertThat(done[0]).isEqualTo(rounds);
        assertThat(pending).isEmpty();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 211: SO_REUSEADDR is off on a fresh connection, as on a java.net.Socket, and on after it is set, also when set before the socket exists; a listener's is on, as on a java.net.ServerSocket, until set off")
    void reuseAddressIsOffUntilSet(Loop loop) throws Exception {
        boolean jdkSocket;
        boolean jdkServerSocket;
        try (Socket socket = new Socket(); ServerSocket serverSocket = new ServerSocket()) {
            jdkSocket = socket.getReuseAddress();
            jdkServerSocket = serverSocket.getReuseAddress();
        }
        var pair = tcpPair(loop);
        Tcp client = pair.client();
        assertThat(client.option(StandardSocketOptions.SO_REUSEADDR)).as("a fresh connection").isFalse().isEqualTo(jdkSocket);
        client.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        assertThat(client.option(StandardSocketOptions.SO_REUSEADDR)).as("after it is set").isTrue();
        client.setOption(StandardSocketOptions.SO_REUSEADDR, false);
        assertThat(client.option(StandardSocketOptions.SO_REUSEADDR)).as("after it is set off").isFalse();

        Tcp listener = pair.listener();
        assertThat(listener.option(StandardSocketOptions.SO_REUSEADDR)).as("a listener").isTrue().isEqualTo(jdkServerSocket);
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, false);
        assertThat(listener.option(StandardSocketOptions.SO_REUSEADDR)).as("a listener after it is set off").isFalse();

        pair.close();
        runToEnd(loop);

        Tcp other = loop.tcp();
        other.bind(loopback());
        List<Tcp> accepted = new ArrayList<>();
        other.listen(8, error -> accepted.add(other.accept()));
        Tcp early = loop.tcp();
        early.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        assertThat(early.option(StandardSocketOptions.SO_REUSEADDR)).as("set before the socket exists").isTrue();
        List<LoopException> connected = new ArrayList<>();
        early.connect(other.localAddress(), connected::add);
        runUntil(loop, () -> !connected.isEmpty() && accepted.size() == 1);
        assertThat(connected).containsOnlyNulls();
        assertThat(early.option(StandardSocketOptions.SO_REUSEADDR)).as("applied to the socket the connect created").isTrue();
        early.close();
        other.close();
        accepted.forEach(Tcp::close);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 210, JDK-27: a connection supports every option a java.net.Socket supports here, and a listener every option a java.net.ServerSocket supports")
    void supportedOptionsCoverTheJdkSockets(Loop loop) throws Exception {
        Set<SocketOption<?>> socketOptions;
        Set<SocketOption<?>> serverSocketOptions;
        try (Socket socket = new Socket(); ServerSocket serverSocket = new ServerSocket()) {
            socketOptions = socket.supportedOptions();
            serverSocketOptions = serverSocket.supportedOptions();
        }
        var pair = tcpPair(loop);
        assertThat(pair.client().supportedOptions()).as("a connecting stream").containsAll(socketOptions);
        assertThat(pair.server().supportedOptions()).as("an accepted stream").containsAll(socketOptions);
        assertThat(pair.listener().supportedOptions()).as("a listener").containsAll(serverSocketOptions);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("tcp: loopsock's own options (TCP_CORK, TCP_USER_TIMEOUT, TCP_NOTSENT_LOWAT) round-trip where listed, set before or after connect; elsewhere they are unsupported")
    void loopsockOptionsRoundTripWhereListed(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        Tcp early = loop.tcp();
        List<SocketOption<?>> ours = List.of(LoopsockOptions.TCP_CORK, LoopsockOptions.TCP_USER_TIMEOUT, LoopsockOptions.TCP_NOTSENT_LOWAT);
        for (SocketOption<?> option : ours) {
            if (!pair.client().supportedOptions().contains(option)) {
                assertThatThrownBy(() -> pair.client().option(option)).as("%s, not listed", option).isInstanceOf(UnsupportedOperationException.class);
                continue;
            }
            assertThat(early.supportedOptions()).as("listed before the socket exists too").contains(option);
        }
        if (pair.client().supportedOptions().contains(LoopsockOptions.TCP_CORK)) {
            for (boolean on : new boolean[] {true, false, true}) {
                pair.client().setOption(LoopsockOptions.TCP_CORK, on);
                assertThat(pair.client().option(LoopsockOptions.TCP_CORK)).isEqualTo(on);
            }
            // Corked bytes still arrive once the cork is pulled.
            List<String> reads = recordReads(pair.server());
            pair.client().write(ascii("corked"), null);
            pair.client().setOption(LoopsockOptions.TCP_CORK, false);
            runUntil(loop, () -> String.join("", reads).equals("corked"));
        }
        if (pair.client().supportedOptions().contains(LoopsockOptions.TCP_USER_TIMEOUT)) {
            for (int ms : new int[] {30_000, 1, 0}) {
                pair.client().setOption(LoopsockOptions.TCP_USER_TIMEOUT, ms);
                assertThat(pair.client().option(LoopsockOptions.TCP_USER_TIMEOUT)).isEqualTo(ms);
            }
            assertThatThrownBy(() -> pair.client().setOption(LoopsockOptions.TCP_USER_TIMEOUT, -1)).isInstanceOf(IllegalArgumentException.class);
            early.setOption(LoopsockOptions.TCP_USER_TIMEOUT, 12_345);
        }
        if (pair.client().supportedOptions().contains(LoopsockOptions.TCP_NOTSENT_LOWAT)) {
            for (int bytes : new int[] {16_384, 1, 65_536}) {
                pair.client().setOption(LoopsockOptions.TCP_NOTSENT_LOWAT, bytes);
                assertThat(pair.client().option(LoopsockOptions.TCP_NOTSENT_LOWAT)).isEqualTo(bytes);
            }
        }
        if (early.supportedOptions().contains(LoopsockOptions.TCP_USER_TIMEOUT)) {
            // Set before the socket existed: applied to the socket the connect creates.
            try (JdkPeer<String> peer = new JdkPeer<>(socket -> "connected")) {
                boolean[] connected = {false};
                early.connect(peer.address(), error -> connected[0] = error == null);
                runUntil(loop, () -> connected[0]);
                assertThat(early.option(LoopsockOptions.TCP_USER_TIMEOUT)).isEqualTo(12_345);
            }
        }
        early.close();
        pair.close();
        runToEnd(loop);
    }

}
