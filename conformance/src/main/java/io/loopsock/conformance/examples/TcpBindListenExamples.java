package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.spi.Capability;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Binding and listening: deferred bind errors, argument checks, SO_REUSEADDR, auto-bind, listener state (rules 22, 24, 64–71, 83, 116). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpBindListenExamples {

    /** A listener on an ephemeral loopback port that accepts every connection into the list. */
    private static Tcp listener(Loop loop, List<Tcp> accepted) throws LoopException {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        listener.listen(8, acceptInto(listener, accepted));
        return listener;
    }

    private static Completion acceptInto(Tcp listener, List<Tcp> accepted) {
        return error -> {
            assertThat(error).as("connection callback").isNull();
            try {
                accepted.add(listener.accept());
            } catch (LoopException e) {
                throw new AssertionError("accept inside the connection callback failed", e);
            }
        };
    }

    private static void closeAll(List<Tcp> handles) {
        handles.forEach(Tcp::close);
    }

    private static boolean hasIpv6Loopback() {
        try {
            return NetworkInterface.networkInterfaces()
                    .flatMap(NetworkInterface::inetAddresses)
                    .anyMatch(a -> a instanceof Inet6Address && a.isLoopbackAddress());
        } catch (SocketException e) {
            return false;
        }
    }

    @Test
    @DisplayName("rule 66: bind to an address in use succeeds; the error is deferred and listen throws EADDRINUSE")
    void listenOnAddressInUseIsAddressInUse(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp first = listener(loop, accepted);
        Tcp second = loop.tcp();
        second.bind(first.localAddress());
        assertCode(() -> second.listen(8, error -> {}), ErrorCode.EADDRINUSE);
        assertThat(second.isActive()).as("a failed listen leaves the handle inactive").isFalse();
        assertThat(second.isClosing()).as("a failed listen does not close the handle").isFalse();
        first.close();
        second.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 66, 28: a connect from a handle bound to an address in use reports EADDRINUSE through its callback, not inside connect")
    void connectFromAddressInUseReportsAddressInUseThroughCallback(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp busy = listener(loop, accepted);
        Tcp target = listener(loop, accepted);
        Tcp client = loop.tcp();
        client.bind(busy.localAddress());
        List<LoopException> results = new ArrayList<>();
        client.connect(target.localAddress(), results::add);
        assertThat(results).as("no callback inside connect").isEmpty();
        runUntil(loop, () -> !results.isEmpty());
        assertThat(results).hasSize(1);
        assertThat(results.getFirst()).isNotNull().extracting(LoopException::code).isEqualTo(ErrorCode.EADDRINUSE);
        assertThat(client.isClosing()).isFalse();
        assertThat(accepted).isEmpty();
        client.close();
        busy.close();
        target.close();
        runToEnd(loop);
        assertThat(results).hasSize(1);
    }

    @Test
    @DisplayName("rule 67: binding a handle that is already bound, or bound and listening, is EINVAL")
    void bindTwiceIsInvalid(Loop loop) throws Exception {
        Tcp tcp = loop.tcp();
        tcp.bind(loopback());
        assertCode(() -> tcp.bind(loopback()), ErrorCode.EINVAL);
        tcp.listen(8, error -> {});
        assertCode(() -> tcp.bind(loopback()), ErrorCode.EINVAL);
        assertThat(tcp.localAddress().getPort()).isPositive();
        tcp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 67: IPV6_ONLY with an IPv4 address is EINVAL, and the refused bind leaves the handle unbound")
    void ipv6OnlyWithIpv4AddressIsInvalid(Loop loop) throws Exception {
        Tcp tcp = loop.tcp();
        assertCode(() -> tcp.bind(loopback(), Tcp.BindFlag.IPV6_ONLY), ErrorCode.EINVAL);
        tcp.bind(loopback());
        tcp.listen(8, error -> {});
        assertThat(tcp.localAddress().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        tcp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 67: binding to an unresolved address is EINVAL")
    void bindToUnresolvedAddressIsInvalid(Loop loop) throws Exception {
        Tcp tcp = loop.tcp();
        assertCode(() -> tcp.bind(InetSocketAddress.createUnresolved("localhost", 0)), ErrorCode.EINVAL);
        tcp.bind(loopback());
        tcp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 67: an address that is not local is EADDRNOTAVAIL, from bind or from the listen that binds")
    void bindToNonLocalAddressIsAddressNotAvailable(Loop loop) throws Exception {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to an interface, and binding sends nothing.
        InetSocketAddress foreign = new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}), 0);
        Tcp tcp = loop.tcp();
        assertCode(() -> {
            tcp.bind(foreign);
            tcp.listen(8, error -> {});
        }, ErrorCode.EADDRNOTAVAIL);
        tcp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 69: listen without bind binds an ephemeral port, and clients can connect to it")
    void listenWithoutBindPicksEphemeralPort(Loop loop) throws Exception {
        Tcp tcp = loop.tcp();
        List<Tcp> accepted = new ArrayList<>();
        tcp.listen(8, acceptInto(tcp, accepted));
        int port = tcp.localAddress().getPort();
        assertThat(port).isPositive();
        Tcp client = loop.tcp();
        List<LoopException> connected = new ArrayList<>();
        client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), connected::add);
        runUntil(loop, () -> !connected.isEmpty() && accepted.size() == 1);
        assertThat(connected).singleElement().isNull();
        client.close();
        tcp.close();
        closeAll(accepted);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 69: listening twice on the same handle succeeds, and a connection then gives one callback")
    void listenTwiceIsAllowed(Loop loop) throws Exception {
        Tcp tcp = loop.tcp();
        tcp.bind(loopback());
        List<String> calls = new ArrayList<>();
        List<Tcp> accepted = new ArrayList<>();
        tcp.listen(8, error -> {
            calls.add("first");
            acceptInto(tcp, accepted).onComplete(error);
        });
        InetSocketAddress address = tcp.localAddress();
        tcp.listen(8, error -> {
            calls.add("second");
            acceptInto(tcp, accepted).onComplete(error);
        });
        assertThat(tcp.localAddress()).isEqualTo(address);
        assertThat(tcp.isActive()).isTrue();
        Tcp client = loop.tcp();
        boolean[] connected = {false};
        client.connect(address, error -> connected[0] = error == null);
        runUntil(loop, () -> connected[0] && accepted.size() == 1);
        assertThat(calls).hasSize(1);
        client.close();
        tcp.close();
        closeAll(accepted);
        runToEnd(loop);
        assertThat(calls).hasSize(1);
    }

    @Test
    @DisplayName("rule 70: a listener is neither readable nor writable: write is EPIPE, shutdown and startRead are ENOTCONN")
    void listenerIsNeitherReadableNorWritable(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp tcp = listener(loop, accepted);
        List<LoopException> callbacks = new ArrayList<>();
        assertThat(tcp.isReadable()).isFalse();
        assertThat(tcp.isWritable()).isFalse();
        assertCode(() -> tcp.write(ByteBuffer.wrap(new byte[] {1}), callbacks::add), ErrorCode.EPIPE);
        assertCode(() -> tcp.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {1})}, callbacks::add), ErrorCode.EPIPE);
        assertCode(() -> tcp.tryWrite(ByteBuffer.wrap(new byte[] {1})), ErrorCode.EPIPE);
        assertCode(() -> tcp.shutdown(callbacks::add), ErrorCode.ENOTCONN);
        assertCode(() -> tcp.startRead(result -> {}), ErrorCode.ENOTCONN);
        assertThat(tcp.writeQueueSize()).isZero();
        tcp.close();
        runToEnd(loop);
        assertThat(callbacks).as("a call that throws never calls its callback").isEmpty();
    }

    @Test
    @DisplayName("rule 83 (TCP6): a listener bound to ::1 accepts a client, and both ends report ::1 addresses")
    void bindsToIpv6Loopback(Loop loop) throws Exception {
        Assumptions.assumeTrue(hasIpv6Loopback(), "this machine has no IPv6 loopback");
        InetAddress ipv6Loopback = InetAddress.getByName("::1");
        Tcp tcp = loop.tcp();
        tcp.bind(new InetSocketAddress(ipv6Loopback, 0));
        List<Tcp> accepted = new ArrayList<>();
        tcp.listen(8, acceptInto(tcp, accepted));
        InetSocketAddress address = tcp.localAddress();
        assertThat(address.getAddress()).isEqualTo(ipv6Loopback);
        assertThat(address.getPort()).isPositive();
        Tcp client = loop.tcp();
        List<LoopException> connected = new ArrayList<>();
        client.connect(address, connected::add);
        runUntil(loop, () -> !connected.isEmpty() && accepted.size() == 1);
        assertThat(connected).singleElement().isNull();
        assertThat(client.remoteAddress()).isEqualTo(address);
        assertThat(accepted.getFirst().remoteAddress()).isEqualTo(client.localAddress());
        assertThat(client.localAddress().getAddress()).isEqualTo(ipv6Loopback);
        client.close();
        tcp.close();
        closeAll(accepted);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 116: with REUSE_PORT two listeners bind the same port, a third without it cannot, and a client is accepted by one")
    void reusePortLetsTwoListenersShareAPort(Loop loop) throws Exception {
        Loops.assume(loop, Capability.TCP_REUSE_PORT);
        List<Tcp> accepted = new ArrayList<>();
        Tcp first = loop.tcp();
        first.bind(loopback(), Tcp.BindFlag.REUSE_PORT);
        first.listen(8, acceptInto(first, accepted));
        InetSocketAddress address = first.localAddress();
        Tcp second = loop.tcp();
        second.bind(address, Tcp.BindFlag.REUSE_PORT);
        second.listen(8, acceptInto(second, accepted));
        assertThat(second.localAddress()).isEqualTo(address);
        Tcp third = loop.tcp();
        third.bind(address);
        assertCode(() -> third.listen(8, error -> {}), ErrorCode.EADDRINUSE);
        Tcp client = loop.tcp();
        List<LoopException> connected = new ArrayList<>();
        client.connect(address, connected::add);
        runUntil(loop, () -> !connected.isEmpty() && accepted.size() == 1);
        assertThat(connected).singleElement().isNull();
        for (Tcp tcp : List.of(client, first, second, third)) {
            tcp.close();
        }
        closeAll(accepted);
        runToEnd(loop);
        assertThat(accepted).hasSize(1);
    }

    @Test
    @DisplayName("rule 83: after listen, localAddress is the bound address with the real, non-zero port")
    void localAddressAfterListenHasRealPort(Loop loop) throws Exception {
        Tcp tcp = loop.tcp();
        tcp.bind(loopback());
        tcp.listen(8, error -> {});
        InetSocketAddress local = tcp.localAddress();
        assertThat(local.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        assertThat(local.getPort()).isBetween(1, 65535);
        assertThat(tcp.localAddress()).as("stable").isEqualTo(local);
        tcp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 64, 65: a new handle has no socket, so localAddress is EBADF; after bind it answers only on early-bind backends")
    void newHandleHasNoSocket(Loop loop) throws Exception {
        Tcp tcp = loop.tcp();
        assertCode(tcp::localAddress, ErrorCode.EBADF);
        tcp.bind(loopback());
        if (loop.provider().capabilities().contains(Capability.TCP_EARLY_BIND)) {
            assertThat(tcp.localAddress().getPort()).isPositive();
        } else {
            assertCode(tcp::localAddress, ErrorCode.EBADF);
        }
        tcp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 83: remoteAddress on a listener, and on a handle that never connected, is ENOTCONN")
    void remoteAddressOnListenerIsNotConnected(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp tcp = listener(loop, accepted);
        assertCode(tcp::remoteAddress, ErrorCode.ENOTCONN);
        Tcp fresh = loop.tcp();
        assertCode(fresh::remoteAddress, ErrorCode.ENOTCONN);
        tcp.close();
        fresh.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 71: a backlog of 0 or -1 is accepted and means the default")
    void backlogBelowOneMeansDefault(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        List<Tcp> listeners = new ArrayList<>();
        List<Tcp> clients = new ArrayList<>();
        List<LoopException> connected = new ArrayList<>();
        for (int backlog : new int[] {0, -1}) {
            Tcp tcp = loop.tcp();
            tcp.bind(loopback());
            tcp.listen(backlog, acceptInto(tcp, accepted));
            listeners.add(tcp);
            Tcp client = loop.tcp();
            client.connect(tcp.localAddress(), connected::add);
            clients.add(client);
        }
        runUntil(loop, () -> connected.size() == 2 && accepted.size() == 2);
        assertThat(connected).containsExactly(null, null);
        closeAll(clients);
        closeAll(listeners);
        closeAll(accepted);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 24: an unreferenced listener does not keep the loop alive, and ref makes it count again")
    void unreferencedListenerDoesNotKeepLoopAlive(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp tcp = listener(loop, accepted);
        assertThat(loop.isAlive()).isTrue();
        tcp.unref();
        assertThat(tcp.isActive()).isTrue();
        assertThat(loop.isAlive()).isFalse();
        assertThat(loop.run(RunMode.DEFAULT)).isFalse();
        tcp.ref();
        assertThat(loop.isAlive()).isTrue();
        tcp.close();
        runToEnd(loop);
        assertThat(accepted).isEmpty();
    }

    @Test
    @DisplayName("rule 22: bind, listen and connect on a closed handle are refused (IllegalStateException, as Stream documents)")
    void closedHandleCannotBindListenOrConnect(Loop loop) throws Exception {
        Tcp tcp = loop.tcp();
        boolean[] closed = {false};
        tcp.close(() -> closed[0] = true);
        assertThatThrownBy(() -> tcp.bind(loopback())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tcp.listen(8, error -> {})).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tcp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), error -> {}))
                .isInstanceOf(IllegalStateException.class);
        runToEnd(loop);
        assertThat(closed[0]).isTrue();
    }

    @Test
    @DisplayName("rule 68: bind does not set SO_REUSEADDR: a bound, then connected handle has it off, as a bound java.net.Socket; a listener has it on, as a java.net.ServerSocket")
    void bindLeavesReuseAddressAloneAndListenersHaveItOn(Loop loop) throws Exception {
        boolean jdkBoundSocket;
        boolean jdkServerSocket;
        try (Socket socket = new Socket(); ServerSocket serverSocket = new ServerSocket()) {
            socket.bind(loopback());
            serverSocket.bind(loopback());
            jdkBoundSocket = socket.getReuseAddress();
            jdkServerSocket = serverSocket.getReuseAddress();
        }
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        assertThat(listener.option(StandardSocketOptions.SO_REUSEADDR)).as("a listener").isTrue().isEqualTo(jdkServerSocket);

        Tcp client = loop.tcp();
        client.bind(loopback());
        try {
            // Where bind creates the socket (TCP_EARLY_BIND) it answers; on the others there is no socket yet.
            assertThat(client.option(StandardSocketOptions.SO_REUSEADDR)).as("bound, not connected").isFalse();
        } catch (LoopException e) {
            assertThat(e.code()).as("bound, no socket yet").isEqualTo(ErrorCode.EBADF);
        }
        List<LoopException> connected = new ArrayList<>();
        client.connect(listener.localAddress(), connected::add);
        runUntil(loop, () -> !connected.isEmpty() && accepted.size() == 1);
        assertThat(connected).containsOnlyNulls();
        assertThat(client.option(StandardSocketOptions.SO_REUSEADDR)).as("bound, then connected").isFalse().isEqualTo(jdkBoundSocket);
        client.close();
        listener.close();
        closeAll(accepted);
        runToEnd(loop);
    }
}
