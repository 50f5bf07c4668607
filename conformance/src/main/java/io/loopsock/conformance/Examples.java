package io.loopsock.conformance;

import io.loopsock.conformance.engine.Outcome;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.spi.LoopProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The suite's examples: fixed cases, written as JUnit Jupiter classes in
 * {@code io.loopsock.conformance.examples}, that every backend must pass next to the properties.
 * Each example's display name starts with the rules it checks ({@code "rule 17, 28: ..."}, see
 * {@link Rules}) or, for loopsock's own choices that no reference rule states, with its area
 * ({@code "loop: ..."}).
 *
 * <p>The suite runs them itself, through the JUnit Platform launcher, against the provider under
 * test (registered with {@link LoopExtension}): so a backend's one conformance test class and
 * {@code ./loopsock} run the same examples, and no backend copies them.
 *
 * <p>Any thread; a run blocks its caller.
 */
public final class Examples {
    private Examples() {}

    /** The example classes, in the order they run: the loop first, then handles, then streams. */
    private static final List<String> CLASSES = Stream.of(
                    "LoopRun", "LoopThreading", "HandleLifecycle", "Timer", "Watcher",
                    "TcpBindListen", "TcpConnect", "TcpAccept", "TcpRead", "TcpWrite", "TcpShutdownClose", "TcpOptions",
                    "Pipe", "Udp", "Socket", "MakeFile", "JavaNet", "PythonPeer")
            .map(name -> "io.loopsock.conformance.examples." + name + "Examples")
            .toList();

    /**
     * A developer's focus: the system property {@code loopsock.conformance.examples} names example
     * classes (comma-separated, "JavaNet,Socket") and only those run in a backend's conformance
     * test. Unset, every class runs; the command line's matrix always runs every class.
     */
    private static final String FOCUS_PROPERTY = "loopsock.conformance.examples";

    private static List<String> focused() {
        String focus = System.getProperty(FOCUS_PROPERTY, "").strip();
        if (focus.isEmpty()) {
            return CLASSES;
        }
        List<String> wanted = Stream.of(focus.split(",")).map(String::strip)
                .map(name -> "io.loopsock.conformance.examples." + name + "Examples").toList();
        for (String name : wanted) {
            if (!CLASSES.contains(name)) {
                throw new IllegalArgumentException(FOCUS_PROPERTY + " names no example class: " + name);
            }
        }
        return wanted;
    }

    /** The default timeout of each example, as the backend modules' own tests have it. */
    private static final String TIMEOUT = "30 s";

    /**
     * "rule 17, 28:", "rules 31–33 (decided):", "rule 103, JDK-17:" and the like: libuv rule numbers
     * and ranges (ids from {@link Rules#id(int)}) and JDK rules (ids from {@link Rules#jdk(int)}).
     */
    private static final Pattern RULES = Pattern.compile("^rules? ((?:\\d+|JDK-\\d+)(?:\\s*[–-]\\s*\\d+)?(?:, (?:\\d+|JDK-\\d+)(?:\\s*[–-]\\s*\\d+)?)*)( \\([^)]*\\))?: .+");

    /** Loopsock's own choices, named by area. */
    private static final Pattern AREA = Pattern.compile("^(loop|timer|watcher|tcp|pipe|stream|socket): .+");

    /**
     * One example and what running it found.
     *
     * @param example where it is, {@code Class#method}
     * @param name its display name
     * @param rules the rules it checks (none for an area example)
     * @param outcome passed, failed (the error is in {@link Outcome.Failed#error()}) or skipped
     */
    public record Result(String example, String name, List<String> rules, Outcome outcome) {}

    /**
     * Reads the rules an example's display name says it checks.
     *
     * @param displayName the display name
     * @return the rule ids, empty for an example named by its area
     * @throws IllegalArgumentException if the name names neither rules nor an area
     */
    public static List<String> rulesOf(String displayName) {
        Matcher matcher = RULES.matcher(displayName);
        if (!matcher.matches()) {
            if (AREA.matcher(displayName).matches()) {
                return List.of();
            }
            throw new IllegalArgumentException("an example must start with the rules it checks (\"rule 12: ...\") or its area"
                    + " (\"loop: ...\"): \"" + displayName + "\"");
        }
        List<String> rules = new ArrayList<>();
        for (String part : matcher.group(1).split(",")) {
            String token = part.strip();
            if (token.startsWith("JDK-")) {
                rules.add(Rules.jdk(Integer.parseInt(token.substring(4))));
                continue;
            }
            String[] range = token.split("\\s*[–-]\\s*");
            int from = Integer.parseInt(range[0].strip());
            int to = range.length > 1 ? Integer.parseInt(range[1].strip()) : from;
            for (int n = from; n <= to; n++) {
                rules.add(Rules.id(n));
            }
        }
        return List.copyOf(rules);
    }

    /**
     * Lists every example with the rules it checks, without running anything.
     *
     * @return the rules by example ({@code Class#method}), in the order they run
     * @throws IllegalArgumentException if an example's display name names neither rules nor an area
     */
    public static Map<String, List<String>> catalogue() {
        Map<String, List<String>> catalogue = new LinkedHashMap<>();
        for (String name : CLASSES) {
            discover(name).forEach((example, displayName) -> catalogue.put(example, rulesOf(displayName)));
        }
        return catalogue;
    }

    /**
     * Runs every example against a provider.
     *
     * @param provider the provider under test; it need not be installed
     * @param progress called after each example class with that class's results
     * @return every example's result, and one result per class whose own checks (the descriptors
     *     left after it) failed
     */
    public static List<Result> run(LoopProvider provider, Consumer<List<Result>> progress) {
        List<Result> all = new ArrayList<>();
        for (String name : CLASSES) {
            List<Result> results = runClass(provider, name);
            progress.accept(results);
            all.addAll(results);
        }
        return all;
    }

    /**
     * Makes JUnit tests of the examples for a provider: one container per example class, one test
     * per example, and one test per class for what is checked after the class. Each class runs once,
     * when its first test runs.
     *
     * @param provider the provider under test
     * @return the tests
     */
    public static Stream<DynamicNode> tests(LoopProvider provider) {
        Map<String, List<Result>> runs = new ConcurrentHashMap<>();
        List<DynamicNode> containers = new ArrayList<>();
        for (String name : focused()) {
            List<DynamicNode> tests = new ArrayList<>();
            for (Map.Entry<String, String> example : discover(name).entrySet()) {
                tests.add(DynamicTest.dynamicTest(example.getValue(), () -> assertHolds(
                        find(runs.computeIfAbsent(name, n -> runClass(provider, n)), example.getKey()))));
            }
            tests.add(DynamicTest.dynamicTest("after the class: no descriptor left, nothing failed outside an example", () -> {
                for (Result result : runs.computeIfAbsent(name, n -> runClass(provider, n))) {
                    if (result.example().equals(name)) {
                        assertHolds(result.outcome());
                    }
                }
            }));
            containers.add(DynamicContainer.dynamicContainer(simpleName(name), tests));
        }
        return containers.stream();
    }

    private static Outcome find(List<Result> results, String example) {
        return results.stream().filter(r -> r.example().equals(example)).map(Result::outcome).findFirst()
                .orElseGet(() -> new Outcome.Skipped(example, "the example did not run"));
    }

    private static void assertHolds(Outcome outcome) {
        switch (outcome) {
            case Outcome.Passed passed -> { }
            case Outcome.Skipped skipped -> Assumptions.abort(skipped.reason());
            case Outcome.Failed failed -> {
                if (failed.error() instanceof AssertionError error) {
                    throw error;
                }
                Assertions.fail(failed.error());
            }
        }
    }

    /** The examples of one class, by {@code Class#method}, with their display names, in order. */
    private static Map<String, String> discover(String className) {
        Launcher launcher = LauncherFactory.create();
        TestPlan plan = launcher.discover(request(className, Optional.empty()));
        Map<String, String> examples = new LinkedHashMap<>();
        for (TestIdentifier root : plan.getRoots()) {
            for (TestIdentifier container : plan.getChildren(root)) {
                for (TestIdentifier method : plan.getChildren(container)) {
                    key(method).ifPresent(key -> examples.put(key, method.getDisplayName()));
                }
            }
        }
        if (examples.isEmpty()) {
            throw new IllegalStateException("no example found in " + className);
        }
        return examples;
    }

    private static LauncherDiscoveryRequest request(String className, Optional<String> providerKey) {
        DiscoverySelector selector = DiscoverySelectors.selectClass(className);
        LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request()
                .selectors(selector)
                .configurationParameter("junit.jupiter.execution.timeout.default", TIMEOUT)
                .configurationParameter("junit.jupiter.execution.timeout.mode", "enabled");
        providerKey.ifPresent(key -> builder.configurationParameter(LoopExtension.PROVIDER_PARAMETER, key));
        return builder.build();
    }

    private static Optional<String> key(TestIdentifier identifier) {
        return identifier.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .map(m -> simpleName(m.getClassName()) + "#" + m.getMethodName());
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    /** Runs one example class; a result per example, plus one for the class if its own checks failed. */
    private static List<Result> runClass(LoopProvider provider, String className) {
        Map<String, String> names = discover(className);
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        Map<String, Long> started = new ConcurrentHashMap<>();
        List<Outcome> classFailures = new ArrayList<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier identifier) {
                key(identifier).ifPresent(key -> started.putIfAbsent(key, System.nanoTime()));
            }

            @Override
            public void executionSkipped(TestIdentifier identifier, String reason) {
                key(identifier).ifPresent(key -> merge(outcomes, key, new Outcome.Skipped(names.getOrDefault(key, key), reason)));
            }

            @Override
            public void executionFinished(TestIdentifier identifier, TestExecutionResult result) {
                Optional<String> key = key(identifier);
                if (key.isEmpty()) {
                    if (isClass(identifier.getSource()) && result.getStatus() == TestExecutionResult.Status.FAILED) {
                        classFailures.add(failed(className, result.getThrowable().orElse(null)));
                    }
                    return;
                }
                String name = names.getOrDefault(key.get(), key.get());
                Outcome outcome = switch (result.getStatus()) {
                    case SUCCESSFUL -> new Outcome.Passed(name, 1,
                            Duration.ofNanos(System.nanoTime() - started.getOrDefault(key.get(), System.nanoTime())));
                    case ABORTED -> new Outcome.Skipped(name, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
                    case FAILED -> failed(name, result.getThrowable().orElse(null));
                };
                // A parameterised example's own container reports success even when every
                // invocation was skipped; only its failures count.
                if (identifier.isTest() || outcome instanceof Outcome.Failed) {
                    merge(outcomes, key.get(), outcome);
                }
            }
        };
        String key = LoopExtension.register(provider);
        try {
            LauncherFactory.create().execute(request(className, Optional.of(key)), listener);
        } finally {
            LoopExtension.release(key);
        }
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, String> example : names.entrySet()) {
            Outcome outcome = outcomes.getOrDefault(example.getKey(), new Outcome.Skipped(example.getValue(), "the example did not run"));
            results.add(new Result(example.getKey(), example.getValue(), rulesOf(example.getValue()), outcome));
        }
        for (Outcome failure : classFailures) {
            results.add(new Result(className, simpleName(className) + ": after the class", List.of(), failure));
        }
        return results;
    }

    private static boolean isClass(Optional<TestSource> source) {
        return source.filter(ClassSource.class::isInstance).isPresent();
    }

    private static Outcome.Failed failed(String name, Throwable error) {
        Throwable cause = error == null ? new AssertionError("failed without an exception") : error;
        return new Outcome.Failed(name, 0, 0L, name, name, 0, cause);
    }

    /** Failed beats passed beats skipped, as for the rules of the matrix. */
    private static void merge(Map<String, Outcome> outcomes, String key, Outcome outcome) {
        outcomes.merge(key, outcome, (a, b) -> b.weight() > a.weight() ? b : a);
    }
}
