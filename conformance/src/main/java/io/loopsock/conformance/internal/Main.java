package io.loopsock.conformance.internal;

import io.loopsock.conformance.Check;
import io.loopsock.conformance.Conformance;
import io.loopsock.conformance.Examples;
import io.loopsock.conformance.RuleCatalogue;
import io.loopsock.conformance.engine.Outcome;
import io.loopsock.conformance.engine.Settings;
import io.loopsock.spi.LoopProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./loopsock conformance [--backend NAME|all] [--tries N] [--seed S] [--json FILE]}: runs the
 * suite against the installed backends, shows progress, prints the matrix of rules × backends and
 * each failure's shrunk counterexample with its replay seed, writes the JSON report, and exits 0
 * only if nothing failed (2 for a usage error).
 *
 * <p>Not API: this package is not exported.
 */
public final class Main {
    private Main() {}

    /**
     * Runs the command.
     *
     * @param args the arguments, optionally starting with {@code conformance}
     */
    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** The outcome of every check against one backend. */
    private record BackendRun(LoopProvider provider, List<Result> results) {}

    /** One property's or example's outcome, with the rules it checks. */
    private record Result(String name, List<String> rules, Outcome outcome, boolean example) {}

    /**
     * Runs the command with the given streams, for tests.
     *
     * @param arguments the arguments
     * @param out where the progress, matrix and failures go
     * @param err where usage errors go
     * @return the exit status: 0 if nothing failed, 1 on a failure, 2 on a usage error
     */
    public static int run(List<String> arguments, PrintStream out, PrintStream err) {
        List<String> args = new ArrayList<>(arguments);
        if (!args.isEmpty() && args.getFirst().equals("conformance")) {
            args.removeFirst();
        }
        String backend = null;
        Settings settings = Settings.fromSystemProperties();
        Path json = Path.of("target", "conformance.json");
        try {
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                switch (option) {
                    case "--backend" -> backend = value(args, ++i, option);
                    case "--tries" -> settings = settings.withTries(Integer.parseInt(value(args, ++i, option)));
                    case "--seed" -> settings = settings.withSeed(Long.parseLong(value(args, ++i, option)));
                    case "--json" -> json = Path.of(value(args, ++i, option));
                    case "-h", "--help" -> {
                        usage(out);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + option + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("loopsock conformance: " + e.getMessage());
            usage(err);
            return 2;
        }
        if (backend == null) {
            // Without --backend, a backend chosen by property or environment applies, as it does to
            // Loop.open(); a wrong name fails here with the list of installed backends.
            String property = System.getProperty(LoopProvider.BACKEND_PROPERTY);
            String environment = System.getenv(LoopProvider.BACKEND_ENVIRONMENT);
            if ((property != null && !property.isBlank()) || (environment != null && !environment.isBlank())) {
                try {
                    backend = LoopProvider.select().name();
                } catch (io.loopsock.LoopException e) {
                    err.println("loopsock conformance: " + e.getMessage());
                    return 2;
                }
            } else {
                backend = "all";
            }
        }
        List<LoopProvider> backends = new ArrayList<>();
        for (LoopProvider provider : LoopProvider.installed()) {
            if (backend.equals("all") || provider.name().equals(backend)) {
                backends.add(provider);
            }
        }
        if (backends.isEmpty()) {
            err.println("loopsock conformance: no installed backend is named '" + backend + "'; installed: "
                    + LoopProvider.installed().stream().map(LoopProvider::name).toList());
            return 2;
        }
        out.printf(Locale.ROOT, "loopsock conformance: seed %d, up to %d tries per property%n", settings.seed(), settings.tries());
        List<BackendRun> runs = new ArrayList<>();
        for (LoopProvider provider : backends) {
            runs.add(runBackend(provider, settings, out));
        }
        out.println();
        printMatrix(runs, out);
        int failures = printFailures(runs, out);
        Map<String, Object> report = report(runs, settings);
        try {
            if (json.getParent() != null) {
                Files.createDirectories(json.getParent());
            }
            Files.writeString(json, Json.write(report), StandardCharsets.UTF_8);
            out.println("JSON report: " + json.toAbsolutePath());
        } catch (IOException e) {
            err.println("loopsock conformance: cannot write " + json + ": " + e);
            return 1;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> coverage = (Map<String, Object>) report.get("coverage");
        out.printf(Locale.ROOT, "coverage: %s of %s applicable rules checked by the suite's properties and examples%n",
                coverage.get("covered"), coverage.get("applicable"));
        out.println(failures == 0 ? "result: every available backend passed" : "result: " + failures + " failure(s)");
        return failures == 0 ? 0 : 1;
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }

    private static void usage(PrintStream out) {
        out.println("usage: ./loopsock conformance [--backend NAME|all] [--tries N] [--seed S] [--json FILE]");
        out.println("  --backend  one installed backend, or all (the default, unless loopsock.backend or LOOPSOCK_BACKEND names one)");
        out.println("  --tries    generated cases per property (default 100); more is deeper");
        out.println("  --seed     the run's seed (default random); a failure prints the seed that replays it");
        out.println("  --json     where to write the report (default target/conformance.json)");
    }

    private static BackendRun runBackend(LoopProvider provider, Settings settings, PrintStream out) {
        if (!provider.isAvailable()) {
            out.printf(Locale.ROOT, "[%s] unavailable: %s%n", provider.name(), provider.unavailabilityCause());
            return new BackendRun(provider, List.of());
        }
        List<Check> checks = Conformance.checks(provider);
        List<Result> results = new ArrayList<>();
        int index = 0;
        for (Check check : checks) {
            index++;
            out.printf(Locale.ROOT, "[%s %d/%d] %s ... ", provider.name(), index, checks.size(), check.property().name());
            out.flush();
            Outcome outcome = Conformance.run(provider, check, settings);
            out.println(switch (outcome) {
                case Outcome.Passed p -> String.format(Locale.ROOT, "passed (%d tries, %.1f s)", p.tries(), p.took().toMillis() / 1000.0);
                case Outcome.Failed f -> "FAILED";
                case Outcome.Skipped s -> "skipped: " + s.reason();
            });
            results.add(new Result(check.property().name(), check.rules(), outcome, false));
        }
        long start = System.nanoTime();
        for (Examples.Result example : Examples.run(provider, classResults -> {
            String owner = classResults.getFirst().example().replaceAll("[#.].*", "");
            long passed = classResults.stream().filter(r -> r.outcome() instanceof Outcome.Passed).count();
            long failed = classResults.stream().filter(r -> r.outcome() instanceof Outcome.Failed).count();
            long skipped = classResults.stream().filter(r -> r.outcome() instanceof Outcome.Skipped).count();
            out.printf(Locale.ROOT, "[%s examples] %s: %d passed, %d failed, %d skipped (%.1f s so far)%n", provider.name(),
                    owner.substring(owner.lastIndexOf('.') + 1), passed, failed, skipped, (System.nanoTime() - start) / 1e9);
            out.flush();
        })) {
            results.add(new Result(example.example() + " \"" + example.name() + "\"", example.rules(), example.outcome(), true));
        }
        return new BackendRun(provider, results);
    }

    /** The status of each rule on one backend: failed beats passed beats skipped. */
    private static Map<String, Result> byRule(BackendRun run) {
        Map<String, Result> rules = new LinkedHashMap<>();
        for (Result result : run.results()) {
            for (String rule : result.rules()) {
                rules.merge(rule, result, (a, b) -> b.outcome().weight() > a.outcome().weight() ? b : a);
            }
        }
        return rules;
    }


    private static Set<String> allRules(List<BackendRun> runs) {
        // In catalogue order, which is the reference's order; ids it lacks come last.
        List<String> order = List.copyOf(RuleCatalogue.rules().keySet());
        Set<String> rules = new TreeSet<>(Comparator.comparingInt((String id) -> order.contains(id) ? order.indexOf(id) : order.size())
                .thenComparing(Comparator.naturalOrder()));
        for (BackendRun run : runs) {
            rules.addAll(byRule(run).keySet());
        }
        return rules;
    }

    private static void printMatrix(List<BackendRun> runs, PrintStream out) {
        Set<String> rules = allRules(runs);
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-12s", "RULE"));
        for (BackendRun run : runs) {
            header.append(String.format(Locale.ROOT, " %-12s", run.provider().name()));
        }
        out.println(header.toString().stripTrailing());
        for (String rule : rules) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-12s", rule));
            for (BackendRun run : runs) {
                Result result = byRule(run).get(rule);
                String cell = !run.provider().isAvailable() ? "unavailable"
                        : result == null ? "-"
                        : switch (result.outcome()) {
                            case Outcome.Passed p -> "pass";
                            case Outcome.Failed f -> "FAIL";
                            case Outcome.Skipped s -> "skip";
                        };
                row.append(String.format(Locale.ROOT, " %-12s", cell));
            }
            out.println(row.toString().stripTrailing());
        }
        for (BackendRun run : runs) {
            for (Result result : run.results()) {
                if (result.outcome() instanceof Outcome.Skipped skipped) {
                    out.printf(Locale.ROOT, "  skip on %s: %s — %s%n", run.provider().name(), result.name(), skipped.reason());
                }
            }
        }
        out.println();
    }

    private static int printFailures(List<BackendRun> runs, PrintStream out) {
        int failures = 0;
        for (BackendRun run : runs) {
            for (Result result : run.results()) {
                if (result.outcome() instanceof Outcome.Failed failed) {
                    failures++;
                    out.println("FAILED on " + run.provider().name() + ": " + (result.example() ? exampleReport(result, failed) : failed.report()));
                    out.println();
                }
            }
        }
        return failures;
    }

    /** An example is a fixed case: no counterexample to shrink, no seed; where it failed instead. */
    private static String exampleReport(Result result, Outcome.Failed failed) {
        StringBuilder report = new StringBuilder("example " + result.name()
                + (result.rules().isEmpty() ? "" : " (" + String.join(", ", result.rules()) + ")") + "\n  error: " + failed.error());
        StackTraceElement[] trace = failed.error().getStackTrace();
        for (int i = 0; i < trace.length && i < 12; i++) {
            if (trace[i].getClassName().startsWith("io.loopsock")) {
                report.append("\n    at ").append(trace[i]);
            }
        }
        return report.toString();
    }

    private static Map<String, Object> report(List<BackendRun> runs, Settings settings) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("version", 1);
        report.put("seed", settings.seed());
        report.put("tries", settings.tries());
        List<Object> backends = new ArrayList<>();
        Set<String> covered = new LinkedHashSet<>();
        for (BackendRun run : runs) {
            Map<String, Object> backend = new LinkedHashMap<>();
            backend.put("name", run.provider().name());
            backend.put("available", run.provider().isAvailable());
            backend.put("cause", run.provider().isAvailable() ? null : String.valueOf(run.provider().unavailabilityCause()));
            Map<String, Result> rules = byRule(run);
            backend.put("passed", rules.values().stream().filter(r -> r.outcome() instanceof Outcome.Passed).count());
            backend.put("failed", rules.values().stream().filter(r -> r.outcome() instanceof Outcome.Failed).count());
            backend.put("skipped", rules.values().stream().filter(r -> r.outcome() instanceof Outcome.Skipped).count());
            List<Object> entries = new ArrayList<>();
            for (var rule : rules.entrySet()) {
                covered.add(rule.getKey());
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", rule.getKey());
                Result result = rule.getValue();
                switch (result.outcome()) {
                    case Outcome.Passed p -> {
                        entry.put("status", "passed");
                        entry.put("reason", null);
                        entry.put("counterexample", null);
                        entry.put("seed", settings.seed());
                    }
                    case Outcome.Failed f -> {
                        entry.put("status", "failed");
                        entry.put("reason", result.name() + ": " + f.error());
                        // An example is a fixed case: the counterexample is the example itself.
                        entry.put("counterexample", result.example() ? "example " + result.name() : f.shrunk());
                        entry.put("seed", result.example() ? settings.seed() : f.caseSeed());
                    }
                    case Outcome.Skipped s -> {
                        entry.put("status", "skipped");
                        entry.put("reason", s.reason());
                        entry.put("counterexample", null);
                        entry.put("seed", settings.seed());
                    }
                }
                entries.add(entry);
            }
            backend.put("rules", entries);
            backends.add(backend);
        }
        report.put("backends", backends);
        Map<String, RuleCatalogue.Rule> catalogue = RuleCatalogue.rules();
        Map<String, Object> coverage = new LinkedHashMap<>();
        coverage.put("covered", covered.stream().filter(id -> catalogue.containsKey(id) && catalogue.get(id).applicable()).count());
        coverage.put("applicable", catalogue.values().stream().filter(RuleCatalogue.Rule::applicable).count());
        report.put("coverage", coverage);
        return report;
    }
}
