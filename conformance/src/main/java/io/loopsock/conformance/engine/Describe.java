package io.loopsock.conformance.engine;

import java.util.Arrays;
import java.util.Collection;
import java.util.stream.Collectors;

/** Prints generated values for counterexamples: arrays in full when short, summarised when long. */
public final class Describe {
    private static final int SHOWN = 32;

    private Describe() {}

    /**
     * Describes a value.
     *
     * @param value any value
     * @return a readable, bounded description
     */
    public static String value(Object value) {
        return switch (value) {
            case null -> "null";
            case byte[] bytes -> bytes.length <= SHOWN ? "bytes" + Arrays.toString(bytes)
                    : "bytes[" + bytes.length + "]" + Arrays.toString(Arrays.copyOf(bytes, 8)).replace("]", ", ...]");
            case int[] ints -> ints.length <= SHOWN ? Arrays.toString(ints)
                    : "int[" + ints.length + "]" + Arrays.toString(Arrays.copyOf(ints, 8)).replace("]", ", ...]");
            case Collection<?> items -> items.stream().map(Describe::value).collect(Collectors.joining(", ", "[", "]"));
            default -> String.valueOf(value);
        };
    }
}
