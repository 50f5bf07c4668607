package io.loopsock.testing;

import static org.assertj.core.api.Assertions.fail;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.spi.Capability;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/** Helpers for behaviour tests: bounded runs, connected pairs, capability checks. */
public final class Loops {
    /** The bound on any wait for an event in a test. */
    public static final Duration BOUND = Duration.ofSeconds(10);

    private Loops() {}

    /** The IPv4 loopback address with port 0. */
    public static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /**
     * Runs the loop one iteration at a time until the condition holds; fails when the loop runs out
     * of work first or the bound passes.
     *
     * @param loop the loop
     * @param done the condition
     */
    public static void runUntil(Loop loop, BooleanSupplier done) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("the condition did not hold within " + BOUND);
            }
            boolean alive = loop.run(RunMode.ONCE);
            if (!alive && !done.getAsBoolean()) {
                fail("the loop ran out of work before the condition held");
            }
        }
    }

    /**
     * Runs the loop one iteration at a time until nothing is alive, failing if work remains after
     * the bound.
     *
     * @param loop the loop
     */
    public static void runToEnd(Loop loop) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (loop.run(RunMode.ONCE)) {
            if (System.nanoTime() > deadline) {
                fail("the loop still had work after " + BOUND);
            }
        }
    }

    /**
     * Skips the test unless the backend under test declares the capability.
     *
     * @param loop a loop of the backend
     * @param capability what the test needs
     */
    public static void assume(Loop loop, Capability capability) {
        Assumptions.assumeTrue(loop.provider().capabilities().contains(capability),
                () -> "backend " + loop.provider().name() + " does not declare " + capability);
    }

    /**
     * A connected TCP pair on one loop, with the listener that made it.
     *
     * @param listener the listener, still listening
     * @param client the connecting side
     * @param server the accepted side
     */
    public record TcpPair(Tcp listener, Tcp client, Tcp server) {
        /** Closes all three. */
        public void close() {
            for (Tcp tcp : new Tcp[] {client, server, listener}) {
                if (!tcp.isClosing()) {
                    tcp.close();
                }
            }
        }

        /**
         * Closes the listener only, keeping the connection.
         *
         * @return this pair
         */
        public TcpPair closeListener() {
            listener.close();
            return this;
        }
    }

    /**
     * Connects a client to a new listener on loopback and accepts it.
     *
     * @param loop the loop
     * @return the pair, connected
     * @throws LoopException if a step fails
     */
    public static TcpPair tcpPair(Loop loop) throws LoopException {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        AtomicReference<Tcp> accepted = new AtomicReference<>();
        AtomicReference<LoopException> failure = new AtomicReference<>();
        listener.listen(8, error -> {
            if (error != null) {
                failure.set(error);
                return;
            }
            try {
                accepted.set(listener.accept());
            } catch (LoopException e) {
                failure.set(e);
            }
        });
        Tcp client = loop.tcp();
        boolean[] connected = {false};
        client.connect(listener.localAddress(), error -> {
            if (error != null) {
                failure.set(error);
            }
            connected[0] = true;
        });
        runUntil(loop, () -> failure.get() != null || (connected[0] && accepted.get() != null));
        if (failure.get() != null) {
            throw failure.get();
        }
        return new TcpPair(listener, client, accepted.get());
    }
}
