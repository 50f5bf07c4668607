package io.loopsock.conformance.properties;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReceiveResult;
import io.loopsock.RunMode;
import io.loopsock.Udp;
import io.loopsock.conformance.Check;
import io.loopsock.conformance.Rules;
import io.loopsock.conformance.engine.Describe;
import io.loopsock.conformance.engine.Gen;
import io.loopsock.conformance.engine.Property;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Datagram integrity: whatever the datagrams (empty ones and the largest IPv4 can carry included)
 * and whether each goes by {@code send} or {@code trySend}, each arrives whole, once, in order,
 * with its sender; each send is called back once, in order; the send queue ends empty (rules 125,
 * 130, 132). The peer is the same backend on the same loop, or the JDK's {@link DatagramSocket}.
 *
 * <p>Any thread: each check opens its own loop on the calling thread. Each datagram is awaited
 * before the next is sent, so a full receive buffer (where UDP may rightly drop) never arises.
 */
public final class DatagramIntegrity {
    /** Every wait of a check is bounded by this. */
    private static final long BOUND_MILLIS = 10_000;

    /** The largest datagram IPv4 can carry. */
    private static final int MAX_DATAGRAM = 65_507;

    private DatagramIntegrity() {}

    /**
     * One case: the datagrams, in order, and for each whether it goes by {@code trySend}.
     *
     * @param datagrams the datagrams
     * @param viaTrySend per datagram, whether the backend sends it with {@code trySend}
     */
    public record Case(List<byte[]> datagrams, List<Boolean> viaTrySend) {
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("[");
            for (int i = 0; i < datagrams.size(); i++) {
                text.append(i == 0 ? "" : ", ").append(viaTrySend.get(i) ? "trySend " : "send ").append(Describe.value(datagrams.get(i)));
            }
            return text.append(']').toString();
        }
    }

    /**
     * Generates cases: 1 to 12 datagrams, mostly small, some empty, a few up to the IPv4 maximum.
     *
     * @return the generator
     */
    public static Gen<Case> cases() {
        Gen<Integer> length = Gen.frequency(List.of(
                new Gen.Weighted<>(2, Gen.constant(0)),
                new Gen.Weighted<>(6, Gen.ints(0, 512)),
                new Gen.Weighted<>(3, Gen.ints(0, 8192)),
                new Gen.Weighted<>(1, Gen.ints(0, MAX_DATAGRAM))));
        return Gen.lists(Gen.bytes(length), 1, 12).flatMap(datagrams ->
                Gen.lists(Gen.booleans(), datagrams.size(), datagrams.size()).map(via -> new Case(datagrams, via)));
    }

    /**
     * Lists the checks: backend to backend, backend to the JDK, the JDK to the backend.
     *
     * @param backend the backend under test
     * @return the checks, each needing {@link Capability#UDP}
     */
    public static List<Check> checks(LoopProvider backend) {
        List<String> rules = List.of(Rules.id(125), Rules.id(130), Rules.id(132));
        return List.of(
                new Check(rules, Set.of(Capability.UDP), backendToBackend(backend)),
                new Check(rules, Set.of(Capability.UDP), backendToJdk(backend)),
                new Check(rules, Set.of(Capability.UDP), jdkToBackend(backend)));
    }

    /**
     * The backend sends, a UDP handle of the same backend on the same loop receives.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<Case> backendToBackend(LoopProvider backend) {
        return Property.forAll("datagram integrity, " + backend.name() + " -> " + backend.name(), cases(), c -> {
            try (Loop loop = backend.open()) {
                Udp sender = loop.udp();
                Udp receiver = loop.udp();
                try {
                    receiver.bind(loopback());
                    List<Received> received = receiveInto(receiver);
                    List<String> callbacks = new ArrayList<>();
                    for (int i = 0; i < c.datagrams().size(); i++) {
                        send(loop, sender, c, i, receiver.localAddress(), callbacks);
                        int expected = i + 1;
                        runUntil(loop, () -> received.size() >= expected, "datagram " + i + " to arrive");
                        Received got = received.get(i);
                        checkBytes(i, c.datagrams().get(i), got.bytes());
                        check(got.sender().getPort() == sender.localAddress().getPort(),
                                "datagram " + i + " came from port " + got.sender().getPort() + ", not the sender's " + sender.localAddress().getPort());
                    }
                    checkCallbacks(c, callbacks);
                    check(received.size() == c.datagrams().size(), "received " + received.size() + " datagrams, sent " + c.datagrams().size());
                    check(sender.sendQueueCount() == 0 && sender.sendQueueSize() == 0, "the send queue did not empty");
                } finally {
                    sender.close();
                    receiver.close();
                    runBounded(loop);
                }
            }
        });
    }

    /**
     * The backend sends, the JDK's {@link DatagramSocket} receives.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<Case> backendToJdk(LoopProvider backend) {
        return Property.forAll("datagram integrity, " + backend.name() + " -> jdk", cases(), c -> {
            try (Loop loop = backend.open(); DatagramSocket peer = new DatagramSocket(loopback())) {
                peer.setSoTimeout((int) BOUND_MILLIS);
                Udp sender = loop.udp();
                try {
                    List<String> callbacks = new ArrayList<>();
                    byte[] buffer = new byte[MAX_DATAGRAM + 1];
                    for (int i = 0; i < c.datagrams().size(); i++) {
                        send(loop, sender, c, i, (InetSocketAddress) peer.getLocalSocketAddress(), callbacks);
                        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                        peer.receive(packet);
                        checkBytes(i, c.datagrams().get(i), Arrays.copyOf(packet.getData(), packet.getLength()));
                        check(packet.getPort() == sender.localAddress().getPort(), "datagram " + i + " came from port " + packet.getPort());
                    }
                    checkCallbacks(c, callbacks);
                    check(sender.sendQueueCount() == 0 && sender.sendQueueSize() == 0, "the send queue did not empty");
                } finally {
                    sender.close();
                    runBounded(loop);
                }
            }
        });
    }

    /**
     * The JDK's {@link DatagramSocket} sends, the backend receives.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<Case> jdkToBackend(LoopProvider backend) {
        return Property.forAll("datagram integrity, jdk -> " + backend.name(), cases(), c -> {
            try (Loop loop = backend.open(); DatagramSocket peer = new DatagramSocket(loopback())) {
                Udp receiver = loop.udp();
                try {
                    receiver.bind(loopback());
                    List<Received> received = receiveInto(receiver);
                    for (int i = 0; i < c.datagrams().size(); i++) {
                        byte[] datagram = c.datagrams().get(i);
                        peer.send(new DatagramPacket(datagram, datagram.length, receiver.localAddress()));
                        int expected = i + 1;
                        runUntil(loop, () -> received.size() >= expected, "datagram " + i + " to arrive");
                        checkBytes(i, datagram, received.get(i).bytes());
                        check(received.get(i).sender().getPort() == peer.getLocalPort(), "datagram " + i + " came from port "
                                + received.get(i).sender().getPort() + ", not the JDK socket's " + peer.getLocalPort());
                    }
                    check(received.size() == c.datagrams().size(), "received " + received.size() + " datagrams, sent " + c.datagrams().size());
                } finally {
                    receiver.close();
                    runBounded(loop);
                }
            }
        });
    }

    private record Received(byte[] bytes, InetSocketAddress sender) {}

    private static List<Received> receiveInto(Udp udp) throws LoopException {
        List<Received> received = new ArrayList<>();
        udp.startReceive(result -> {
            switch (result) {
                case ReceiveResult.Datagram(ByteBuffer bytes, InetSocketAddress sender, boolean truncated) -> {
                    check(!truncated, "a datagram was truncated");
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    received.add(new Received(copy, sender));
                }
                case ReceiveResult.Failed(LoopException e) -> throw new AssertionError("receive failed: " + e, e);
            }
        });
        return received;
    }

    /** Sends datagram i by the case's means; a send's callback is awaited before returning. */
    private static void send(Loop loop, Udp sender, Case c, int i, InetSocketAddress to, List<String> callbacks) throws LoopException {
        ByteBuffer datagram = ByteBuffer.wrap(c.datagrams().get(i));
        if (c.viaTrySend().get(i)) {
            // Nothing is queued and the socket has room (each datagram is awaited): all of it goes.
            check(sender.trySend(datagram, to), "trySend of datagram " + i + " sent nothing with an empty queue");
            check(!datagram.hasRemaining(), "trySend of datagram " + i + " did not advance the buffer");
            return;
        }
        int before = callbacks.size();
        sender.send(datagram, to, error -> callbacks.add(i + ":" + error));
        check(callbacks.size() == before, "the callback of send " + i + " ran inside send");
        runUntil(loop, () -> callbacks.size() > before, "the callback of send " + i);
    }

    private static void checkCallbacks(Case c, List<String> callbacks) {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < c.datagrams().size(); i++) {
            if (!c.viaTrySend().get(i)) {
                expected.add(i + ":null");
            }
        }
        check(callbacks.equals(expected), "send callbacks " + callbacks + ", expected " + expected);
    }

    private static void checkBytes(int i, byte[] expected, byte[] actual) {
        if (!Arrays.equals(expected, actual)) {
            throw new AssertionError("datagram " + i + ": received " + actual.length + " bytes, sent " + expected.length
                    + "; first difference at byte " + Arrays.mismatch(expected, actual));
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    private static void runUntil(Loop loop, java.util.function.BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + BOUND_MILLIS + " ms for " + what);
            }
            loop.run(RunMode.ONCE);
        }
    }

    private static void runBounded(Loop loop) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        while (loop.run(RunMode.ONCE)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the loop still had work after " + BOUND_MILLIS + " ms");
            }
        }
    }
}
