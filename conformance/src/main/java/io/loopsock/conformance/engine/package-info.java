/**
 * A small property engine: seeded generators with integrated shrinking ({@link
 * io.loopsock.conformance.engine.Gen}), properties ({@link io.loopsock.conformance.engine.Property})
 * and their outcomes, with the seed that replays a failure.
 *
 * <p>loopsock does not use jqwik: from version 1.10 its maintainers ask that AI coding agents not
 * use it, and we respect that. This engine does what the suite needs and no more.
 */
package io.loopsock.conformance.engine;
