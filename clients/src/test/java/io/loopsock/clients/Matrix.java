package io.loopsock.clients;

import io.loopsock.spi.LoopProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The rows every real-client test runs on — the JDK's sockets as the reference, then every
 * available loopsock backend — times the kind of thread the client runs on.
 *
 * <p>Any thread.
 */
final class Matrix {
    /** The system property that replays a failed test's random data. */
    static final String SEED_PROPERTY = "loopsock.clients.seed";

    /** How long one scenario may run on its thread; below the JUnit timeout of the tests. */
    static final Duration BOUND = Duration.ofSeconds(40);

    private Matrix() {}

    /** The thread a client runs on. */
    enum ThreadKind {
        /** An ordinary platform thread. */
        PLATFORM,
        /** A virtual thread: the client's blocking calls park it, not a carrier. */
        VIRTUAL;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A test body, given its seeded source of random data. */
    @FunctionalInterface
    interface Scenario {
        /**
         * Runs the scenario.
         *
         * @param random seeded; the seed is printed if the scenario fails
         */
        void run(Random random) throws Exception;
    }

    /**
     * Returns the backends the tests run on: every installed loopsock backend that is available
     * here, by name.
     *
     * @return the names, best first
     */
    static List<String> backends() {
        LoopProvider.installed().stream()
                .filter(provider -> !provider.isAvailable())
                .forEach(provider -> System.err.println("loopsock clients: backend " + provider.name()
                        + " is installed but unavailable here, so no client runs on it: " + provider.unavailabilityCause()));
        return LoopProvider.installed().stream()
                .filter(LoopProvider::isAvailable)
                .map(LoopProvider::name)
                .filter(name -> !name.equals(CountingProvider.NAME))
                .toList();
    }

    /**
     * Returns the rows times the thread kinds, for {@code @MethodSource}.
     *
     * @return (row, thread kind) pairs
     */
    static Stream<Arguments> rows() {
        List<String> rows = new ArrayList<>();
        rows.add(Factories.JDK);
        rows.addAll(backends());
        return rows.stream().flatMap(row -> Stream.of(ThreadKind.values()).map(kind -> Arguments.of(row, kind)));
    }

    /**
     * Runs a scenario on a new thread of the kind, waits for it within {@link #BOUND}, and
     * rethrows what it threw, with the seed that replays its random data.
     *
     * @param kind the thread to run on
     * @param scenario the test body
     */
    static void run(ThreadKind kind, Scenario scenario) throws Exception {
        String fixed = System.getProperty(SEED_PROPERTY);
        long seed = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable body = () -> {
            try {
                scenario.run(new Random(seed));
            } catch (Throwable e) {
                failure.set(e);
            }
        };
        Thread thread = switch (kind) {
            case PLATFORM -> Thread.ofPlatform().name("client-platform").start(body);
            case VIRTUAL -> Thread.ofVirtual().name("client-virtual").start(body);
        };
        String replay = "seed " + seed + " (replay with -D" + SEED_PROPERTY + "=" + seed + ")";
        if (!thread.join(BOUND)) {
            AssertionError timeout = new AssertionError("the client on a " + kind + " thread did not finish within " + BOUND + "; " + replay);
            StackTraceElement[] stack = thread.getStackTrace();
            Throwable where = new Throwable("where the client thread was");
            where.setStackTrace(stack);
            timeout.addSuppressed(where);
            thread.interrupt();
            throw timeout;
        }
        Throwable thrown = failure.get();
        if (thrown != null) {
            System.err.println("loopsock clients: failed on a " + kind + " thread with " + replay);
            throw new AssertionError(thrown.getMessage() + "\n  on a " + kind + " thread, " + replay, thrown);
        }
    }
}
