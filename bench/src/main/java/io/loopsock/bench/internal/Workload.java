package io.loopsock.bench.internal;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The five workloads of issue 6, with their sizes; each is run by {@link Measure} in a fresh JVM.
 *
 * <p>Any thread (values).
 */
public enum Workload {
    /** One connection, a discarding server, 64 KiB writes back to back; MiB/s. */
    STREAM("stream", true),
    /** One connection, 64-byte messages, one round trip at a time; p50/p99 µs and round trips/s. */
    PING_PONG("ping-pong", true),
    /** 100 connections each doing ping-pong at once; total round trips/s. */
    FAN_IN("fan-in", false),
    /** Concurrent loops of connect, read the end of the stream, close; connections/s. */
    CHURN("churn", false),
    /** 10,000 idle connections held by the measured server; bytes per connection. */
    IDLE("idle", false);

    /** Every server and client of the harness uses the loopback address only. */
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** The listen backlog of every server (the reference machine's somaxconn). */
    static final int BACKLOG = 4096;

    private final String id;
    private final boolean pinnedToo;

    Workload(String id, boolean pinnedToo) {
        this.id = id;
        this.pinnedToo = pinnedToo;
    }

    /**
     * Returns the workload's name in commands and results.
     *
     * @return such as {@code ping-pong}
     */
    public String id() {
        return id;
    }

    /**
     * Tells whether the workload also runs pinned to one CPU ({@code taskset -c 0}).
     *
     * @return true for the stream and latency workloads
     */
    public boolean pinnedToo() {
        return pinnedToo;
    }

    /**
     * Finds a workload by its name.
     *
     * @param id the name
     * @return the workload
     * @throws IllegalArgumentException for an unknown name
     */
    public static Workload of(String id) {
        return Arrays.stream(values()).filter(w -> w.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown workload " + id + "; known: "
                        + Arrays.stream(values()).map(Workload::id).toList()));
    }

    /**
     * The sizes of a run: the full ones of the issue, or the quick smoke run's.
     *
     * @param warmup how long the timed workloads warm up
     * @param measure how long stream and fan-in measure
     * @param churnMeasure how long churn measures
     * @param chunk the stream's write size
     * @param messageSize the ping-pong and fan-in message size
     * @param pingPongWarmup round trips before measuring
     * @param pingPongCount measured round trips
     * @param fanInConnections fan-in's connections
     * @param churnConcurrency churn's concurrent loops
     * @param idleConnections idle's connections
     * @param idleWarmupConnections connections opened and closed before idle's first sample
     * @param idleSettle how long idle waits before each memory sample
     */
    public record Sizes(Duration warmup, Duration measure, Duration churnMeasure, int chunk, int messageSize,
            int pingPongWarmup, int pingPongCount, int fanInConnections, int churnConcurrency,
            int idleConnections, int idleWarmupConnections, Duration idleSettle) {

        /** The sizes, as the anchors in reference/perf-anchors.md were measured. */
        public static final Sizes FULL = new Sizes(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
                64 * 1024, 64, 50_000, 100_000, 100, 4, 10_000, 2_000, Duration.ofSeconds(6));

        /** A smoke run: every path runs, no number means anything. */
        public static final Sizes QUICK = new Sizes(Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofMillis(300),
                64 * 1024, 64, 500, 2_000, 100, 4, 200, 50, Duration.ZERO);

        /**
         * Writes the sizes as the child's command-line arguments.
         *
         * @return the arguments
         */
        public String[] arguments() {
            return new String[] {
                "--warmup-ms=" + warmup.toMillis(), "--measure-ms=" + measure.toMillis(),
                "--churn-ms=" + churnMeasure.toMillis(), "--chunk=" + chunk, "--size=" + messageSize,
                "--pp-warmup=" + pingPongWarmup, "--pp-count=" + pingPongCount, "--conns=" + fanInConnections,
                "--concurrency=" + churnConcurrency, "--idle-conns=" + idleConnections,
                "--idle-warmup=" + idleWarmupConnections, "--idle-settle-ms=" + idleSettle.toMillis()
            };
        }

        /**
         * Reads sizes from arguments made by {@link #arguments()}; the others are left out.
         *
         * @param base the values of arguments that are missing
         * @param args the arguments
         * @return the sizes
         */
        public static Sizes parse(Sizes base, java.util.List<String> args) {
            java.util.Map<String, Long> given = new java.util.HashMap<>();
            for (String arg : args) {
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 2 && arg.substring(eq + 1).matches("\\d+")) {
                    given.put(arg.substring(2, eq), Long.parseLong(arg.substring(eq + 1)));
                }
            }
            return new Sizes(millis(given, "warmup-ms", base.warmup), millis(given, "measure-ms", base.measure),
                    millis(given, "churn-ms", base.churnMeasure), count(given, "chunk", base.chunk),
                    count(given, "size", base.messageSize), count(given, "pp-warmup", base.pingPongWarmup),
                    count(given, "pp-count", base.pingPongCount), count(given, "conns", base.fanInConnections),
                    count(given, "concurrency", base.churnConcurrency), count(given, "idle-conns", base.idleConnections),
                    count(given, "idle-warmup", base.idleWarmupConnections), millis(given, "idle-settle-ms", base.idleSettle));
        }

        private static Duration millis(java.util.Map<String, Long> given, String key, Duration otherwise) {
            Long value = given.get(key);
            return value == null ? otherwise : Duration.ofMillis(value);
        }

        private static int count(java.util.Map<String, Long> given, String key, int otherwise) {
            Long value = given.get(key);
            return value == null ? otherwise : Math.toIntExact(value);
        }
    }

    /**
     * Makes a direct buffer of the given size, filled with a recognisable pattern.
     *
     * @param size the size
     * @return the buffer, position 0, limit size
     */
    static ByteBuffer directBytes(int size) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            buffer.put((byte) ('a' + i % 26));
        }
        return buffer.flip();
    }

    /**
     * Makes a heap array of the given size, filled like {@link #directBytes(int)}.
     *
     * @param size the size
     * @return the bytes
     */
    static byte[] heapBytes(int size) {
        byte[] bytes = new byte[size];
        directBytes(size).get(bytes);
        return bytes;
    }

    /**
     * Waits for a measured exchange, long enough for the slowest full run.
     *
     * @param done the exchange's result
     * @return its value
     * @throws Exception what it failed with, or a timeout after ten minutes
     */
    static long await(CompletableFuture<Long> done) throws Exception {
        try {
            return done.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
