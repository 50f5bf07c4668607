package io.loopsock.bench.jmh;

import io.loopsock.Async;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The loop's own overhead, per backend ({@code -p backend=nio,epoll,…}; {@code ./loopsock bench
 * --jmh} passes every available one). Average time per operation, in nanoseconds.
 *
 * <p>Each state's loop belongs to the benchmark thread (JMH runs a thread-scoped state's setup on
 * that thread), except {@link CrossThread}'s, which runs on a thread of its own.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
public class LoopBenchmarks {

    /** A loop kept alive by a far-off timer, so that every NOWAIT run is a whole iteration. */
    @State(Scope.Thread)
    public static class Iteration {
        /** The backend. */
        @Param({"nio"})
        public String backend;
        Loop loop;
        Timer keepAlive;

        /**
         * Opens the loop.
         *
         * @throws LoopException if the backend cannot open one
         */
        @Setup
        public void open() throws LoopException {
            loop = Loop.open(backend);
            keepAlive = loop.timer();
            keepAlive.start(() -> { }, TimeUnit.DAYS.toMillis(1));
        }

        /**
         * Closes the loop.
         *
         * @throws LoopException if it cannot
         */
        @TearDown
        public void close() throws LoopException {
            keepAlive.close();
            loop.run(RunMode.DEFAULT);
            loop.close();
        }
    }

    /**
     * One loop iteration with nothing to do: the phases and a poll that does not block.
     *
     * @param state the loop
     * @return whether the loop is alive
     */
    @Benchmark
    public boolean emptyNowaitIteration(Iteration state) {
        return state.loop.run(RunMode.NOWAIT);
    }

    /** 10,000 timers: all active far in the future for start/stop; all due at once for firing. */
    @State(Scope.Thread)
    public static class Timers {
        static final int COUNT = 10_000;
        /** The backend. */
        @Param({"nio"})
        public String backend;
        Loop loop;
        Timer[] timers;
        Timer probe;
        int fired;

        /**
         * Opens the loop and its timers, and starts all but the probe far in the future.
         *
         * @throws LoopException if the backend cannot open one
         */
        @Setup
        public void open() throws LoopException {
            loop = Loop.open(backend);
            timers = new Timer[COUNT];
            for (int i = 0; i < COUNT; i++) {
                timers[i] = loop.timer();
            }
            probe = loop.timer();
        }

        /** Starts the 10,000 background timers, an hour (plus a spread) away. */
        void startBackground() {
            for (int i = 0; i < COUNT; i++) {
                timers[i].start(() -> { }, TimeUnit.HOURS.toMillis(1) + i);
            }
        }

        /**
         * Closes everything.
         *
         * @throws LoopException if it cannot
         */
        @TearDown
        public void close() throws LoopException {
            for (Timer timer : timers) {
                timer.close();
            }
            probe.close();
            loop.run(RunMode.DEFAULT);
            loop.close();
        }
    }

    /** The timers of {@link #timerStartStopAmong10k}: 10,000 started in the background. */
    @State(Scope.Thread)
    public static class BusyTimers extends Timers {
        /**
         * Opens the loop and its timers, then starts the background ones.
         *
         * @throws LoopException if the backend cannot open a loop
         */
        @Override
        @Setup(Level.Trial)
        public void open() throws LoopException {
            super.open();
            startBackground();
        }
    }

    /**
     * Starts and stops one timer while 10,000 others are active.
     *
     * @param state the timers
     */
    @Benchmark
    public void timerStartStopAmong10k(BusyTimers state) {
        state.probe.start(() -> { }, 60_000);
        state.probe.stop();
    }

    /**
     * Starts 10,000 timers due at once and runs the loop until every one has fired; per timer.
     *
     * @param state the timers
     * @return how many fired
     */
    @Benchmark
    @OperationsPerInvocation(Timers.COUNT)
    public int timerFiring10k(Timers state) {
        state.fired = 0;
        for (Timer timer : state.timers) {
            timer.start(() -> state.fired++, 0);
        }
        state.loop.run(RunMode.DEFAULT);
        if (state.fired != Timers.COUNT) {
            throw new IllegalStateException(state.fired + " of " + Timers.COUNT + " timers fired");
        }
        return state.fired;
    }

    /** A loop running on a thread of its own, woken by this thread. */
    @State(Scope.Thread)
    public static class CrossThread {
        /** The backend. */
        @Param({"nio"})
        public String backend;
        Loop loop;
        Async async;
        volatile long seen;
        long expected;
        Thread thread;

        /**
         * Starts the loop's thread.
         *
         * @throws Exception if the loop cannot start
         */
        @Setup
        public void start() throws Exception {
            CompletableFuture<Loop> opened = new CompletableFuture<>();
            thread = Thread.ofPlatform().name("jmh-loop").daemon(true).start(() -> {
                try {
                    Loop l = Loop.open(backend);
                    async = l.async(() -> seen++);
                    opened.complete(l);
                    l.run(RunMode.DEFAULT);
                    l.close();
                } catch (Throwable e) {
                    opened.completeExceptionally(e);
                }
            });
            loop = opened.get(10, TimeUnit.SECONDS);
        }

        /** Waits until the loop has counted up to the expected number. */
        void await() {
            while (seen < expected) {
                Thread.onSpinWait();
            }
        }

        /**
         * Stops the loop's thread.
         *
         * @throws InterruptedException if interrupted while waiting for it
         */
        @TearDown
        public void stop() throws InterruptedException {
            loop.execute(() -> async.close());
            thread.join(10_000);
        }
    }

    /**
     * {@link Async#send()} from another thread, until its callback has run on the loop's thread.
     *
     * @param state the loop
     */
    @Benchmark
    public void asyncSendFromAnotherThread(CrossThread state) {
        state.expected++;
        state.async.send();
        state.await();
    }

    /**
     * {@link Loop#execute(Runnable)} from another thread, until the task has run on the loop's thread.
     *
     * @param state the loop
     */
    @Benchmark
    public void executeFromAnotherThread(CrossThread state) {
        state.expected++;
        state.loop.execute(() -> state.seen++);
        state.await();
    }

    /** A connected loopback pair on one loop: the client writes 64 bytes, the server reads them. */
    @State(Scope.Thread)
    public static class Pair {
        /** The backend. */
        @Param({"nio"})
        public String backend;
        Loop loop;
        Tcp listener;
        Tcp client;
        Tcp server;
        long received;
        boolean written;
        final ByteBuffer message = ByteBuffer.allocateDirect(64);

        /**
         * Connects the pair.
         *
         * @throws Exception if it cannot
         */
        @Setup
        public void connect() throws Exception {
            loop = Loop.open(backend);
            listener = loop.tcp();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            listener.listen(16, error -> {
                server = listener.accept();
                server.startRead(result -> {
                    if (result instanceof ReadResult.Data(ByteBuffer bytes)) {
                        received += bytes.remaining();
                    }
                });
            });
            client = loop.tcp();
            client.connect(listener.localAddress(), error -> {
                if (error != null) {
                    throw error;
                }
            });
            for (int i = 0; i < 1000 && (server == null || !client.isWritable()); i++) {
                loop.run(RunMode.ONCE);
            }
            if (server == null || !client.isWritable()) {
                throw new IllegalStateException("the pair did not connect");
            }
        }

        /**
         * Closes the pair.
         *
         * @throws LoopException if the loop cannot close
         */
        @TearDown
        public void close() throws LoopException {
            client.close();
            server.close();
            listener.close();
            loop.run(RunMode.DEFAULT);
            loop.close();
        }
    }

    /**
     * One 64-byte write, its callback, and the server's read of the bytes.
     *
     * @param state the pair
     * @return the bytes received so far
     * @throws LoopException if the write fails
     */
    @Benchmark
    public long writeAndReadOnConnectedPair(Pair state) throws LoopException {
        long expected = state.received + 64;
        state.written = false;
        state.client.write(state.message, error -> state.written = true);
        while (state.received < expected || !state.written) {
            state.loop.run(RunMode.ONCE);
        }
        return state.received;
    }
}
