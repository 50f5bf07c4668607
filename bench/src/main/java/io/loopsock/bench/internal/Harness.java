package io.loopsock.bench.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The side-by-side harness: runs every workload variant against every contender, one fresh JVM
 * per measurement, in interleaved rounds whose order rotates by one each round; writes the results
 * file as it goes; profiles the contenders of missed targets with JFR; writes the report.
 *
 * <p>Single-threaded use.
 */
public final class Harness {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * What to run.
     *
     * @param quick the smoke run: one round, short windows, small counts, one JVM per contender and pinning
     * @param rounds how many rounds
     * @param workloads which workloads
     * @param contenders which contenders by name; empty for all
     * @param profileLimit how many misses to profile with JFR (0: none)
     * @param root the project's folder: results go to bench/results, logs to target/bench, the report to docs
     * @param writeDocs whether to write docs/benchmarks.md and its chart
     * @param command the command line that started the run, for the report
     */
    public record Options(boolean quick, int rounds, List<Workload> workloads, List<String> contenders, int profileLimit,
            Path root, boolean writeDocs, String command) {
        Workload.Sizes sizes() {
            return quick ? Workload.Sizes.QUICK : Workload.Sizes.FULL;
        }

        String mode() {
            return quick ? "quick" : "full";
        }
    }

    private final Options options;
    private final Path resultsFile;
    private final Path logDir;
    private final Path log;
    private int seq;

    /**
     * Prepares a run.
     *
     * @param options what to run
     * @param started when, for the file names
     */
    public Harness(Options options, Instant started) {
        this(options, options.root().resolve("bench/results/" + STAMP.format(started) + "-" + options.mode() + ".tsv"));
    }

    private Harness(Options options, Path resultsFile) {
        this.options = options;
        this.resultsFile = resultsFile;
        String name = resultsFile.getFileName().toString().replaceFirst("\\.tsv$", "");
        this.logDir = options.root().resolve("target/bench/" + name);
        this.log = logDir.resolve("runs.log");
    }

    /**
     * Finishes a run whose measurements are all in its results file but whose end did not run
     * (the JVM of the harness died after the last measurement): profiles the misses and writes
     * the report, as {@link #run()} would have. The contenders are those the file names.
     *
     * @param options the profile limit, the project folder and whether to write the report
     * @param resultsFile the results file
     * @return the results file
     * @throws Exception if the run cannot go on
     */
    public static Path finish(Options options, Path resultsFile) throws Exception {
        Harness harness = new Harness(options, resultsFile);
        Files.createDirectories(harness.logDir);
        java.util.Set<String> named = Report.contenders(Results.read(resultsFile)).stream()
                .map(Contenders.Entry::name).collect(java.util.stream.Collectors.toSet());
        List<Contenders.Entry> runnable = Contenders.all().stream()
                .filter(e -> named.contains(e.name()) && e.unavailable() == null).toList();
        say("finishing " + options.root().relativize(resultsFile) + ": profiles of the misses, then the report");
        Results.appendMeta(resultsFile, "finished", "the end of the run (profiles, report) by ./loopsock bench --finish");
        return harness.end(-1, runnable);
    }

    /**
     * Returns the java command of the running JDK, which every child JVM uses too.
     *
     * @return the path of {@code bin/java}
     */
    static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Runs everything and writes the results file and the report.
     *
     * @return the results file
     * @throws Exception if the run cannot go on (a failed measurement is a row, not an exception)
     */
    public Path run() throws Exception {
        long start = System.nanoTime();
        List<Contenders.Entry> all = Contenders.all().stream()
                .filter(e -> options.contenders().isEmpty() || options.contenders().contains(e.name())).toList();
        List<Contenders.Entry> runnable = all.stream().filter(e -> e.unavailable() == null).toList();
        List<Variant> variants = Variant.of(options.workloads());
        Files.createDirectories(logDir);
        Map<String, String> meta = Environment.describe(options, all);
        Results.create(resultsFile, meta);
        say("results: " + options.root().relativize(resultsFile) + "; commands and output: " + options.root().relativize(log));
        all.stream().filter(e -> e.unavailable() != null).forEach(e -> say("not run: " + e.name() + ": " + e.unavailable()));
        say(plan(runnable, variants));
        for (int round = 1; round <= options.rounds(); round++) {
            List<Contenders.Entry> order = rotate(runnable, round - 1);
            if (options.quick()) {
                runBatched(round, order, variants);
            } else {
                for (Variant variant : variants) {
                    for (Contenders.Entry contender : order) {
                        if (contender.runs(variant.workload())) {
                            record(measure(round, contender, List.of(variant), null));
                        }
                    }
                }
            }
        }
        return end(start, runnable);
    }

    /** The end of a run: the profiles of the misses, the duration (unless start is -1: not known), the report. */
    private Path end(long start, List<Contenders.Entry> runnable) throws Exception {
        Results results = Results.read(resultsFile);
        List<Targets.Verdict> verdicts = Targets.evaluate(results, runnable);
        Map<String, String> profiles = profileMisses(verdicts, runnable);
        Profiler.save(Profiler.file(resultsFile), profiles);
        if (start != -1) {
            Results.appendMeta(resultsFile, "duration", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - start) / 1e9));
        }
        if (options.writeDocs()) {
            Report.write(Results.read(resultsFile), resultsFile, profiles, options.root());
            say("wrote docs/benchmarks.md and docs/benchmarks.svg");
        }
        if (start != -1) {
            say(String.format(Locale.ROOT, "done in %.0f s", (System.nanoTime() - start) / 1e9));
        }
        return resultsFile;
    }

    private String plan(List<Contenders.Entry> runnable, List<Variant> variants) {
        long runs = 0;
        for (Variant v : variants) {
            runs += runnable.stream().filter(c -> c.runs(v.workload())).count();
        }
        runs *= options.rounds();
        return options.mode() + " run: " + options.rounds() + " round(s), " + runnable.size() + " contenders ("
                + runnable.stream().map(Contenders.Entry::name).collect(Collectors.joining(" ")) + "), variants "
                + variants.stream().map(Variant::id).collect(Collectors.joining(" ")) + "; " + runs + " measurements"
                + (options.quick() ? " (grouped into one JVM per contender and pinning)" : "; one JVM each");
    }

    /** The quick run's grouping: one JVM per contender and pinning runs all its workloads. */
    private void runBatched(int round, List<Contenders.Entry> order, List<Variant> variants) throws Exception {
        for (boolean pinned : new boolean[] {false, true}) {
            for (Contenders.Entry contender : order) {
                List<Variant> batch = variants.stream()
                        .filter(v -> v.pinned() == pinned && contender.runs(v.workload())).toList();
                if (contender.family() == Contenders.Family.LIMIT) {
                    for (Variant variant : batch) {
                        record(measure(round, contender, List.of(variant), null));
                    }
                } else if (!batch.isEmpty()) {
                    record(measure(round, contender, batch, null));
                }
            }
        }
    }

    static <T> List<T> rotate(List<T> list, int by) {
        List<T> rotated = new ArrayList<>(list);
        if (!rotated.isEmpty()) {
            java.util.Collections.rotate(rotated, -(by % rotated.size()));
        }
        return rotated;
    }

    private void record(List<Results.Row> rows) throws IOException {
        Results.append(resultsFile, rows);
    }

    /**
     * Measures workloads of one pinning against one contender, in one fresh JVM (or with the limit
     * tool's processes).
     *
     * @param jfr where the JVM records a flight recording, or null
     */
    private List<Results.Row> measure(int round, Contenders.Entry contender, List<Variant> variants, Path jfr) throws IOException {
        int mySeq = ++seq;
        boolean pinned = variants.get(0).pinned();
        List<String> prefix = pinned ? List.of("taskset", "-c", "0") : List.of();
        long start = System.nanoTime();
        StringBuilder output = new StringBuilder();
        Map<String, Map<String, Double>> byWorkload = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        List<String> commands = new ArrayList<>();
        try {
            if (contender.family() == Contenders.Family.LIMIT) {
                Tools.Commands tool = Tools.commands(contender.name(), prefix, options.sizes());
                commands.add(String.join(" ", tool.server()) + " &");
                commands.add(String.join(" ", tool.client()));
                byWorkload.put(variants.get(0).workload().id(), Tools.run(contender.name(), tool, timeout().toSeconds(), output));
            } else {
                List<String> command = childCommand(prefix, contender.name(), variants, jfr);
                commands.add(String.join(" ", command));
                runChild(command, output, byWorkload, errors);
            }
        } catch (Exception e) {
            for (Variant variant : variants) {
                errors.putIfAbsent(variant.workload().id(), String.valueOf(e));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.writeString(log, "## round " + round + " #" + mySeq + " " + contender.name() + " "
                + variants.stream().map(Variant::id).collect(Collectors.joining(",")) + String.format(Locale.ROOT, " (%.1f s)%n", seconds)
                + String.join("\n", commands) + "\n" + output + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        List<Results.Row> rows = new ArrayList<>();
        for (Variant variant : variants) {
            String id = variant.workload().id();
            Map<String, Double> metrics = byWorkload.getOrDefault(id, Map.of());
            metrics.forEach((metric, value) -> rows.add(new Results.Row(round, mySeq, variant.id(), contender.name(), metric, value, "")));
            if (metrics.isEmpty()) {
                rows.add(new Results.Row(round, mySeq, variant.id(), contender.name(), "error", Double.NaN,
                        errors.getOrDefault(id, "no result (see " + options.root().relativize(log) + ")")));
            }
            say(String.format(Locale.ROOT, "[round %d/%d] %-17s %-24s %s", round, options.rounds(), variant.id(), contender.name(),
                    metrics.isEmpty() ? "FAILED: " + errors.getOrDefault(id, "no result") : brief(metrics)));
        }
        say(String.format(Locale.ROOT, "%58s(%.1f s)", "", seconds));
        return rows;
    }

    private static String brief(Map<String, Double> metrics) {
        return metrics.entrySet().stream().map(e -> Report.number(e.getValue()) + " " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    private Duration timeout() {
        return options.quick() ? Duration.ofSeconds(90) : Duration.ofSeconds(600);
    }

    /**
     * Builds a child JVM's command line.
     *
     * @param prefix the pinning prefix, or empty
     * @param contender the contender
     * @param variants the workloads to run, in order
     * @param jfr where to write a flight recording, or null
     * @return the command
     */
    List<String> childCommand(List<String> prefix, String contender, List<Variant> variants, Path jfr) {
        List<String> command = new ArrayList<>(prefix);
        command.add(javaCommand());
        boolean idle = variants.stream().anyMatch(v -> v.workload() == Workload.IDLE);
        if (idle && !options.quick()) {
            // A pre-touched heap, so that the RSS delta is native memory only; serial GC, so that
            // "after two full GCs" means the same thing for every contender.
            command.addAll(List.of("-XX:+UseSerialGC", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"));
        } else {
            command.addAll(List.of("-Xms1g", "-Xmx1g"));
        }
        command.add("--enable-native-access=ALL-UNNAMED");
        if (jfr != null) {
            command.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.loopsock.bench.Main", "child",
                "--contender=" + contender, "--workloads=" + variants.stream().map(v -> v.workload().id()).collect(Collectors.joining(","))));
        command.addAll(List.of(options.sizes().arguments()));
        return command;
    }

    private void runChild(List<String> command, StringBuilder output, Map<String, Map<String, Double>> byWorkload,
            Map<String, String> errors) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output lost: " + e + ")";
            }
        });
        if (!process.waitFor(timeout().toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IOException("timed out after " + timeout().toSeconds() + " s");
        }
        String out = text.get(10, TimeUnit.SECONDS);
        output.append(out);
        for (String line : out.split("\n")) {
            String[] f = line.split("\t");
            if (f.length >= 4 && f[0].equals(Measure.RESULT)) {
                if (f[2].equals("error")) {
                    errors.put(f[1], f.length > 4 ? f[4] : "failed");
                } else {
                    byWorkload.computeIfAbsent(f[1], k -> new LinkedHashMap<>()).put(f[2], Double.parseDouble(f[3]));
                }
            }
        }
        if (process.exitValue() != 0 && byWorkload.isEmpty() && errors.isEmpty()) {
            throw new IOException("the JVM exited with " + process.exitValue());
        }
    }

    /** Profiles the contender of each missed target (distinct contender and variant), up to the limit. */
    private Map<String, String> profileMisses(List<Targets.Verdict> verdicts, List<Contenders.Entry> runnable) throws IOException {
        Map<String, String> profiles = new LinkedHashMap<>();
        for (Targets.Verdict verdict : verdicts) {
            if (verdict.status() != Targets.Status.MISSED || profiles.size() >= options.profileLimit()) {
                continue;
            }
            String key = Profiler.key(verdict.target().contender(), verdict.target().variant());
            if (profiles.containsKey(key)) {
                continue;
            }
            Contenders.Entry contender = runnable.stream().filter(e -> e.name().equals(verdict.target().contender())).findFirst().orElse(null);
            Variant variant = Variant.of(options.workloads()).stream().filter(v -> v.id().equals(verdict.target().variant())).findFirst().orElse(null);
            if (contender == null || variant == null || contender.family() == Contenders.Family.LIMIT) {
                continue;
            }
            Path jfr = logDir.resolve("profiles/" + key.replace(' ', '_') + ".jfr");
            Files.createDirectories(jfr.getParent());
            say("profiling " + key + " with JFR (missed: " + verdict.target().id() + ")");
            measure(0, contender, List.of(variant), jfr); // round 0: a profile run, not a result
            profiles.put(key, Files.exists(jfr) ? Profiler.summarize(jfr, options.root()) : "(no recording was written; see " + options.root().relativize(log) + ")");
        }
        return profiles;
    }

    static void say(String line) {
        System.err.println("bench: " + line);
    }
}
