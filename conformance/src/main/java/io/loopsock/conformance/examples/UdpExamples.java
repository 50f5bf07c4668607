package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReceiveResult;
import io.loopsock.Udp;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import io.loopsock.spi.Capability;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * UDP handles (rules 121–140), with the JDK's {@link DatagramSocket} as the peer. Skipped on
 * backends that do not declare {@link Capability#UDP}.
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class UdpExamples {
    /** The largest datagram IPv4 can carry: 65535 minus the IP and UDP headers. */
    private static final int MAX_IPV4_DATAGRAM = 65_507;

    @BeforeEach
    void needsUdp(Loop loop) {
        Loops.assume(loop, Capability.UDP);
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static DatagramSocket jdkPeer() throws SocketException {
        DatagramSocket peer = new DatagramSocket(loopback());
        peer.setSoTimeout((int) Loops.BOUND.toMillis());
        return peer;
    }

    private static InetSocketAddress addressOf(DatagramSocket socket) {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Receives one datagram on a JDK socket, within the bound. */
    private static DatagramPacket receive(DatagramSocket socket) throws Exception {
        DatagramPacket packet = new DatagramPacket(new byte[MAX_IPV4_DATAGRAM + 1], MAX_IPV4_DATAGRAM + 1);
        socket.receive(packet);
        return packet;
    }

    private static String text(DatagramPacket packet) {
        return new String(packet.getData(), packet.getOffset(), packet.getLength(), StandardCharsets.US_ASCII);
    }

    /** A received datagram, copied out of the loop's buffer. */
    private record Got(byte[] bytes, InetSocketAddress sender, boolean truncated) {
        String text() {
            return new String(bytes, StandardCharsets.US_ASCII);
        }
    }

    /** Starts receiving into a list: copies of datagrams, and the errors as their codes. */
    private static List<Object> recordReceives(Udp udp) throws LoopException {
        List<Object> got = new ArrayList<>();
        udp.startReceive(result -> {
            switch (result) {
                case ReceiveResult.Datagram(ByteBuffer bytes, InetSocketAddress sender, boolean truncated) -> {
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    got.add(new Got(copy, sender, truncated));
                }
                case ReceiveResult.Failed(LoopException error) -> got.add(error.code());
            }
        });
        return got;
    }

    @Test
    @DisplayName("rule 121: a new handle has no socket (EBADF); send and startReceive bind it to the wildcard address and an ephemeral port")
    void sendAndReceiveBindLazily(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp sender = loop.udp();
            assertThatThrownBy(sender::localAddress).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EBADF);
            AtomicReference<LoopException> sent = new AtomicReference<>(new LoopException(ErrorCode.UNKNOWN));
            sender.send(ascii("lazy"), addressOf(peer), sent::set);
            InetSocketAddress local = sender.localAddress();
            assertThat(local.getPort()).isNotZero();
            assertThat(local.getAddress().isAnyLocalAddress()).as("bound to the wildcard address: %s", local).isTrue();
            DatagramPacket packet = receive(peer);
            assertThat(text(packet)).isEqualTo("lazy");
            assertThat(packet.getPort()).isEqualTo(local.getPort());
            runUntil(loop, () -> sent.get() == null);

            Udp receiver = loop.udp();
            recordReceives(receiver);
            assertThat(receiver.localAddress().getPort()).isNotZero();
            sender.close();
            receiver.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 122 (decided): options set before the socket exists are kept and applied when it is created; unset ones read EBADF")
    void optionsBeforeTheSocketAreApplied(Loop loop) throws Exception {
        Udp udp = loop.udp();
        assertThatThrownBy(() -> udp.option(StandardSocketOptions.SO_BROADCAST)).isInstanceOf(LoopException.class)
                .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EBADF);
        udp.setOption(StandardSocketOptions.SO_BROADCAST, true);
        udp.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 7);
        assertThat(udp.option(StandardSocketOptions.SO_BROADCAST)).isTrue();
        udp.bind(loopback());
        assertThat(udp.option(StandardSocketOptions.SO_BROADCAST)).as("applied to the socket").isTrue();
        assertThat(udp.option(StandardSocketOptions.IP_MULTICAST_TTL)).isEqualTo(7);
        udp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 123: a second bind of a taken address is EADDRINUSE at once and the handle stays usable; with REUSE_ADDR on both it works")
    void bindInUseFailsAtOnce(Loop loop) throws Exception {
        Udp first = loop.udp();
        first.bind(loopback());
        InetSocketAddress taken = first.localAddress();
        Udp second = loop.udp();
        assertThatThrownBy(() -> second.bind(taken)).isInstanceOf(LoopException.class)
                .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EADDRINUSE);
        second.bind(loopback());
        assertThat(second.localAddress().getPort()).isNotEqualTo(taken.getPort());

        Udp reuseA = loop.udp();
        reuseA.bind(loopback(), Udp.BindFlag.REUSE_ADDR);
        Udp reuseB = loop.udp();
        reuseB.bind(reuseA.localAddress(), Udp.BindFlag.REUSE_ADDR);
        assertThat(reuseB.localAddress()).isEqualTo(reuseA.localAddress());
        assertThat(reuseB.option(StandardSocketOptions.SO_REUSEADDR)).isTrue();
        assertThatThrownBy(() -> first.bind(loopback())).as("rebinding").isInstanceOf(LoopException.class)
                .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EINVAL);
        for (Udp udp : List.of(first, second, reuseA, reuseB)) {
            udp.close();
        }
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 124 (decided): IP_MULTICAST_TTL takes 0..255 and rejects 256 and -1; SO_BROADCAST and IP_MULTICAST_LOOP toggles are idempotent")
    void optionRanges(Loop loop) throws Exception {
        Udp udp = loop.udp();
        udp.bind(loopback());
        for (int ttl : new int[] {0, 1, 32, 255}) {
            udp.setOption(StandardSocketOptions.IP_MULTICAST_TTL, ttl);
            assertThat(udp.option(StandardSocketOptions.IP_MULTICAST_TTL)).isEqualTo(ttl);
        }
        for (int bad : new int[] {256, -1}) {
            assertThatThrownBy(() -> udp.setOption(StandardSocketOptions.IP_MULTICAST_TTL, bad)).isInstanceOf(IllegalArgumentException.class);
            assertThat(udp.option(StandardSocketOptions.IP_MULTICAST_TTL)).as("unchanged after %d", bad).isEqualTo(255);
        }
        for (boolean value : new boolean[] {true, true, false, false}) {
            udp.setOption(StandardSocketOptions.SO_BROADCAST, value);
            assertThat(udp.option(StandardSocketOptions.SO_BROADCAST)).isEqualTo(value);
            udp.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, value);
            assertThat(udp.option(StandardSocketOptions.IP_MULTICAST_LOOP)).isEqualTo(value);
        }
        udp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 125: a datagram arrives whole with its sender; an empty datagram is a datagram with no bytes; the largest IPv4 datagram is not truncated")
    void datagramsArriveWhole(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp udp = loop.udp();
            udp.bind(loopback());
            List<Object> got = recordReceives(udp);
            byte[] large = new byte[MAX_IPV4_DATAGRAM];
            Arrays.fill(large, (byte) 'x');
            peer.send(new DatagramPacket("hello".getBytes(StandardCharsets.US_ASCII), 5, udp.localAddress()));
            peer.send(new DatagramPacket(new byte[0], 0, udp.localAddress()));
            peer.send(new DatagramPacket(large, large.length, udp.localAddress()));
            runUntil(loop, () -> got.size() == 3);
            assertThat(got).allSatisfy(g -> assertThat(g).isInstanceOf(Got.class));
            Got first = (Got) got.get(0);
            assertThat(first.text()).isEqualTo("hello");
            assertThat(first.sender().getPort()).isEqualTo(peer.getLocalPort());
            assertThat(((Got) got.get(1)).bytes()).isEmpty();
            assertThat(((Got) got.get(1)).sender().getPort()).isEqualTo(peer.getLocalPort());
            Got last = (Got) got.get(2);
            assertThat(last.bytes()).hasSize(MAX_IPV4_DATAGRAM).containsOnly((byte) 'x');
            assertThat(last.truncated()).isFalse();
            udp.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 126: several datagrams waiting in the kernel, an empty one among them, are delivered in one loop iteration")
    void waitingDatagramsArriveInOneIteration(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp udp = loop.udp();
            udp.bind(loopback());
            AtomicInteger iteration = new AtomicInteger();
            var check = loop.check();
            check.start(iteration::incrementAndGet);
            List<Integer> seenIn = new ArrayList<>();
            udp.startReceive(result -> seenIn.add(iteration.get()));
            // Sent while the loop is not running: all three wait in the socket's queue.
            for (String text : new String[] {"one", "", "three"}) {
                byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                peer.send(new DatagramPacket(bytes, bytes.length, udp.localAddress()));
            }
            runUntil(loop, () -> seenIn.size() == 3);
            assertThat(seenIn).as("iteration of each receive").containsOnly(seenIn.getFirst());
            check.close();
            udp.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 128: a 65536-byte datagram is EMSGSIZE through the send callback, and at once from trySend; the handle keeps working")
    void tooBigIsMessageSize(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp udp = loop.udp();
            AtomicReference<LoopException> outcome = new AtomicReference<>();
            boolean[] called = {false};
            udp.send(ByteBuffer.allocate(65_536), addressOf(peer), error -> {
                called[0] = true;
                outcome.set(error);
            });
            assertThat(called[0]).as("no callback inside send").isFalse();
            runUntil(loop, () -> called[0]);
            assertThat(outcome.get()).isNotNull().extracting(LoopException::code).isEqualTo(ErrorCode.EMSGSIZE);
            assertThatThrownBy(() -> udp.trySend(ByteBuffer.allocate(65_536), addressOf(peer))).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EMSGSIZE);
            assertThat(udp.trySend(ascii("after"), addressOf(peer))).isTrue();
            assertThat(text(receive(peer))).isEqualTo("after");
            udp.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 129 (decided): a datagram is one buffer, so there is no zero-buffer send; a null buffer is NullPointerException")
    void nullDatagramIsRejected(Loop loop) throws Exception {
        Udp udp = loop.udp();
        InetSocketAddress somewhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        assertThatThrownBy(() -> udp.send(null, somewhere, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> udp.trySend(null, somewhere)).isInstanceOf(NullPointerException.class);
        assertThat(udp.sendQueueCount()).isZero();
        udp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 130: trySend sends the whole datagram, empty ones included, and advances the buffer past it")
    void trySendIsWholeOrNothing(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp udp = loop.udp();
            ByteBuffer datagram = ascii("whole datagram");
            assertThat(udp.trySend(datagram, addressOf(peer))).isTrue();
            assertThat(datagram.hasRemaining()).isFalse();
            assertThat(text(receive(peer))).isEqualTo("whole datagram");
            assertThat(udp.trySend(ByteBuffer.allocate(0), addressOf(peer))).isTrue();
            assertThat(receive(peer).getLength()).isZero();
            udp.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 131: connect and disconnect, which keeps the local port; EISCONN for a second connect or an address while connected, ENOTCONN and EDESTADDRREQ when not")
    void connectedMode(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp udp = loop.udp();
            assertThatThrownBy(udp::remoteAddress).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.ENOTCONN);
            assertThatThrownBy(udp::disconnect).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.ENOTCONN);
            assertThatThrownBy(() -> udp.send(ascii("x"), null, null)).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EDESTADDRREQ);
            udp.connect(addressOf(peer));
            assertThat(udp.remoteAddress()).isEqualTo(addressOf(peer));
            assertThatThrownBy(() -> udp.connect(addressOf(peer))).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EISCONN);
            assertThatThrownBy(() -> udp.send(ascii("x"), addressOf(peer), null)).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EISCONN);
            assertThatThrownBy(() -> udp.trySend(ascii("x"), addressOf(peer))).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EISCONN);
            AtomicReference<LoopException> sent = new AtomicReference<>(new LoopException(ErrorCode.UNKNOWN));
            udp.send(ascii("to the peer"), null, sent::set);
            assertThat(text(receive(peer))).isEqualTo("to the peer");
            runUntil(loop, () -> sent.get() == null);
            int port = udp.localAddress().getPort();
            udp.disconnect();
            assertThat(udp.localAddress().getPort()).as("the local port after disconnect").isEqualTo(port);
            assertThatThrownBy(udp::remoteAddress).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.ENOTCONN);
            assertThatThrownBy(() -> udp.send(ascii("x"), null, null)).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EDESTADDRREQ);
            assertThat(udp.trySend(ascii("unconnected again"), addressOf(peer))).isTrue();
            DatagramPacket again = receive(peer);
            assertThat(text(again)).isEqualTo("unconnected again");
            assertThat(again.getPort()).as("sent from the same port").isEqualTo(port);
            udp.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 132: back-to-back sends are both delivered and called back in order; the send queue returns to 0 bytes and 0 datagrams")
    void backToBackSends(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp udp = loop.udp();
            List<String> callbacks = new ArrayList<>();
            udp.send(ascii("first"), addressOf(peer), error -> callbacks.add("first " + error));
            udp.send(ascii("second"), addressOf(peer), error -> callbacks.add("second " + error));
            runUntil(loop, () -> callbacks.size() == 2);
            assertThat(callbacks).containsExactly("first null", "second null");
            assertThat(udp.sendQueueSize()).isZero();
            assertThat(udp.sendQueueCount()).isZero();
            assertThat(text(receive(peer))).isEqualTo("first");
            assertThat(text(receive(peer))).isEqualTo("second");
            udp.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 133 (decided): a send to a closed local port succeeds, and the unconnected handle hears no ICMP error")
    void sendToClosedPortSucceeds(Loop loop) throws Exception {
        InetSocketAddress closed;
        try (DatagramSocket gone = jdkPeer()) {
            closed = addressOf(gone);
        }
        Udp udp = loop.udp();
        udp.bind(loopback());
        List<Object> got = recordReceives(udp);
        AtomicReference<LoopException> sent = new AtomicReference<>(new LoopException(ErrorCode.UNKNOWN));
        udp.send(ascii("nobody"), closed, sent::set);
        runUntil(loop, () -> sent.get() == null);
        // A datagram to itself marks the point by which an ICMP error would have arrived.
        udp.send(ascii("marker"), udp.localAddress(), null);
        runUntil(loop, () -> !got.isEmpty());
        assertThat(got).hasSize(1).first().isInstanceOf(Got.class);
        assertThat(((Got) got.getFirst()).text()).isEqualTo("marker");
        udp.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 134: an ICMP error on a connected handle is at most one ECONNREFUSED to the receive callback, and never spins the loop")
    void icmpErrorOnConnectedHandleIsSafe(Loop loop) throws Exception {
        InetSocketAddress closed;
        try (DatagramSocket gone = jdkPeer()) {
            closed = addressOf(gone);
        }
        Udp receiving = loop.udp();
        receiving.connect(closed);
        List<Object> got = recordReceives(receiving);
        Udp silent = loop.udp();
        silent.connect(closed);
        receiving.send(ascii("refused"), null, null);
        silent.send(ascii("refused"), null, null);
        int iterations = Loops.iterationsWhileWaiting(loop, 100);
        assertThat(iterations).as("iterations while waiting 100 ms").isLessThan(20);
        assertThat(got).as("what the receiving handle got").isSubsetOf(List.of(ErrorCode.ECONNREFUSED)).hasSizeLessThanOrEqualTo(1);
        receiving.close();
        silent.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 136: a second startReceive is EALREADY; after stopReceive no receive callback runs although datagrams arrive")
    void stopReceiveStopsCallbacks(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp udp = loop.udp();
            udp.bind(loopback());
            List<Object> got = recordReceives(udp);
            assertThatThrownBy(() -> udp.startReceive(result -> { })).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.EALREADY);
            peer.send(new DatagramPacket(new byte[] {1}, 1, udp.localAddress()));
            runUntil(loop, () -> got.size() == 1);
            udp.stopReceive();
            udp.stopReceive();
            assertThat(udp.isActive()).isFalse();
            peer.send(new DatagramPacket(new byte[] {2}, 1, udp.localAddress()));
            Loops.iterationsWhileWaiting(loop, 50);
            assertThat(got).hasSize(1);
            udp.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 137: a dual-stack IPv6 wildcard handle receives IPv4 datagrams and holds the IPv4 port; IPV6_ONLY leaves the IPv4 port free where declared, else is ENOTSUP")
    void dualStack(Loop loop) throws Exception {
        InetAddress any6 = InetAddress.getByName("::");
        Udp dual = loop.udp();
        try {
            dual.bind(new InetSocketAddress(any6, 0));
        } catch (LoopException e) {
            dual.close();
            runToEnd(loop);
            org.junit.jupiter.api.Assumptions.abort("no IPv6 on this machine: " + e.getMessage());
        }
        List<Object> got = recordReceives(dual);
        try (DatagramSocket peer = jdkPeer()) {
            peer.send(new DatagramPacket(new byte[] {4}, 1, new InetSocketAddress(InetAddress.getLoopbackAddress(), dual.localAddress().getPort())));
            runUntil(loop, () -> got.size() == 1);
            Got datagram = (Got) got.getFirst();
            assertThat(datagram.bytes()).containsExactly(4);
            assertThat(datagram.sender().getPort()).isEqualTo(peer.getLocalPort());
        }
        // The dual-stack handle holds the port for IPv4 too: an IPv4 socket cannot bind it.
        assertThat(ipv4CanBind(dual.localAddress().getPort())).as("an IPv4 bind of the dual-stack handle's port").isFalse();
        Udp only = loop.udp();
        if (loop.provider().capabilities().contains(Capability.UDP_IPV6_ONLY)) {
            only.bind(new InetSocketAddress(any6, 0), Udp.BindFlag.IPV6_ONLY);
            assertThat(only.localAddress().getAddress()).isInstanceOf(Inet6Address.class);
            // Proof that IPV6_V6ONLY took effect, with no packet sent: the IPv4 port stays free.
            assertThat(ipv4CanBind(only.localAddress().getPort())).as("an IPv4 bind of the IPv6-only handle's port").isTrue();
        } else {
            assertThatThrownBy(() -> only.bind(new InetSocketAddress(any6, 0), Udp.BindFlag.IPV6_ONLY)).isInstanceOf(LoopException.class)
                    .extracting(e -> ((LoopException) e).code()).isEqualTo(ErrorCode.ENOTSUP);
        }
        dual.close();
        only.close();
        runToEnd(loop);
    }

    /** Whether an IPv4 datagram socket can bind the loopback address with this port. */
    private static boolean ipv4CanBind(int port) throws Exception {
        try (DatagramChannel v4 = DatagramChannel.open(StandardProtocolFamily.INET)) {
            v4.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (BindException e) {
            return false;
        }
    }

    @Test
    @DisplayName("rule 140: closing hundreds of receiving handles right after their first datagram keeps the poller sound; every callback runs once")
    void closingManyReceivingHandles(Loop loop) throws Exception {
        int count = 200;
        Udp sender = loop.udp();
        sender.bind(loopback());
        int[] received = new int[count];
        int[] closed = new int[count];
        int[] sent = new int[1];
        for (int i = 0; i < count; i++) {
            int index = i;
            Udp udp = loop.udp();
            udp.bind(loopback());
            udp.startReceive(result -> {
                received[index]++;
                udp.close(() -> closed[index]++);
            });
            sender.send(ascii("go"), udp.localAddress(), error -> {
                assertThat(error).isNull();
                sent[0]++;
            });
        }
        runUntil(loop, () -> Arrays.stream(closed).sum() == count && sent[0] == count);
        assertThat(received).containsOnly(1);
        assertThat(closed).containsOnly(1);
        sender.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 24, 25: an unreferenced receiving handle does not keep the loop alive; a send on an unreferenced handle still completes")
    void unreferencedHandles(Loop loop) throws Exception {
        try (DatagramSocket peer = jdkPeer()) {
            Udp idle = loop.udp();
            idle.bind(loopback());
            recordReceives(idle);
            idle.unref();
            assertThat(loop.run(io.loopsock.RunMode.DEFAULT)).as("run returns with only an unreferenced receiver").isFalse();
            Udp sending = loop.udp();
            sending.unref();
            boolean[] done = {false};
            sending.send(ascii("unref"), addressOf(peer), error -> done[0] = true);
            loop.run(io.loopsock.RunMode.DEFAULT);
            assertThat(done[0]).as("the send completed").isTrue();
            assertThat(text(receive(peer))).isEqualTo("unref");
            idle.close();
            sending.close();
            runToEnd(loop);
        }
    }

    @Test
    @DisplayName("rule 17, 18: close releases the socket at once, so the port can be bound again before the close callback; the callback runs later, once")
    void closeReleasesThePort(Loop loop) throws Exception {
        Udp udp = loop.udp();
        udp.bind(loopback());
        InetSocketAddress address = udp.localAddress();
        int[] closed = {0};
        udp.close(() -> closed[0]++);
        assertThat(closed[0]).isZero();
        Udp again = loop.udp();
        again.bind(address);
        assertThat(again.localAddress()).isEqualTo(address);
        again.close();
        runToEnd(loop);
        assertThat(closed[0]).isEqualTo(1);
    }
}
