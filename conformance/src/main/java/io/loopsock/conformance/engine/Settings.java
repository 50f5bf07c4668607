package io.loopsock.conformance.engine;

import java.time.Duration;

/**
 * How long and how hard a property is tried: the seed, the number of tries, and the time budgets.
 *
 * <p>Any thread (a value). The seed of try {@code i} is derived from {@link #seed()}; try 0 uses
 * the seed itself, so {@code seed = S, tries = 1} replays exactly the case a failure reported as
 * "case seed S".
 *
 * @param seed the run's seed
 * @param tries how many generated cases per property at most
 * @param budget how long one property may take for its tries; it stops starting new ones after it
 * @param shrinkBudget how long shrinking a failure may take
 * @param maxShrinkSteps how many smaller candidates shrinking may try at most
 */
public record Settings(long seed, int tries, Duration budget, Duration shrinkBudget, int maxShrinkSteps) {

    /** The system property that sets the seed. */
    public static final String SEED_PROPERTY = "loopsock.conformance.seed";
    /** The system property that sets the tries. */
    public static final String TRIES_PROPERTY = "loopsock.conformance.tries";

    /**
     * Checks the values.
     *
     * @param seed the run's seed
     * @param tries at least 1
     * @param budget positive
     * @param shrinkBudget positive
     * @param maxShrinkSteps at least 0
     */
    public Settings {
        if (tries < 1 || budget.isNegative() || budget.isZero() || shrinkBudget.isNegative() || maxShrinkSteps < 0) {
            throw new IllegalArgumentException("tries " + tries + ", budget " + budget + ", shrink budget " + shrinkBudget
                    + ", shrink steps " + maxShrinkSteps);
        }
    }

    /**
     * The default settings: a random seed (or the one in {@value #SEED_PROPERTY}), 100 tries (or
     * {@value #TRIES_PROPERTY}), 10 s per property, 20 s and 2000 steps of shrinking.
     *
     * @return the settings
     */
    public static Settings fromSystemProperties() {
        String seed = System.getProperty(SEED_PROPERTY);
        String tries = System.getProperty(TRIES_PROPERTY);
        return new Settings(
                seed == null || seed.isBlank() ? new java.util.SplittableRandom().nextLong() : Long.parseLong(seed.strip()),
                tries == null || tries.isBlank() ? 100 : Integer.parseInt(tries.strip()),
                Duration.ofSeconds(10),
                Duration.ofSeconds(20),
                2000);
    }

    /**
     * Returns a copy with another seed.
     *
     * @param newSeed the seed
     * @return the settings
     */
    public Settings withSeed(long newSeed) {
        return new Settings(newSeed, tries, budget, shrinkBudget, maxShrinkSteps);
    }

    /**
     * Returns a copy with another number of tries.
     *
     * @param newTries at least 1
     * @return the settings
     */
    public Settings withTries(int newTries) {
        return new Settings(seed, newTries, budget, shrinkBudget, maxShrinkSteps);
    }

    /**
     * Returns the seed of one try: the run's seed for try 0, a well-mixed derivative for the others.
     *
     * @param attempt the try's index
     * @return its seed
     */
    public long caseSeed(int attempt) {
        if (attempt == 0) {
            return seed;
        }
        // SplitMix64's finaliser over the seed and the index: neighbouring tries get unrelated seeds.
        long z = seed + attempt * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
