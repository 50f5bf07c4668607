/**
 * The loopsock API: a libuv-style {@link io.loopsock.Loop} and its handles.
 *
 * <p>Start with {@link io.loopsock.Loop#open()}, create handles with the loop's factories, and call
 * {@link io.loopsock.Loop#run()}. Every type states its threading rule in its second sentence.
 * docs/design.md describes the loop's phases, the close rules and the error model; each handle has
 * a page of its own in docs/.
 */
package io.loopsock;
