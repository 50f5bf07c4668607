package io.loopsock.conformance;

import io.loopsock.LoopException;
import io.loopsock.conformance.engine.Outcome;
import io.loopsock.conformance.engine.Property;
import io.loopsock.conformance.engine.Settings;
import io.loopsock.conformance.properties.StreamIntegrity;
import io.loopsock.spi.LoopProvider;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
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

    /**
     * Lists the properties the suite runs against a backend.
     *
     * @param backend the backend under test
     * @return the properties
     */
    public static List<Property<?>> properties(LoopProvider backend) {
        return List.of(
                StreamIntegrity.backendToBackend(backend),
                StreamIntegrity.backendToJdk(backend),
                StreamIntegrity.jdkToBackend(backend));
    }

    /**
     * Makes one JUnit test per property, run against the named backend; an unavailable backend
     * gives one skipped test that says why.
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
        Settings settings = Settings.fromSystemProperties();
        Duration bound = settings.budget().plus(settings.shrinkBudget()).plusSeconds(30);
        return properties(provider).stream().map(property -> DynamicTest.dynamicTest(property.name(),
                () -> Assertions.assertTimeoutPreemptively(bound, () -> check(property.run(settings)))));
    }

    private static void check(Outcome outcome) {
        switch (outcome) {
            case Outcome.Passed passed -> { }
            case Outcome.Skipped skipped -> Assumptions.abort(skipped.reason());
            case Outcome.Failed failed -> throw new AssertionError(failed.report(), failed.error());
        }
    }
}
