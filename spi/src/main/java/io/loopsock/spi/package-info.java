/**
 * What a backend implements: {@link io.loopsock.spi.LoopProvider}, found through
 * {@link java.util.ServiceLoader}, and the skeletons {@link io.loopsock.spi.AbstractLoop} and
 * {@link io.loopsock.spi.AbstractHandle} that carry the loop's phases, timers, watchers and
 * lifecycle rules once for every backend.
 *
 * <p>docs/contributing-a-backend.md walks through a new backend.
 */
package io.loopsock.spi;
