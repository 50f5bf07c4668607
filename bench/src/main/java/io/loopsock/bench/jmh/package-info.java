/**
 * JMH microbenchmarks of the loop's own overhead, on every backend: an empty iteration, timers,
 * cross-thread wake-ups, one write and read on a connected pair. Run them with
 * {@code ./loopsock bench --jmh} (every available backend; {@code --quick} for a smoke run; any
 * other argument goes to JMH, e.g. {@code ./loopsock bench --jmh Timer -p backend=epoll}).
 */
package io.loopsock.bench.jmh;
