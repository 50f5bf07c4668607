package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static io.loopsock.conformance.testing.Streams.describe;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.conformance.testing.LoopExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Connecting: failures through the callback, misuse, cancellation, addresses (rules 25, 28, 77–83, 95). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpConnectExamples {

    /** A loopback address where nothing listens: an ephemeral port that was just released. */
    private static InetSocketAddress closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), probe.getLocalPort());
        }
    }

    /** A listener on loopback that accepts every connection into the list. */
    private static Tcp listener(Loop loop, List<Tcp> accepted) throws LoopException {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        listener.listen(8, error -> {
            assertThat(error).isNull();
            try {
                accepted.add(listener.accept());
            } catch (LoopException e) {
                throw new AssertionError("accept failed", e);
            }
        });
        return listener;
    }

    @Test
    @DisplayName("rule 77, 28: connecting to a port with no listener gives ECONNREFUSED through the callback, never from connect itself")
    void connectToClosedPortIsRefusedThroughCallback(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<String> results = new ArrayList<>();
        client.connect(closedPort(), error -> results.add(describe(error)));
        assertThat(results).as("no callback inside connect").isEmpty();
        assertThat(client.isActive()).as("a pending connect makes the handle active").isTrue();
        runUntil(loop, () -> !results.isEmpty());
        assertThat(results).containsExactly("ECONNREFUSED");
        client.close();
        runToEnd(loop);
        assertThat(results).hasSize(1);
    }

    @Test
    @DisplayName("rule 78: a failed connect does not close the handle; the user closes it and its close callback runs")
    void failedConnectLeavesHandleOpen(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<String> events = new ArrayList<>();
        client.connect(closedPort(), error -> events.add(describe(error)));
        runUntil(loop, () -> !events.isEmpty());
        assertThat(client.isClosing()).isFalse();
        assertThat(client.isActive()).isFalse();
        assertThat(client.isWritable()).isFalse();
        assertThat(loop.isAlive()).as("nothing keeps the loop alive after the failure").isFalse();
        client.close(() -> events.add("closed"));
        runToEnd(loop);
        assertThat(events).containsExactly("ECONNREFUSED", "closed");
    }

    @Test
    @DisplayName("rule 79: a second connect while one is pending is EALREADY, and the first still completes once")
    void secondConnectWhilePendingIsAlready(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        Tcp client = loop.tcp();
        List<String> results = new ArrayList<>();
        client.connect(listener.localAddress(), error -> results.add("first " + describe(error)));
        assertCode(() -> client.connect(listener.localAddress(), error -> results.add("second " + describe(error))), ErrorCode.EALREADY);
        runUntil(loop, () -> !results.isEmpty() && accepted.size() == 1);
        assertThat(results).containsExactly("first ok");
        client.close();
        listener.close();
        accepted.forEach(Tcp::close);
        runToEnd(loop);
        assertThat(results).containsExactly("first ok");
    }

    @Test
    @DisplayName("rule 79: connect on a connected stream is EISCONN, on a listener EINVAL")
    void connectWhenConnectedIsAlreadyConnected(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        List<LoopException> callbacks = new ArrayList<>();
        InetSocketAddress target = pair.listener().localAddress();
        assertCode(() -> pair.client().connect(target, callbacks::add), ErrorCode.EISCONN);
        assertCode(() -> pair.server().connect(target, callbacks::add), ErrorCode.EISCONN);
        assertCode(() -> pair.listener().connect(target, callbacks::add), ErrorCode.EINVAL);
        pair.close();
        runToEnd(loop);
        assertThat(callbacks).isEmpty();
    }

    @Test
    @DisplayName("rule 80, 19: closing while connecting gives the connect callback ECANCELED, then the close callback, and the loop ends")
    void closeWhileConnectingCancelsThenCloses(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        Tcp client = loop.tcp();
        List<String> events = new ArrayList<>();
        client.connect(listener.localAddress(), error -> events.add("connect " + describe(error)));
        listener.close();
        client.close(() -> events.add("closed"));
        assertThat(events).as("nothing runs inside close").isEmpty();
        runToEnd(loop);
        assertThat(events).containsExactly("connect ECANCELED", "closed");
        assertThat(loop.isAlive()).isFalse();
    }

    @Test
    @DisplayName("rule 81, 217: connecting to an unresolved address is EINVAL at once, and no callback ever runs")
    void unresolvedAddressIsInvalidSynchronously(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<LoopException> callbacks = new ArrayList<>();
        assertCode(() -> client.connect(InetSocketAddress.createUnresolved("localhost", 80), callbacks::add), ErrorCode.EINVAL);
        assertThat(client.isActive()).isFalse();
        assertThat(loop.isAlive()).as("a refused request keeps nothing alive").isFalse();
        for (int i = 0; i < 3; i++) {
            loop.run(RunMode.NOWAIT);
        }
        client.close();
        runToEnd(loop);
        assertThat(callbacks).isEmpty();
    }

    @Test
    @DisplayName("rule 82: connecting to 0.0.0.0 reaches the listener on this host")
    void connectToUnspecifiedAddressReachesLocalListener(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        int port = listener.localAddress().getPort();
        Tcp client = loop.tcp();
        List<String> results = new ArrayList<>();
        client.connect(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), port), error -> results.add(describe(error)));
        runUntil(loop, () -> !results.isEmpty() && accepted.size() == 1);
        assertThat(results).containsExactly("ok");
        assertThat(client.remoteAddress().getPort()).isEqualTo(port);
        assertThat(accepted.getFirst().remoteAddress()).isEqualTo(client.localAddress());
        client.close();
        listener.close();
        accepted.forEach(Tcp::close);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 83: after connect, localAddress has a non-zero port and remoteAddress is the listener's address")
    void connectedAddressesMatch(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        InetSocketAddress listening = pair.listener().localAddress();
        InetSocketAddress clientLocal = pair.client().localAddress();
        assertThat(clientLocal.getPort()).isBetween(1, 65535).isNotEqualTo(listening.getPort());
        assertThat(clientLocal.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        assertThat(pair.client().remoteAddress()).isEqualTo(listening);
        assertThat(pair.server().localAddress()).isEqualTo(listening);
        assertThat(pair.server().remoteAddress()).isEqualTo(clientLocal);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 95: writes and a shutdown queued during a connect that then fails complete with ECANCELED, in order")
    void requestsQueuedDuringFailedConnectAreCancelled(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<String> events = new ArrayList<>();
        client.connect(closedPort(), error -> events.add("connect " + describe(error)));
        for (int i = 0; i < 3; i++) {
            int index = i;
            client.write(ByteBuffer.wrap(new byte[] {(byte) i}), error -> events.add("write" + index + " " + describe(error)));
        }
        client.write(new ByteBuffer[] {ByteBuffer.allocate(10), ByteBuffer.allocate(10)}, error -> events.add("write3 " + describe(error)));
        assertThat(client.writeQueueSize()).isEqualTo(23);
        client.shutdown(error -> events.add("shutdown " + describe(error)));
        assertThat(events).isEmpty();
        runUntil(loop, () -> events.size() == 6);
        assertThat(events).startsWith("connect ECONNREFUSED")
                .containsSubsequence("write0 ECANCELED", "write1 ECANCELED", "write2 ECANCELED", "write3 ECANCELED")
                .contains("shutdown ECANCELED");
        assertThat(client.writeQueueSize()).isZero();
        assertThat(client.isClosing()).as("the user did not close it").isFalse();
        client.close();
        runToEnd(loop);
        assertThat(events).hasSize(6);
    }

    @Test
    @DisplayName("rule 25: a connect on an unreferenced handle still keeps the loop alive and completes under run(DEFAULT)")
    void connectOnUnreferencedHandleStillCompletes(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        listener.unref();
        Tcp client = loop.tcp();
        client.unref();
        List<String> results = new ArrayList<>();
        client.connect(listener.localAddress(), error -> results.add(describe(error)));
        assertThat(loop.isAlive()).isTrue();
        loop.run(RunMode.DEFAULT);
        assertThat(results).containsExactly("ok");
        client.close();
        listener.close();
        accepted.forEach(Tcp::close);
        runToEnd(loop);
    }
}
