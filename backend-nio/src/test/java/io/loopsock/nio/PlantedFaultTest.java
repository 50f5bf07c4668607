package io.loopsock.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.conformance.Check;
import io.loopsock.conformance.Conformance;
import io.loopsock.conformance.engine.Outcome;
import io.loopsock.conformance.engine.Settings;
import io.loopsock.conformance.faults.Fault;
import io.loopsock.conformance.faults.FaultyProvider;
import io.loopsock.spi.LoopProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;

/**
 * The suite's proof that it can fail: nio with one planted fault must fail at least one check,
 * with a shrunk counterexample and a replay seed.
 */
@Timeout(300)
class PlantedFaultTest {
    private static final Settings SETTINGS = new Settings(20261125L, 100, Duration.ofSeconds(10), Duration.ofSeconds(20), 2000);

    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    @DisplayName("the suite catches a planted fault with a shrunk counterexample")
    void suiteCatchesPlantedFault(Fault fault) throws Exception {
        LoopProvider faulty = new FaultyProvider(LoopProvider.named("nio"), fault);
        List<Outcome.Failed> failures = new ArrayList<>();
        // The first check that fails is enough: a faulty backend can make the others slow (each of
        // their waits runs into its bound), and one shrunk counterexample is the proof asked for.
        for (Check check : Conformance.checks(faulty)) {
            if (Conformance.run(faulty, check, SETTINGS) instanceof Outcome.Failed failed) {
                failures.add(failed);
                break;
            }
        }
        assertThat(failures).as("checks that caught %s", fault).isNotEmpty();
        for (Outcome.Failed failed : failures) {
            assertThat(failed.shrunk()).as("a counterexample").isNotBlank();
            assertThat(failed.report()).contains("replay: -Dloopsock.conformance.seed=" + failed.caseSeed());
        }
    }
}
