package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static io.loopsock.conformance.testing.Streams.closeAll;
import static io.loopsock.conformance.testing.Streams.describe;
import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Prepare;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Accepting connections: one callback per connection, delayed accept, misuse, stale readiness (rules 18, 72, 73, 76). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpAcceptExamples {

    private static Tcp accept(Tcp listener) {
        try {
            return listener.accept();
        } catch (LoopException e) {
            throw new AssertionError("accept failed", e);
        }
    }

    /** Describes a read outcome as text: data as itself (US-ASCII), the end as "EOF", an error as its code. */
    private static String text(ReadResult result) {
        return switch (result) {
            case ReadResult.Data(ByteBuffer bytes) -> StandardCharsets.US_ASCII.decode(bytes).toString();
            case ReadResult.EndOfStream end -> "EOF";
            case ReadResult.Failed(LoopException e) -> e.code().name();
        };
    }

    /** A listener on an ephemeral loopback port that accepts every connection into the list. */
    private static Tcp listener(Loop loop, List<Tcp> accepted) throws LoopException {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        listener.listen(16, error -> {
            assertThat(error).as("connection callback").isNull();
            accepted.add(accept(listener));
        });
        return listener;
    }

    @Test
    @DisplayName("rule 72: one connection callback per incoming connection; accept succeeds in it, a second accept is EAGAIN")
    void oneCallbackPerConnectionAndAcceptSucceedsOnce(Loop loop) throws Exception {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        List<Tcp> accepted = new ArrayList<>();
        List<ErrorCode> secondAccepts = new ArrayList<>();
        int[] callbacks = {0};
        listener.listen(8, error -> {
            assertThat(error).isNull();
            callbacks[0]++;
            accepted.add(accept(listener));
            try {
                accepted.add(listener.accept());
                secondAccepts.add(null);
            } catch (LoopException e) {
                secondAccepts.add(e.code());
            }
        });
        List<Tcp> clients = new ArrayList<>();
        List<LoopException> connected = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Tcp client = loop.tcp();
            client.connect(listener.localAddress(), connected::add);
            clients.add(client);
        }
        runUntil(loop, () -> connected.size() == 3 && callbacks[0] == 3);
        assertThat(connected).containsOnlyNulls();
        assertThat(accepted).hasSize(3);
        assertThat(secondAccepts).containsExactly(ErrorCode.EAGAIN, ErrorCode.EAGAIN, ErrorCode.EAGAIN);
        clients.forEach(Tcp::close);
        accepted.forEach(Tcp::close);
        listener.close();
        runToEnd(loop);
        assertThat(callbacks[0]).as("no callback without a connection").isEqualTo(3);
    }

    @Test
    @DisplayName("rule 73: accept delayed by a 50 ms timer succeeds, and no further connection is taken until it happens")
    void delayedAcceptSucceedsAndHoldsBackLaterConnections(Loop loop) throws Exception {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        int[] connections = {0};
        listener.listen(8, error -> {
            assertThat(error).isNull();
            connections[0]++;
        });
        Tcp first = loop.tcp();
        Tcp second = loop.tcp();
        Timer timer = loop.timer();
        List<Tcp> accepted = new ArrayList<>();
        int[] connectionsWhenAccepting = {-1};
        List<LoopException> connected = new ArrayList<>();
        first.connect(listener.localAddress(), connected::add);
        runUntil(loop, () -> connected.size() == 1 && connections[0] == 1);
        // The second client's handshake completes in the kernel; the accept happens 50 ms after that.
        second.connect(listener.localAddress(), error -> {
            connected.add(error);
            timer.start(() -> {
                connectionsWhenAccepting[0] = connections[0];
                accepted.add(accept(listener));
            }, 50);
        });
        runUntil(loop, () -> accepted.size() == 1);
        assertThat(connected).containsExactly(null, null);
        assertThat(connectionsWhenAccepting[0]).as("connection callbacks while the first waited").isEqualTo(1);
        assertThat(accepted.getFirst().remoteAddress()).isEqualTo(first.localAddress());
        runUntil(loop, () -> connections[0] == 2);
        accepted.add(accept(listener));
        assertThat(accepted.get(1).remoteAddress()).isEqualTo(second.localAddress());
        for (var handle : List.of(first, second, timer, listener)) {
            handle.close();
        }
        accepted.forEach(Tcp::close);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 72: accept on a handle that is not listening is EINVAL; on a listener with nothing waiting it is EAGAIN")
    void acceptOnNonListenerIsInvalid(Loop loop) throws Exception {
        Tcp fresh = loop.tcp();
        assertCode(fresh::accept, ErrorCode.EINVAL);
        var pair = tcpPair(loop);
        assertCode(pair.client()::accept, ErrorCode.EINVAL);
        assertCode(pair.server()::accept, ErrorCode.EINVAL);
        assertCode(pair.listener()::accept, ErrorCode.EAGAIN);
        fresh.close();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 72: ten clients connecting at once are all accepted, each accepted stream facing its own client")
    void tenConcurrentClientsAreAllAccepted(Loop loop) throws Exception {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        List<Tcp> accepted = new ArrayList<>();
        listener.listen(16, error -> {
            assertThat(error).isNull();
            accepted.add(accept(listener));
        });
        List<Tcp> clients = new ArrayList<>();
        List<LoopException> connected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Tcp client = loop.tcp();
            client.connect(listener.localAddress(), connected::add);
            clients.add(client);
        }
        runUntil(loop, () -> connected.size() == 10 && accepted.size() == 10);
        assertThat(connected).containsOnlyNulls();
        Set<InetSocketAddress> clientAddresses = new HashSet<>();
        for (Tcp client : clients) {
            clientAddresses.add(client.localAddress());
        }
        Set<InetSocketAddress> peers = new HashSet<>();
        for (Tcp server : accepted) {
            peers.add(server.remoteAddress());
            assertThat(server.localAddress()).isEqualTo(listener.localAddress());
        }
        assertThat(clientAddresses).hasSize(10);
        assertThat(peers).isEqualTo(clientAddresses);
        clients.forEach(Tcp::close);
        accepted.forEach(Tcp::close);
        listener.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 72: an accepted stream is connected and outlives its listener, carrying data both ways")
    void acceptedStreamOutlivesListener(Loop loop) throws Exception {
        var pair = tcpPair(loop).closeListener();
        assertThat(pair.server().isReadable()).isTrue();
        assertThat(pair.server().isWritable()).isTrue();
        StringBuilder atServer = new StringBuilder();
        StringBuilder atClient = new StringBuilder();
        pair.server().startRead(result -> {
            if (result instanceof ReadResult.Data(ByteBuffer bytes)) {
                atServer.append(StandardCharsets.US_ASCII.decode(bytes));
            }
        });
        pair.client().startRead(result -> {
            if (result instanceof ReadResult.Data(ByteBuffer bytes)) {
                atClient.append(StandardCharsets.US_ASCII.decode(bytes));
            }
        });
        pair.client().write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)), null);
        pair.server().write(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)), null);
        runUntil(loop, () -> atServer.length() == 4 && atClient.length() == 4);
        assertThat(atServer).hasToString("ping");
        assertThat(atClient).hasToString("pong");
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 18: closing a listener with a connection waiting to be accepted releases it; the client sees the end or a reset")
    void closingListenerReleasesUnacceptedConnection(Loop loop) throws Exception {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        int[] connections = {0};
        listener.listen(8, error -> connections[0]++);
        Tcp client = loop.tcp();
        List<LoopException> connected = new ArrayList<>();
        client.connect(listener.localAddress(), connected::add);
        runUntil(loop, () -> connected.size() == 1 && connections[0] == 1);
        List<String> reads = new ArrayList<>();
        client.startRead(result -> reads.add(switch (result) {
            case ReadResult.Data data -> "data";
            case ReadResult.EndOfStream end -> "EOF";
            case ReadResult.Failed(LoopException e) -> e.code().name();
        }));
        listener.close();
        runUntil(loop, () -> !reads.isEmpty());
        assertThat(reads).singleElement().isIn("EOF", "ECONNRESET");
        client.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 76: streams closed by a read callback while ready in the same poll never call back, and streams connected from that callback get no stale readiness or data")
    void streamsClosedInReadCallbackPassNoStaleReadinessOn(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        int n = 4;
        List<Tcp> clients = new ArrayList<>();
        List<LoopException> connected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Tcp client = loop.tcp();
            client.connect(listener.localAddress(), connected::add);
            clients.add(client);
        }
        runUntil(loop, () -> connected.size() == n && accepted.size() == n);
        List<Tcp> servers = List.copyOf(accepted);
        List<String> serverReads = new ArrayList<>();
        List<String> freshConnects = new ArrayList<>();
        List<List<String>> freshReads = new ArrayList<>();
        List<Tcp> fresh = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Tcp server = servers.get(i);
            int index = i;
            server.startRead(result -> {
                serverReads.add(index + " " + text(result));
                if (!fresh.isEmpty()) {
                    return;
                }
                // The other servers have bytes waiting too: close them, and connect new streams at once.
                for (Tcp other : servers) {
                    if (other != server && !other.isClosing()) {
                        other.close();
                    }
                }
                for (int k = 0; k < n - 1; k++) {
                    Tcp tcp = loop.tcp();
                    List<String> reads = new ArrayList<>();
                    fresh.add(tcp);
                    freshReads.add(reads);
                    tcp.connect(listener.localAddress(), error -> {
                        freshConnects.add(describe(error));
                        if (error == null) {
                            tcp.startRead(later -> reads.add(text(later)));
                        }
                    });
                }
            });
        }
        // Each write reaches its server before the loop polls again, so all the servers are ready in one poll.
        for (Tcp client : clients) {
            client.write(ascii("stale"), null);
        }
        runUntil(loop, () -> freshConnects.size() == n - 1 && accepted.size() == 2 * n - 1);
        for (int i = 0; i < 5; i++) {
            loop.run(RunMode.NOWAIT);
        }
        assertThat(serverReads).singleElement().asString().endsWith(" stale");
        assertThat(freshConnects).containsExactly("ok", "ok", "ok");
        assertThat(freshReads).as("reads of the new streams before their peers wrote").allSatisfy(reads -> assertThat(reads).isEmpty());
        for (Tcp peer : accepted.subList(n, 2 * n - 1)) {
            peer.write(ascii("new"), null);
        }
        runUntil(loop, () -> freshReads.stream().allMatch(reads -> String.join("", reads).length() >= 3));
        assertThat(freshReads).allSatisfy(reads -> assertThat(String.join("", reads)).isEqualTo("new"));
        assertThat(serverReads).hasSize(1);
        closeAll(clients.toArray(Tcp[]::new));
        closeAll(accepted.toArray(Tcp[]::new));
        closeAll(fresh.toArray(Tcp[]::new));
        listener.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 76: a stream closed just before the poll with bytes waiting, and a stream connected in the same callback (which may reuse its descriptor number), gets no stale readiness or data")
    void streamClosedBeforePollPassesNoStaleReadinessOn(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        Tcp client = loop.tcp();
        List<LoopException> connected = new ArrayList<>();
        client.connect(listener.localAddress(), connected::add);
        runUntil(loop, () -> connected.size() == 1 && accepted.size() == 1);
        List<String> staleReads = new ArrayList<>();
        client.startRead(result -> staleReads.add(text(result)));
        // Sent at once: the bytes wait in the client's socket, which the next poll reports ready.
        accepted.getFirst().write(ascii("stale"), null);
        List<String> freshConnects = new ArrayList<>();
        List<String> freshReads = new ArrayList<>();
        Tcp[] fresh = {null};
        Prepare prepare = loop.prepare();
        prepare.start(() -> {
            prepare.stop();
            // Closing releases the descriptor now, so the new socket may well get the same number.
            client.close();
            Tcp tcp = loop.tcp();
            fresh[0] = tcp;
            tcp.connect(listener.localAddress(), error -> {
                freshConnects.add(describe(error));
                if (error == null) {
                    tcp.startRead(result -> freshReads.add(text(result)));
                }
            });
        });
        runUntil(loop, () -> freshConnects.size() == 1 && accepted.size() == 2);
        for (int i = 0; i < 5; i++) {
            loop.run(RunMode.NOWAIT);
        }
        assertThat(staleReads).as("reads of the closed stream").isEmpty();
        assertThat(freshConnects).containsExactly("ok");
        assertThat(freshReads).as("reads of the new stream before its peer wrote").isEmpty();
        accepted.getLast().write(ascii("new"), null);
        runUntil(loop, () -> String.join("", freshReads).length() >= 3);
        assertThat(String.join("", freshReads)).isEqualTo("new");
        closeAll(prepare, fresh[0], listener);
        closeAll(accepted.toArray(Tcp[]::new));
        runToEnd(loop);
        assertThat(staleReads).isEmpty();
    }

    @Test
    @DisplayName("rule 75: at the descriptor limit a waiting connection is accepted and dropped without a callback, the loop does not spin, and accepting works again once descriptors are free")
    void descriptorLimitDropsWaitingConnections(Loop loop) throws Throwable {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        List<String> events = new ArrayList<>();
        listener.listen(16, error -> {
            if (error != null) {
                events.add(error.code().name());
            } else {
                listener.accept().close();
                events.add("connection");
            }
        });
        InetSocketAddress address = listener.localAddress();
        List<java.io.Closeable> fillers = new ArrayList<>();
        int iterations;
        try (java.net.Socket waiting = new java.net.Socket()) {
            // Connected while the loop does not run: the connection waits in the listener's queue.
            waiting.connect(address, (int) Loops.BOUND.toMillis());
            try (io.loopsock.conformance.testing.DescriptorLimit limit =
                    io.loopsock.conformance.testing.DescriptorLimit.lowerTo(io.loopsock.conformance.testing.DescriptorLimit.open() + 8)) {
                try {
                    while (fillers.size() < 64) {
                        fillers.add(java.nio.channels.FileChannel.open(java.nio.file.Path.of("/dev/null")));
                    }
                } catch (java.io.IOException atTheLimit) {
                    // Every descriptor is taken now.
                }
                assertThat(limit).isNotNull();
                iterations = Loops.iterationsWhileWaiting(loop, 100);
            } finally {
                for (java.io.Closeable filler : fillers) {
                    filler.close();
                }
            }
            assertThat(events).as("no callback for the dropped connection").isEmpty();
            assertThat(iterations).as("loop iterations in 100 ms at the limit").isLessThan(20);
            waiting.setSoTimeout((int) Loops.BOUND.toMillis());
            int read;
            try {
                read = waiting.getInputStream().read();
            } catch (java.net.SocketException reset) {
                read = -1;
            }
            assertThat(read).as("the dropped connection ends").isEqualTo(-1);
        }
        try (java.net.Socket again = new java.net.Socket(address.getAddress(), address.getPort())) {
            runUntil(loop, () -> !events.isEmpty());
            assertThat(events).as("connection from port %d", again.getLocalPort()).containsExactly("connection");
        }
        listener.close();
        runToEnd(loop);
    }

}
