package io.loopsock.bench;

import io.loopsock.bench.internal.Contenders;
import io.loopsock.bench.internal.Harness;
import io.loopsock.bench.internal.Measure;
import io.loopsock.bench.internal.Report;
import io.loopsock.bench.internal.Workload;
import io.loopsock.spi.LoopProvider;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of the benchmarks, {@code ./loopsock bench}: the side-by-side harness, its
 * report, and the JMH microbenchmarks.
 *
 * <pre>
 * ./loopsock bench [--quick] [--rounds N] [--workloads stream,ping-pong,fan-in,churn,idle]
 *                  [--contenders NAME,…] [--profile N] [--no-docs]
 * ./loopsock bench --list                 every contender and whether it can run here
 * ./loopsock bench --report FILE          docs/benchmarks.md and its chart again, from a results file
 * ./loopsock bench --finish FILE [--profile N]  the end of a run that stopped after its last measurement:
 *                                         the profiles of the misses, then the report
 * ./loopsock bench --jmh [--quick] [JMH options]
 * </pre>
 *
 * <p>The harness writes {@code bench/results/<time>-<mode>.tsv} (and {@code …-profiles.md}), the
 * commands and output of each JVM to {@code target/bench/<time>-<mode>/runs.log}, and
 * docs/benchmarks.md with docs/benchmarks.svg. The project folder is the system property
 * {@code loopsock.root} (the launcher sets it), else the working directory.
 */
public final class Main {
    private Main() {
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        List<String> list = List.of(args);
        if (!list.isEmpty() && list.get(0).equals("child")) {
            Measure.main(list.subList(1, list.size()));
            return;
        }
        if (!list.isEmpty() && list.get(0).equals("idle-clients")) {
            io.loopsock.bench.internal.Launch.idleClients(list.subList(1, list.size()));
            return;
        }
        Path root = Path.of(System.getProperty("loopsock.root", ".")).toAbsolutePath().normalize();
        if (list.contains("--help") || list.contains("-h") || list.contains("help")) {
            System.out.print(USAGE);
            return;
        }
        if (list.contains("--jmh")) {
            jmh(list);
            return;
        }
        if (list.contains("--list")) {
            for (Contenders.Entry e : Contenders.all()) {
                System.out.printf("%-24s %-12s %s%n", e.name(), e.family(), e.unavailable() == null ? "available" : "not available: " + e.unavailable());
            }
            return;
        }
        if (list.contains("--report")) {
            Path file = Path.of(value(list, "--report", null));
            Report.rewrite(file.isAbsolute() ? file : root.resolve(file), root);
            System.err.println("bench: wrote docs/benchmarks.md and docs/benchmarks.svg from " + file);
            return;
        }
        if (list.contains("--finish")) {
            Path file = Path.of(value(list, "--finish", null));
            int profiles = Integer.parseInt(value(list, "--profile", "1000"));
            Harness.Options options = new Harness.Options(false, 0, Arrays.asList(Workload.values()), List.of(), profiles, root, !list.contains("--no-docs"),
                    ("./loopsock bench " + String.join(" ", args)).trim());
            Harness.finish(options, file.isAbsolute() ? file : root.resolve(file));
            return;
        }
        String unknown = unknownArgument(list);
        if (unknown != null) {
            // A full run takes an hour: a typo must not start one.
            System.err.print("bench: unknown argument " + unknown + "\n" + USAGE);
            System.exit(2);
        }
        boolean quick = list.contains("--quick");
        int rounds = Integer.parseInt(value(list, "--rounds", quick ? "1" : "3"));
        List<Workload> workloads = Arrays.stream(value(list, "--workloads", "stream,ping-pong,fan-in,churn,idle").split(","))
                .map(Workload::of).toList();
        List<String> contenders = value(list, "--contenders", "").isEmpty() ? List.of() : List.of(value(list, "--contenders", "").split(","));
        int profiles = Integer.parseInt(value(list, "--profile", quick ? "2" : "1000"));
        String command = ("./loopsock bench " + String.join(" ", args)).trim();
        Harness.Options options = new Harness.Options(quick, rounds, workloads, contenders, profiles, root, !list.contains("--no-docs"), command);
        new Harness(options, Instant.now()).run();
    }

    private static final String USAGE = """
            usage: ./loopsock bench [--quick] [--rounds N] [--workloads stream,ping-pong,fan-in,churn,idle]
                                    [--contenders NAME,...] [--profile N] [--no-docs]
                   ./loopsock bench --list                 every contender and whether it can run here
                   ./loopsock bench --report FILE          docs/benchmarks.md and its chart again, from a results file
                   ./loopsock bench --finish FILE [--profile N]
                                                           the profiles of the misses and the report, for a run
                                                           that stopped after its last measurement
                   ./loopsock bench --jmh [--quick] [JMH options]
              A full run (no --quick) takes about 70 minutes on 2 cores; nothing else should run meanwhile.
            """;

    private static final List<String> FLAGS = List.of("--quick", "--no-docs");
    private static final List<String> OPTIONS = List.of("--rounds", "--workloads", "--contenders", "--profile");

    /** The first argument the harness does not take, or null. */
    private static String unknownArgument(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (OPTIONS.contains(arg)) {
                i++;
            } else if (!FLAGS.contains(arg)) {
                return arg;
            }
        }
        return null;
    }

    private static String value(List<String> args, String option, String otherwise) {
        int i = args.indexOf(option);
        if (i < 0) {
            return otherwise;
        }
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i + 1);
    }

    /**
     * Runs the JMH microbenchmarks on every available backend (unless {@code -p backend=…} says
     * otherwise); {@code --quick} makes it a smoke run.
     */
    private static void jmh(List<String> args) throws Exception {
        List<String> jmh = new ArrayList<>();
        boolean quick = false;
        for (String arg : args) {
            switch (arg) {
                case "--jmh" -> { }
                case "--quick" -> quick = true;
                default -> jmh.add(arg);
            }
        }
        if (quick) {
            jmh.addAll(0, List.of("-f", "1", "-wi", "1", "-i", "1", "-w", "200ms", "-r", "200ms"));
        }
        if (jmh.stream().noneMatch(a -> a.startsWith("backend="))) {
            String backends = String.join(",", LoopProvider.installed().stream().filter(LoopProvider::isAvailable).map(LoopProvider::name).toList());
            jmh.addAll(List.of("-p", "backend=" + backends));
        }
        org.openjdk.jmh.Main.main(jmh.toArray(String[]::new));
    }
}
