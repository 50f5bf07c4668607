package io.loopsock.conformance.testing;

import static org.assertj.core.api.Assertions.fail;

import io.loopsock.Completion;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Pipe;
import io.loopsock.RunMode;
import io.loopsock.Stream;
import io.loopsock.Tcp;
import io.loopsock.spi.Capability;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
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
     * Runs the loop while a timer of the given length is all it waits for, counting its
     * iterations with an unreferenced check watcher: a loop that spins (readiness nobody consumes,
     * an error reported again and again) runs thousands, an idle one a handful. The watcher and the
     * timer are closed again.
     *
     * @param loop the loop
     * @param millis how long to wait
     * @return the iterations
     * @throws LoopException if the timer or the watcher cannot start
     */
    public static int iterationsWhileWaiting(Loop loop, long millis) throws LoopException {
        int[] iterations = {0};
        io.loopsock.Check check = loop.check();
        check.start(() -> iterations[0]++);
        check.unref();
        io.loopsock.Timer timer = loop.timer();
        boolean[] fired = {false};
        timer.start(() -> fired[0] = true, millis, 0);
        runUntil(loop, () -> fired[0]);
        check.close();
        timer.close();
        return iterations[0];
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
     * A connected pair of streams on one loop, with the listener that made it.
     *
     * @param <S> the kind of stream: TCP or pipe
     * @param listener the listener, still listening
     * @param client the connecting side
     * @param server the accepted side
     */
    public record Pair<S extends Stream>(S listener, S client, S server) {
        /** Closes those of the three that are not closing yet. */
        public void close() {
            Streams.closeAll(client, server, listener);
        }

        /**
         * Closes the listener only, keeping the connection.
         *
         * @return this pair
         */
        public Pair<S> closeListener() {
            listener.close();
            return this;
        }
    }

    /**
     * Starts a client's connect.
     *
     * @param <S> the kind of stream
     */
    @FunctionalInterface
    public interface Connect<S extends Stream> {
        /**
         * Connects the client to the listener.
         *
         * @param client the connecting side
         * @param onConnect called once with the outcome
         * @throws LoopException if the connect fails at once
         */
        void connect(S client, Completion onConnect) throws LoopException;
    }

    /**
     * Connects a client to a new TCP listener on loopback and accepts it.
     *
     * @param loop the loop
     * @return the pair, connected
     * @throws LoopException if a step fails
     */
    public static Pair<Tcp> tcpPair(Loop loop) throws LoopException {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        return pair(loop, listener, loop::tcp, (client, onConnect) -> client.connect(listener.localAddress(), onConnect));
    }

    /**
     * Binds a new pipe listener to the name, connects a client to it and accepts the connection.
     *
     * @param loop the loop
     * @param name the name to bind and connect to
     * @return the pair, connected
     * @throws LoopException if a step fails
     */
    public static Pair<Pipe> pipePair(Loop loop, String name) throws LoopException {
        Pipe listener = loop.pipe();
        listener.bind(name);
        return pair(loop, listener, loop::pipe, (client, onConnect) -> client.connect(name, onConnect));
    }

    /**
     * Makes the bound listener listen, then creates a client, connects it and runs the loop until
     * the connect completed and the listener accepted the connection.
     *
     * @param loop the loop
     * @param listener a bound listener, not yet listening
     * @param newClient creates the client; it is called after listen, so that the handles are
     *     created in the same order for every kind of stream
     * @param connect starts the client's connect to the listener
     * @return the pair, connected
     * @throws LoopException if a step fails
     */
    @SuppressWarnings("unchecked") // accept() on a listener of kind S returns an S (Tcp and Pipe narrow it).
    private static <S extends Stream> Pair<S> pair(Loop loop, S listener, Supplier<S> newClient, Connect<S> connect)
            throws LoopException {
        AtomicReference<S> accepted = new AtomicReference<>();
        AtomicReference<LoopException> failure = new AtomicReference<>();
        listener.listen(8, error -> {
            if (error != null) {
                failure.set(error);
                return;
            }
            try {
                accepted.set((S) listener.accept());
            } catch (LoopException e) {
                failure.set(e);
            }
        });
        S client = newClient.get();
        boolean[] connected = {false};
        connect.connect(client, error -> {
            if (error != null) {
                failure.set(error);
            }
            connected[0] = true;
        });
        runUntil(loop, () -> failure.get() != null || (connected[0] && accepted.get() != null));
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Pair<>(listener, client, accepted.get());
    }
}
