package io.loopsock.conformance.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A claim that must hold for every generated case: a name, a generator and a check.
 *
 * <p>Any thread; a run is sequential. {@link #run(Settings)} generates up to
 * {@link Settings#tries()} cases, each from its own seed; the first case whose check throws is
 * shrunk — its simpler candidates are tried, and each that still fails becomes the new case,
 * until none fails or the shrink budget is spent — and reported with the seed that replays it.
 *
 * @param <T> the type of the cases
 */
public final class Property<T> {

    /**
     * The check of one case: it throws (an assertion or any exception) when the property does not
     * hold.
     *
     * @param <T> the case's type
     */
    @FunctionalInterface
    public interface Check<T> {
        /**
         * Checks one case.
         *
         * @param value the case
         * @throws Exception when the property does not hold
         */
        void check(T value) throws Exception;
    }

    private final String name;
    private final Gen<T> gen;
    private final Check<T> check;

    private Property(String name, Gen<T> gen, Check<T> check) {
        this.name = Objects.requireNonNull(name, "name");
        this.gen = Objects.requireNonNull(gen, "gen");
        this.check = Objects.requireNonNull(check, "check");
    }

    /**
     * Defines a property.
     *
     * @param <T> the type of the cases
     * @param name the name, typically a rule id and the rule as a sentence
     * @param gen the cases' generator
     * @param check the check of one case
     * @return the property
     */
    public static <T> Property<T> forAll(String name, Gen<T> gen, Check<T> check) {
        return new Property<>(name, gen, check);
    }

    /**
     * Returns the name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Runs the property.
     *
     * @param settings the seed, tries and budgets
     * @return passed, or failed with the shrunk counterexample
     */
    public Outcome run(Settings settings) {
        long start = System.nanoTime();
        long deadline = start + settings.budget().toNanos();
        int attempt = 0;
        for (; attempt < settings.tries(); attempt++) {
            if (attempt > 0 && System.nanoTime() > deadline) {
                break;
            }
            long caseSeed = settings.caseSeed(attempt);
            Shrinkable<T> candidate = gen.generate(new SplittableRandom(caseSeed));
            Throwable error = attempt(candidate.value());
            if (error != null) {
                return shrink(settings, attempt, caseSeed, candidate, error);
            }
        }
        return new Outcome.Passed(name, attempt, Duration.ofNanos(System.nanoTime() - start));
    }

    private Throwable attempt(T value) {
        try {
            check.check(value);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        } catch (Exception | AssertionError e) {
            return e;
        }
    }

    private Outcome shrink(Settings settings, int attempt, long caseSeed, Shrinkable<T> failing, Throwable firstError) {
        String original = failing.toString();
        long deadline = System.nanoTime() + settings.shrinkBudget().toNanos();
        Shrinkable<T> current = failing;
        Throwable error = firstError;
        int steps = 0;
        int tried = 0;
        boolean progress = true;
        while (progress && tried < settings.maxShrinkSteps() && System.nanoTime() < deadline) {
            progress = false;
            AtomicReference<Throwable> found = new AtomicReference<>();
            var iterator = current.shrinks().iterator();
            while (iterator.hasNext() && tried < settings.maxShrinkSteps() && System.nanoTime() < deadline) {
                Shrinkable<T> smaller = iterator.next();
                tried++;
                Throwable e = attempt(smaller.value());
                if (e != null) {
                    found.set(e);
                    current = smaller;
                    progress = true;
                    break;
                }
            }
            if (progress) {
                error = found.get();
                steps++;
            }
        }
        return new Outcome.Failed(name, attempt, caseSeed, original, current.toString(), steps, error);
    }

    @Override
    public String toString() {
        return "Property[" + name + "]";
    }
}
