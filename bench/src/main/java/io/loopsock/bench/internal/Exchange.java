package io.loopsock.bench.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * The client state of one closed-loop ping-pong connection, for the callback-driven contenders: it
 * counts the echo's bytes and says when a round trip is complete, so that the next message can go.
 *
 * <p>Confined to the thread of the connection's event loop.
 */
final class Exchange {
    private final int size;
    private final int warmup;
    private final long[] latencies;
    private final LongAdder roundTrips;
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    private int pending;
    private int index;
    private long sentAt;
    private long startedAt;

    private Exchange(int size, int warmup, long[] latencies, LongAdder roundTrips) {
        this.size = size;
        this.warmup = warmup;
        this.latencies = latencies;
        this.roundTrips = roundTrips;
        this.index = -warmup;
    }

    /**
     * A connection of the ping-pong workload, which records each measured round trip.
     *
     * @param size the message size
     * @param warmup the round trips before measuring
     * @param latencies where the measured ones go; its length is their count
     * @return the state
     */
    static Exchange measuring(int size, int warmup, long[] latencies) {
        return new Exchange(size, warmup, latencies, null);
    }

    /**
     * A connection of the fan-in workload, which counts round trips until the JVM ends.
     *
     * @param size the message size
     * @param roundTrips the shared count
     * @return the state
     */
    static Exchange counting(int size, LongAdder roundTrips) {
        return new Exchange(size, 0, null, roundTrips);
    }

    /** Notes that a message was sent (or is about to be), which starts a round trip. */
    void sent() {
        pending = size;
        sentAt = System.nanoTime();
        if (index == 0 && latencies != null) {
            startedAt = sentAt;
        }
    }

    /**
     * Notes echoed bytes.
     *
     * @param bytes how many arrived
     * @return true when the round trip is complete and another message should be sent
     */
    boolean received(int bytes) {
        pending -= bytes;
        if (pending > 0) {
            return false;
        }
        if (pending < 0) {
            fail(new IllegalStateException("the echo brought " + -pending + " bytes more than were sent"));
            return false;
        }
        long now = System.nanoTime();
        if (roundTrips != null) {
            roundTrips.increment();
            return true;
        }
        if (index >= 0) {
            latencies[index] = now - sentAt;
        }
        index++;
        if (index == latencies.length) {
            done.complete(now - startedAt);
            return false;
        }
        return true;
    }

    /**
     * Ends a measured exchange with a failure.
     *
     * @param error what went wrong
     */
    void fail(Throwable error) {
        if (roundTrips != null || !done.completeExceptionally(error)) {
            Failures.record(error);
        }
    }

    /**
     * Returns the outcome of a measuring exchange.
     *
     * @return completes with the measured nanoseconds
     */
    CompletableFuture<Long> done() {
        return done;
    }

    /**
     * Tells whether the last round trip has finished.
     *
     * @return true once done
     */
    boolean finished() {
        return done.isDone();
    }
}
