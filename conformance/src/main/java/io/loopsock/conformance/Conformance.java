package io.loopsock.conformance;

import io.loopsock.LoopException;
import io.loopsock.conformance.engine.Outcome;
import io.loopsock.conformance.engine.Settings;
import io.loopsock.conformance.properties.DatagramIntegrity;
import io.loopsock.conformance.properties.AdapterDifferential;
import io.loopsock.conformance.properties.JdkDifferential;
import io.loopsock.conformance.properties.LoopProperties;
import io.loopsock.conformance.properties.PairModel;
import io.loopsock.conformance.properties.StreamIntegrity;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

/**
 * The suite's entry point for a backend module's tests: each property becomes a JUnit test.
 *
 * <p>Any thread. A backend module runs the whole suite with one class:
 *
 * <pre>{@code
 * class NioConformanceTest {
 *     @TestFactory
 *     Stream<DynamicNode> conformance() {
 *         return Conformance.suite("nio");
 *     }
 * }
 * }</pre>
 *
 * The seed and the number of tries come from {@code -Dloopsock.conformance.seed} and
 * {@code -Dloopsock.conformance.tries}; a failure reports its shrunk counterexample and the case
 * seed that replays it.
 */
public final class Conformance {
    private Conformance() {}

    /** The rules stream integrity covers: ordered delivery, large transfers, shutdown after writes, half-close. */
    private static final List<String> STREAM_INTEGRITY = List.of(Rules.id(96), Rules.id(101), Rules.id(105), Rules.id(183));

    /**
     * Lists the checks the suite runs against a backend.
     *
     * @param backend the backend under test
     * @return the checks, each with its rules
     */
    public static List<Check> checks(LoopProvider backend) {
        List<Check> checks = new ArrayList<>(List.of(
                new Check(STREAM_INTEGRITY, Set.of(), StreamIntegrity.backendToBackend(backend)),
                new Check(STREAM_INTEGRITY, Set.of(), StreamIntegrity.backendToJdk(backend)),
                new Check(STREAM_INTEGRITY, Set.of(), StreamIntegrity.jdkToBackend(backend))));
        // Every other available backend, and this one on a second loop, as a peer both ways.
        for (LoopProvider peer : LoopProvider.installed()) {
            if (!peer.isAvailable() || !backend.isAvailable()) {
                continue;
            }
            LoopProvider other = peer.name().equals(backend.name()) ? backend : peer;
            checks.add(new Check(STREAM_INTEGRITY, Set.of(), StreamIntegrity.crossBackend(backend, other)));
            if (other != backend) {
                checks.add(new Check(STREAM_INTEGRITY, Set.of(), StreamIntegrity.crossBackend(other, backend)));
            }
        }
        checks.addAll(PairModel.checks(backend));
        checks.addAll(JdkDifferential.checks(backend));
        checks.addAll(JdkDifferential.beforeSocketChecks(backend));
        checks.addAll(AdapterDifferential.checks(backend));
        checks.addAll(LoopProperties.checks(backend));
        checks.addAll(DatagramIntegrity.checks(backend));
        return List.copyOf(checks);
    }

    /**
     * Runs one check against a backend: skipped with the reason when the backend lacks a
     * capability it needs, otherwise the property's outcome.
     *
     * @param backend the backend
     * @param check the check
     * @param settings seed, tries and budgets
     * @return the outcome
     */
    public static Outcome run(LoopProvider backend, Check check, Settings settings) {
        Set<Capability> missing = EnumSet.noneOf(Capability.class);
        missing.addAll(check.needs());
        missing.removeAll(backend.capabilities());
        if (!missing.isEmpty()) {
            return new Outcome.Skipped(check.property().name(), "backend " + backend.name() + " does not declare " + missing);
        }
        return check.property().run(settings);
    }

    /**
     * Makes the JUnit tests of the whole suite against the named backend: one test per property,
     * then the examples (see {@link Examples#tests(LoopProvider)}); an unavailable backend gives one
     * skipped test that says why.
     *
     * @param backend the backend's name
     * @return the tests
     */
    public static Stream<DynamicNode> suite(String backend) {
        LoopProvider provider;
        try {
            provider = LoopProvider.named(backend);
        } catch (LoopException e) {
            return Stream.of(DynamicTest.dynamicTest(backend + " is not available",
                    () -> Assumptions.abort("backend " + backend + ": " + e.getMessage())));
        }
        if (!provider.isAvailable()) {
            return Stream.of(DynamicTest.dynamicTest(backend + " is not available",
                    () -> Assumptions.abort("backend " + backend + ": " + provider.unavailabilityCause())));
        }
        Settings settings = Settings.fromSystemProperties();
        Duration bound = settings.budget().plus(settings.shrinkBudget()).plusSeconds(30);
        Stream<DynamicNode> properties = checks(provider).stream().map(check -> DynamicTest.dynamicTest(
                String.join(", ", check.rules()) + ": " + check.property().name(),
                () -> Assertions.assertTimeoutPreemptively(bound, () -> assertHolds(run(provider, check, settings)))));
        return Stream.concat(
                Stream.of(DynamicContainer.dynamicContainer("properties", properties)),
                Stream.of(DynamicContainer.dynamicContainer("examples", Examples.tests(provider))));
    }

    private static void assertHolds(Outcome outcome) {
        switch (outcome) {
            case Outcome.Passed passed -> { }
            case Outcome.Skipped skipped -> Assumptions.abort(skipped.reason());
            case Outcome.Failed failed -> throw new AssertionError(failed.report(), failed.error());
        }
    }
}
