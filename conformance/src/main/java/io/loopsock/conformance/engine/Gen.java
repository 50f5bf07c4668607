package io.loopsock.conformance.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Generates random values that know how to shrink: the generators of the property engine.
 *
 * <p>Any thread (generators are stateless; the randomness comes from the argument). The same seed
 * gives the same value and the same shrinks, which is what makes a failure replayable.
 *
 * @param <T> the type of the values
 */
@FunctionalInterface
public interface Gen<T> {

    /**
     * Generates one value with its shrinks.
     *
     * @param random the source of randomness; the generator may split or advance it
     * @return the value
     */
    Shrinkable<T> generate(SplittableRandom random);

    /**
     * Maps the generated values; shrinking goes through the original values.
     *
     * @param <U> the new type
     * @param f the mapping
     * @return the mapped generator
     */
    default <U> Gen<U> map(Function<? super T, ? extends U> f) {
        return random -> generate(random).map(f);
    }

    /**
     * Generates a value, then a second value from a generator chosen by the first. The result
     * shrinks the first value (regenerating the second from the same seed), then the second.
     *
     * @param <U> the type of the second value
     * @param f picks the second generator
     * @return the combined generator
     */
    default <U> Gen<U> flatMap(Function<? super T, Gen<U>> f) {
        return random -> {
            Shrinkable<T> outer = generate(random);
            return Gens.bind(outer, f, random.nextLong());
        };
    }

    /**
     * Always the same value.
     *
     * @param <T> the type
     * @param value the value
     * @return the generator
     */
    static <T> Gen<T> constant(T value) {
        return random -> Shrinkable.of(value);
    }

    /**
     * Integers in a closed range, biased to the edges, shrinking towards 0 (or the bound nearest
     * to it).
     *
     * @param min the least value
     * @param max the greatest value
     * @return the generator
     */
    static Gen<Integer> ints(int min, int max) {
        if (min > max) {
            throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
        }
        int target = Math.max(min, Math.min(max, 0));
        return random -> {
            int value;
            int edge = random.nextInt(10);
            if (edge == 0) {
                value = min;
            } else if (edge == 1) {
                value = max;
            } else {
                value = (int) random.nextLong(min, (long) max + 1);
            }
            return Gens.shrinkInt(value, target);
        };
    }

    /**
     * Booleans, shrinking to false.
     *
     * @return the generator
     */
    static Gen<Boolean> booleans() {
        return random -> random.nextBoolean()
                ? new Shrinkable<>(true, () -> Stream.of(Shrinkable.of(false)))
                : Shrinkable.of(false);
    }

    /**
     * One of the given values, shrinking towards the first.
     *
     * @param <T> the type
     * @param values the choices; at least one
     * @return the generator
     */
    @SafeVarargs
    static <T> Gen<T> elements(T... values) {
        List<T> choices = new ArrayList<>(values.length);
        for (T value : values) {
            choices.add(Objects.requireNonNull(value, "value"));
        }
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("no elements to choose from");
        }
        return ints(0, choices.size() - 1).map(choices::get);
    }

    /**
     * A value from one of the generators, chosen with the given weights; shrinks within the chosen
     * generator, and towards the first alternative's simplest value.
     *
     * @param <T> the type
     * @param weighted pairs of weight and generator
     * @return the generator
     */
    static <T> Gen<T> frequency(List<Weighted<T>> weighted) {
        int total = weighted.stream().mapToInt(Weighted::weight).sum();
        if (total <= 0) {
            throw new IllegalArgumentException("weights must add up to more than 0");
        }
        return random -> {
            int pick = random.nextInt(total);
            for (Weighted<T> w : weighted) {
                pick -= w.weight();
                if (pick < 0) {
                    return w.gen().generate(random);
                }
            }
            throw new AssertionError("unreachable");
        };
    }

    /**
     * A generator with a weight, for {@link #frequency(List)}.
     *
     * @param <T> the type
     * @param weight how often, relative to the others
     * @param gen the generator
     */
    record Weighted<T>(int weight, Gen<T> gen) {
        /**
         * Checks the weight.
         *
         * @param weight how often
         * @param gen the generator
         */
        public Weighted {
            if (weight < 0) {
                throw new IllegalArgumentException("negative weight " + weight);
            }
            Objects.requireNonNull(gen, "gen");
        }
    }

    /**
     * Byte arrays of a generated length. They shrink by length (keeping a prefix), then to all
     * zeros.
     *
     * @param length the length's generator
     * @return the generator
     */
    static Gen<byte[]> bytes(Gen<Integer> length) {
        return random -> {
            Shrinkable<Integer> size = length.generate(random);
            byte[] data = new byte[size.value()];
            random.nextBytes(data);
            return Gens.shrinkBytes(data, size);
        };
    }

    /**
     * Lists of a generated length. They shrink by removing runs of elements (delta debugging:
     * halves, quarters, … single elements), then by shrinking elements in place.
     *
     * @param <T> the element type
     * @param element the elements' generator
     * @param minSize the least length
     * @param maxSize the greatest length
     * @return the generator
     */
    static <T> Gen<List<T>> lists(Gen<T> element, int minSize, int maxSize) {
        Gen<Integer> size = ints(minSize, maxSize);
        return random -> {
            int n = size.generate(random).value();
            List<Shrinkable<T>> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                items.add(element.generate(random));
            }
            return Gens.shrinkList(items, minSize);
        };
    }

    /**
     * Splits a total into chunks of at least 1 and at most {@code maxChunk}, as a write or read
     * pattern. Chunkings shrink by merging neighbours, towards as few chunks as the limit allows.
     *
     * @param total the sum of the chunks; 0 gives no chunks
     * @param maxChunk the greatest chunk
     * @return the generator
     */
    static Gen<int[]> chunking(int total, int maxChunk) {
        if (total < 0 || maxChunk < 1) {
            throw new IllegalArgumentException("total " + total + ", max chunk " + maxChunk);
        }
        return random -> {
            List<Integer> chunks = new ArrayList<>();
            int left = total;
            // Mostly small chunks, sometimes large ones: both find different bugs.
            while (left > 0) {
                int limit = Math.min(left, maxChunk);
                int chunk = random.nextInt(4) == 0 ? random.nextInt(1, limit + 1) : random.nextInt(1, Math.min(limit, 64) + 1);
                chunks.add(chunk);
                left -= chunk;
            }
            return Gens.shrinkChunks(chunks.stream().mapToInt(Integer::intValue).toArray(), maxChunk);
        };
    }

    /** Shrinking helpers shared by the generators. */
    final class Gens {
        private Gens() {}

        static <T, U> Shrinkable<U> bind(Shrinkable<T> outer, Function<? super T, Gen<U>> f, long seed) {
            Shrinkable<U> inner = f.apply(outer.value()).generate(new SplittableRandom(seed));
            return new Shrinkable<>(inner.value(), () -> Stream.concat(
                    outer.shrinks().map(o -> bind(o, f, seed)),
                    inner.shrinks()));
        }

        static Shrinkable<Integer> shrinkInt(int value, int target) {
            return new Shrinkable<>(value, () -> towards(value, target).mapToObj(c -> shrinkInt(c, target)));
        }

        /** Candidates between target and value: the target first, then ever closer to the value. */
        static IntStream towards(int value, int target) {
            if (value == target) {
                return IntStream.empty();
            }
            long distance = (long) value - target;
            IntStream.Builder out = IntStream.builder();
            out.add(target);
            for (long step = distance / 2; step != 0; step /= 2) {
                out.add((int) (value - step));
            }
            return out.build().distinct().filter(c -> c != value);
        }

        static Shrinkable<byte[]> shrinkBytes(byte[] data, Shrinkable<Integer> size) {
            return new Shrinkable<>(data, () -> {
                Stream<Shrinkable<byte[]>> shorter = size.shrinks()
                        .filter(s -> s.value() < data.length)
                        .map(s -> shrinkBytes(Arrays.copyOf(data, s.value()), s));
                boolean allZero = true;
                for (byte b : data) {
                    allZero &= b == 0;
                }
                Stream<Shrinkable<byte[]>> zeros = allZero ? Stream.empty()
                        : Stream.of(shrinkBytes(new byte[data.length], Shrinkable.of(data.length)));
                return Stream.concat(shorter, zeros);
            });
        }

        static <T> Shrinkable<List<T>> shrinkList(List<Shrinkable<T>> items, int minSize) {
            List<T> values = items.stream().map(Shrinkable::value).toList();
            return new Shrinkable<>(values, () -> Stream.concat(removals(items, minSize), elementShrinks(items, minSize)));
        }

        private static <T> Stream<Shrinkable<List<T>>> removals(List<Shrinkable<T>> items, int minSize) {
            int n = items.size();
            List<Shrinkable<List<T>>> out = new ArrayList<>();
            for (int chunk = n - minSize; chunk >= 1; chunk = chunk == 1 ? 0 : Math.max(1, chunk / 2)) {
                for (int start = 0; start + chunk <= n; start += chunk) {
                    List<Shrinkable<T>> rest = new ArrayList<>(items.subList(0, start));
                    rest.addAll(items.subList(start + chunk, n));
                    out.add(shrinkList(rest, minSize));
                }
            }
            return out.stream();
        }

        private static <T> Stream<Shrinkable<List<T>>> elementShrinks(List<Shrinkable<T>> items, int minSize) {
            return IntStream.range(0, items.size()).boxed().flatMap(i -> items.get(i).shrinks().map(smaller -> {
                List<Shrinkable<T>> copy = new ArrayList<>(items);
                copy.set(i, smaller);
                return shrinkList(copy, minSize);
            }));
        }

        static Shrinkable<int[]> shrinkChunks(int[] chunks, int maxChunk) {
            return new Shrinkable<>(chunks, () -> {
                List<Shrinkable<int[]>> out = new ArrayList<>();
                int total = IntStream.of(chunks).sum();
                if (chunks.length > 1 && total <= maxChunk) {
                    out.add(shrinkChunks(new int[] {total}, maxChunk));
                }
                for (int i = 0; i + 1 < chunks.length; i++) {
                    if (chunks[i] + chunks[i + 1] <= maxChunk) {
                        int[] merged = new int[chunks.length - 1];
                        System.arraycopy(chunks, 0, merged, 0, i);
                        merged[i] = chunks[i] + chunks[i + 1];
                        System.arraycopy(chunks, i + 2, merged, i + 1, chunks.length - i - 2);
                        out.add(shrinkChunks(merged, maxChunk));
                    }
                }
                return out.stream();
            });
        }
    }
}
