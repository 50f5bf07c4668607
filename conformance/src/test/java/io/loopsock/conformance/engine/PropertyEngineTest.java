package io.loopsock.conformance.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine finds failures, shrinks them to the smallest case and replays them from a seed. */
@Timeout(30)
class PropertyEngineTest {
    private static final Settings SETTINGS = new Settings(42, 200, Duration.ofSeconds(10), Duration.ofSeconds(10), 5000);

    private static Outcome.Failed failed(Outcome outcome) {
        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
        return (Outcome.Failed) outcome;
    }

    @Test
    @DisplayName("engine: a property that holds passes every try")
    void holdingPropertyPasses() {
        Outcome outcome = Property.forAll("x fits", Gen.ints(0, 100), x -> {
            if (x < 0 || x > 100) {
                throw new AssertionError(x);
            }
        }).run(SETTINGS);
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Passed.class, p -> assertThat(p.tries()).isEqualTo(200));
    }

    @Test
    @DisplayName("engine: integers shrink to the smallest failing value")
    void integersShrinkToBoundary() {
        var failure = failed(Property.forAll("x < 50", Gen.ints(0, 1_000_000), x -> {
            if (x >= 50) {
                throw new AssertionError("too big: " + x);
            }
        }).run(SETTINGS));
        assertThat(failure.shrunk()).isEqualTo("50");
        assertThat(failure.error()).hasMessage("too big: 50");
    }

    @Test
    @DisplayName("engine: negative ranges shrink towards the bound nearest to zero")
    void negativeIntegersShrinkTowardsZero() {
        var failure = failed(Property.forAll("x > -7", Gen.ints(-1000, -1), x -> {
            if (x <= -7) {
                throw new AssertionError();
            }
        }).run(SETTINGS));
        assertThat(failure.shrunk()).isEqualTo("-7");
    }

    @Test
    @DisplayName("engine: lists shrink by removing elements, then by shrinking the one left")
    void listsShrinkToSingleMinimalElement() {
        var failure = failed(Property.forAll("all below 10", Gen.lists(Gen.ints(0, 100), 0, 50), list -> {
            if (list.stream().anyMatch(x -> x >= 10)) {
                throw new AssertionError(list);
            }
        }).run(SETTINGS));
        assertThat(failure.shrunk()).isEqualTo("[10]");
    }

    @Test
    @DisplayName("engine: delta debugging keeps the two actions a failure needs, in order")
    void actionListsShrinkToTheFailingPair() {
        Gen<String> action = Gen.elements("write", "read", "shutdown", "close", "option");
        var failure = failed(Property.forAll("no close after shutdown", Gen.lists(action, 0, 40), actions -> {
            int shutdown = actions.indexOf("shutdown");
            if (shutdown >= 0 && actions.subList(shutdown, actions.size()).contains("close")) {
                throw new AssertionError(actions);
            }
        }).run(SETTINGS));
        assertThat(failure.shrunk()).isEqualTo("[shutdown, close]");
    }

    @Test
    @DisplayName("engine: byte arrays shrink in length, then to zeros")
    void bytesShrinkToShortestZeros() {
        var failure = failed(Property.forAll("short", Gen.bytes(Gen.ints(0, 5000)), data -> {
            if (data.length >= 17) {
                throw new AssertionError(data.length);
            }
        }).run(SETTINGS));
        assertThat(failure.shrunk()).isEqualTo("bytes" + java.util.Arrays.toString(new byte[17]));
    }

    @Test
    @DisplayName("engine: chunkings always add up to their total and shrink by merging neighbours")
    void chunkingsSumAndShrinkByMerging() {
        Gen<int[]> chunks = Gen.chunking(1000, 300);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            int[] c = chunks.generate(random).value();
            assertThat(IntStream.of(c).sum()).isEqualTo(1000);
            assertThat(IntStream.of(c).boxed().toList()).allSatisfy(x -> assertThat(x).isBetween(1, 300));
        }
        var failure = failed(Property.forAll("no chunk above 5", Gen.chunking(100, 1000), c -> {
            if (IntStream.of(c).anyMatch(x -> x > 5)) {
                throw new AssertionError();
            }
        }).run(SETTINGS));
        assertThat(failure.shrunk()).isEqualTo("[100]");
    }

    @Test
    @DisplayName("engine: a dependent pair (data, then its chunking) shrinks the data and regenerates the chunking")
    void flatMapShrinksOuterThenInner() {
        Gen<Object[]> dataAndChunks = Gen.bytes(Gen.ints(0, 2000))
                .flatMap(data -> Gen.chunking(data.length, 64).map(c -> new Object[] {data, c}));
        var failure = failed(Property.forAll("short data", dataAndChunks, pair -> {
            byte[] data = (byte[]) pair[0];
            int[] chunks = (int[]) pair[1];
            assertThat(IntStream.of(chunks).sum()).isEqualTo(data.length);
            if (data.length >= 100) {
                throw new AssertionError(data.length);
            }
        }).run(SETTINGS));
        assertThat(failure.error()).hasMessage("100");
        assertThat(failure.shrinkSteps()).isPositive();
    }

    @Test
    @DisplayName("engine: the reported case seed with one try replays exactly the failing case")
    void caseSeedReplaysTheFailure() {
        List<String> seen = new ArrayList<>();
        Property<List<Integer>> property = Property.forAll("rarely fails", Gen.lists(Gen.ints(0, 1000), 0, 10), list -> {
            seen.add(list.toString());
            if (list.stream().mapToInt(Integer::intValue).sum() > 3000) {
                throw new AssertionError(list);
            }
        });
        var failure = failed(property.run(SETTINGS));
        seen.clear();
        var replay = failed(property.run(SETTINGS.withSeed(failure.caseSeed()).withTries(1)));
        assertThat(seen.getFirst()).isEqualTo(failure.original());
        assertThat(replay.original()).isEqualTo(failure.original());
        assertThat(replay.shrunk()).isEqualTo(failure.shrunk());
        assertThat(failure.report()).contains("-D" + Settings.SEED_PROPERTY + "=" + failure.caseSeed());
    }

    @Test
    @DisplayName("engine: the same seed generates the same cases; another seed others")
    void generationIsDeterministic() {
        Gen<List<Integer>> gen = Gen.lists(Gen.ints(0, 1 << 20), 5, 5);
        assertThat(gen.generate(new SplittableRandom(1)).value()).isEqualTo(gen.generate(new SplittableRandom(1)).value());
        assertThat(gen.generate(new SplittableRandom(1)).value()).isNotEqualTo(gen.generate(new SplittableRandom(2)).value());
        assertThat(SETTINGS.caseSeed(0)).isEqualTo(42);
        assertThat(SETTINGS.caseSeed(1)).isNotEqualTo(SETTINGS.caseSeed(2));
    }

    @Test
    @DisplayName("engine: the time budget stops a property from starting new tries")
    void budgetBoundsTheRun() {
        Settings quick = new Settings(1, 1_000_000, Duration.ofMillis(200), Duration.ofSeconds(1), 10);
        long start = System.nanoTime();
        Outcome outcome = Property.forAll("slow", Gen.ints(0, 10), x -> {
            long until = System.nanoTime() + 1_000_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }).run(quick);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(outcome).isInstanceOfSatisfying(Outcome.Passed.class, p -> assertThat(p.tries()).isBetween(1, 999_999));
    }
}
