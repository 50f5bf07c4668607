package io.loopsock.conformance.engine;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A generated value with the smaller values it may shrink to, computed lazily.
 *
 * <p>Any thread (immutable). Shrinking is integrated: a generator produces the value and its
 * shrinks together, so a mapped or combined value shrinks through its parts and every candidate
 * is one the generator could have produced.
 *
 * @param <T> the value's type
 */
public final class Shrinkable<T> {
    private final T value;
    private final Supplier<Stream<Shrinkable<T>>> shrinks;

    /**
     * Creates a shrinkable value.
     *
     * @param value the value
     * @param shrinks the candidates, simplest first; called again each time they are needed
     */
    public Shrinkable(T value, Supplier<Stream<Shrinkable<T>>> shrinks) {
        this.value = value;
        this.shrinks = Objects.requireNonNull(shrinks, "shrinks");
    }

    /**
     * A value that does not shrink.
     *
     * @param <T> the type
     * @param value the value
     * @return the shrinkable
     */
    public static <T> Shrinkable<T> of(T value) {
        return new Shrinkable<>(value, Stream::empty);
    }

    /**
     * Returns the value.
     *
     * @return the value
     */
    public T value() {
        return value;
    }

    /**
     * Returns the candidates this value shrinks to, simplest first.
     *
     * @return a fresh stream
     */
    public Stream<Shrinkable<T>> shrinks() {
        return shrinks.get();
    }

    /**
     * Maps the value and, lazily, every shrink.
     *
     * @param <U> the new type
     * @param f the mapping
     * @return the mapped shrinkable
     */
    public <U> Shrinkable<U> map(Function<? super T, ? extends U> f) {
        return new Shrinkable<>(f.apply(value), () -> shrinks().map(s -> s.map(f)));
    }

    @Override
    public String toString() {
        return Describe.value(value);
    }
}
