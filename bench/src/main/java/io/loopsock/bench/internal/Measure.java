package io.loopsock.bench.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.management.ObjectName;

/**
 * Runs workloads against one contender, in the JVM the harness forked for that purpose, and
 * prints one {@code RESULT} line per metric. Server and client run in this JVM, on the threads
 * their stack gives them; only the idle workload's clients are another JVM, so that the measured
 * process holds nothing but the server's side.
 *
 * <p>Single-threaded use.
 */
public final class Measure {
    /** The line prefix the harness reads results by. */
    public static final String RESULT = "RESULT";

    private final Contender contender;
    private final Workload.Sizes sizes;

    /**
     * Prepares a measurement.
     *
     * @param contender the contender
     * @param sizes the workload sizes
     */
    public Measure(Contender contender, Workload.Sizes sizes) {
        this.contender = contender;
        this.sizes = sizes;
    }

    /**
     * The child JVM's main: {@code child --contender=NAME --workloads=a,b [sizes]}. Prints the
     * results, then exits (the contender's threads end with the JVM).
     *
     * @param args the arguments
     */
    public static void main(List<String> args) {
        String name = option(args, "--contender=");
        List<Workload> workloads = Arrays.stream(option(args, "--workloads=").split(",")).map(Workload::of).toList();
        Workload.Sizes sizes = Workload.Sizes.parse(Workload.Sizes.FULL, args);
        PrintStream out = System.out;
        int status = 0;
        for (Workload workload : workloads) {
            try {
                Contender contender = Contenders.named(name).make().get();
                Map<String, Double> metrics = new Measure(contender, sizes).run(workload);
                metrics.forEach((metric, value) -> out.println(RESULT + "\t" + workload.id() + "\t" + metric + "\t" + value));
            } catch (Throwable e) {
                // The harness keeps this JVM's stderr in the run's log; the line below carries the error.
                System.getLogger("io.loopsock.bench").log(System.Logger.Level.ERROR, "workload " + workload.id() + " failed", e);
                out.println(RESULT + "\t" + workload.id() + "\terror\tNaN\t" + String.valueOf(e).replace('\t', ' ').replace('\n', ' '));
                status = 1;
            }
            out.flush();
        }
        System.exit(status);
    }

    static String option(List<String> args, String prefix) {
        return args.stream().filter(a -> a.startsWith(prefix)).map(a -> a.substring(prefix.length())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("missing " + prefix + "…"));
    }

    /**
     * Runs one workload.
     *
     * @param workload the workload
     * @return its metrics by name (see {@link Metric})
     * @throws Exception if the contender fails
     */
    public Map<String, Double> run(Workload workload) throws Exception {
        Failures.begin();
        try {
            return switch (workload) {
                case STREAM -> stream();
                case PING_PONG -> pingPong();
                case FAN_IN -> fanIn();
                case CHURN -> churn();
                case IDLE -> idle();
            };
        } finally {
            Failures.forget();
        }
    }

    private Map<String, Double> stream() throws Exception {
        try (Contender.Server server = contender.serve(Contender.Service.DISCARD);
                Contender.Client client = contender.client()) {
            client.stream(server.address(), sizes.chunk());
            pause(sizes.warmup());
            long bytes = server.received();
            long start = System.nanoTime();
            pause(sizes.measure());
            long seconds = System.nanoTime() - start;
            bytes = server.received() - bytes;
            return Failures.end(Map.of(Metric.MIB_PER_S, bytes / (1024.0 * 1024.0) / (seconds / 1e9)));
        }
    }

    private Map<String, Double> pingPong() throws Exception {
        try (Contender.Server server = contender.serve(Contender.Service.ECHO);
                Contender.Client client = contender.client()) {
            long[] latencies = new long[sizes.pingPongCount()];
            long nanos = client.pingPong(server.address(), sizes.messageSize(), sizes.pingPongWarmup(), latencies);
            Arrays.sort(latencies);
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put(Metric.RT_PER_S, latencies.length / (nanos / 1e9));
            metrics.put(Metric.P50_US, percentile(latencies, 0.50) / 1e3);
            metrics.put(Metric.P99_US, percentile(latencies, 0.99) / 1e3);
            return Failures.end(metrics);
        }
    }

    /**
     * The nearest-rank percentile of sorted values.
     *
     * @param sorted the values, ascending
     * @param p the fraction, 0 to 1
     * @return the value
     */
    static double percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private Map<String, Double> fanIn() throws Exception {
        try (Contender.Server server = contender.serve(Contender.Service.ECHO);
                Contender.Client client = contender.client()) {
            LongAdder roundTrips = new LongAdder();
            client.fanIn(server.address(), sizes.fanInConnections(), sizes.messageSize(), roundTrips);
            return Failures.end(Map.of(Metric.RT_PER_S, rate(roundTrips, sizes.measure())));
        }
    }

    private Map<String, Double> churn() throws Exception {
        try (Contender.Server server = contender.serve(Contender.Service.CLOSE);
                Contender.Client client = contender.client()) {
            LongAdder connections = new LongAdder();
            client.churn(server.address(), sizes.churnConcurrency(), connections);
            return Failures.end(Map.of(Metric.CONN_PER_S, rate(connections, sizes.churnMeasure())));
        }
    }

    /** Counts events per second over the measured window that follows the warm-up. */
    private double rate(LongAdder events, Duration measure) throws InterruptedException {
        pause(sizes.warmup());
        long count = events.sum();
        long start = System.nanoTime();
        pause(measure);
        long nanos = System.nanoTime() - start;
        count = events.sum() - count;
        return count / (nanos / 1e9);
    }

    /**
     * Idle memory: the server in this JVM, the clients in another. A sample settles (HotSpot frees
     * pooled compiler arenas every 5 s), runs two full GCs and trims the malloc heap; the heap
     * delta is the live heap after GC, the native delta is the RSS delta (with the heap pre-touched,
     * heap growth is not in it). The first sample only warms up and is dropped.
     */
    private Map<String, Double> idle() throws Exception {
        try (Contender.Server server = contender.serve(Contender.Service.ECHO);
                IdleClients.Remote clients = IdleClients.start(server.address())) {
            clients.open(sizes.idleWarmupConnections());
            clients.closeAll();
            sample();
            long[] before = sample();
            int n = sizes.idleConnections();
            clients.open(n);
            long[] after = sample();
            double heap = (after[0] - before[0]) / (double) n;
            double rss = (after[1] - before[1]) / (double) n;
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put(Metric.TOTAL_B_PER_CONN, heap + rss);
            metrics.put(Metric.HEAP_B_PER_CONN, heap);
            metrics.put(Metric.NATIVE_B_PER_CONN, rss);
            Failures.end(metrics);
            clients.closeAll();
            return metrics;
        }
    }

    /** Returns {live heap bytes, resident set bytes} after settling, two full GCs and a trim. */
    private long[] sample() throws Exception {
        pause(sizes.idleSettle());
        System.gc();
        System.gc();
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "systemTrimNativeHeap", new Object[] {null}, new String[] {String[].class.getName()});
        } catch (Exception e) {
            // Only glibc has the command; elsewhere the sample is a little noisier.
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return new long[] {heap, residentBytes()};
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    /** Waits out a measuring window; the harness's own timing, not a test's synchronisation. */
    private static void pause(Duration duration) throws InterruptedException {
        if (!duration.isZero()) {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        }
    }

    /** The metric names of the results. */
    public static final class Metric {
        /** Stream: mebibytes per second received by the server. */
        public static final String MIB_PER_S = "MiB_per_s";
        /** Round trips per second. */
        public static final String RT_PER_S = "rt_per_s";
        /** Median round trip, µs. */
        public static final String P50_US = "p50_us";
        /** 99th percentile round trip, µs. */
        public static final String P99_US = "p99_us";
        /** Churn: connections per second. */
        public static final String CONN_PER_S = "conn_per_s";
        /** Idle: heap plus native bytes per connection. */
        public static final String TOTAL_B_PER_CONN = "total_B_per_conn";
        /** Idle: live heap bytes per connection. */
        public static final String HEAP_B_PER_CONN = "heap_B_per_conn";
        /** Idle: resident native bytes per connection. */
        public static final String NATIVE_B_PER_CONN = "native_B_per_conn";

        private Metric() {
        }

        /**
         * Tells whether a smaller value is better.
         *
         * @param metric the metric
         * @return true for latencies and memory
         */
        public static boolean lowerIsBetter(String metric) {
            return metric.endsWith("_us") || metric.endsWith("_per_conn");
        }
    }
}
