package io.loopsock.conformance.engine;

import java.time.Duration;

/**
 * What running a property found: it held, it failed (with a shrunk counterexample), or it was
 * skipped.
 *
 * <p>Any thread (values).
 */
public sealed interface Outcome {

    /**
     * Returns the property's name.
     *
     * @return the name
     */
    String property();

    /**
     * Weighs this outcome against others when several are merged into one status (a rule's, an
     * example's): failed beats passed beats skipped.
     *
     * @return 2 for failed, 1 for passed, 0 for skipped
     */
    default int weight() {
        return switch (this) {
            case Failed f -> 2;
            case Passed p -> 1;
            case Skipped s -> 0;
        };
    }

    /**
     * The property held for every try.
     *
     * @param property the name
     * @param tries how many cases were tried
     * @param took how long it took
     */
    record Passed(String property, int tries, Duration took) implements Outcome {}

    /**
     * The property failed.
     *
     * @param property the name
     * @param attempt the index of the failing try
     * @param caseSeed the seed that regenerates the failing case: run with this seed and 1 try
     * @param original the failing case as generated
     * @param shrunk the smallest failing case shrinking found
     * @param shrinkSteps how many smaller failing cases shrinking went through
     * @param error what the check threw for the shrunk case
     */
    record Failed(String property, int attempt, long caseSeed, String original, String shrunk, int shrinkSteps, Throwable error)
            implements Outcome {

        /**
         * Describes the failure for a person: the counterexample, the error and how to replay it.
         *
         * @return several lines of text
         */
        public String report() {
            return property + " failed on try " + (attempt + 1) + "\n"
                    + "  counterexample (shrunk " + shrinkSteps + " times): " + shrunk + "\n"
                    + "  originally: " + original + "\n"
                    + "  error: " + error + "\n"
                    + "  replay: -D" + Settings.SEED_PROPERTY + "=" + caseSeed + " -D" + Settings.TRIES_PROPERTY + "=1"
                    + "  (./loopsock conformance --seed " + caseSeed + " --tries 1)";
        }
    }

    /**
     * The property was not run.
     *
     * @param property the name
     * @param reason why, e.g. the capability the backend lacks
     */
    record Skipped(String property, String reason) implements Outcome {}
}
