package io.loopsock.bench.internal;

import io.loopsock.Async;
import io.loopsock.Loop;
import io.loopsock.RunMode;
import io.loopsock.spi.LoopProvider;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A loopsock loop running on a platform thread of its own, the way an application runs one: the
 * SPI-level contender has one for its server and one for its client.
 *
 * <p>Any thread: other threads hand it work with {@link #call}.
 */
final class LoopThread implements AutoCloseable {
    private static final Duration BOUND = Duration.ofSeconds(10);

    private final CompletableFuture<Loop> opened = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean stopping;

    LoopThread(LoopProvider provider, String name) throws Exception {
        thread = Thread.ofPlatform().name(name).daemon(true).start(() -> run(provider));
        opened.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run(LoopProvider provider) {
        Loop loop;
        Async keepAlive;
        try {
            loop = provider.open();
            // The async handle keeps the loop alive (and so running) while no connection is open.
            keepAlive = loop.async(() -> { });
        } catch (Throwable e) {
            opened.completeExceptionally(e);
            return;
        }
        opened.complete(loop);
        while (!stopping) {
            try {
                loop.run(RunMode.DEFAULT);
            } catch (RuntimeException e) {
                // A callback failed: the loop stays usable, the measurement reports the error.
                Failures.record(e);
            }
        }
        keepAlive.close();
        loop.walk(handle -> {
            if (!handle.isClosing()) {
                handle.close();
            }
        });
        try {
            loop.run(RunMode.DEFAULT);
            loop.close();
        } catch (Exception e) {
            // Closing at the end of a measurement: what is left no longer matters.
        }
    }

    /**
     * Returns the loop; touch it only from inside {@link #call}.
     *
     * @return the loop
     */
    Loop loop() {
        return opened.join();
    }

    /**
     * Runs a task on the loop thread and waits for its result.
     *
     * @param <T> the result's type
     * @param task the task
     * @return its result
     * @throws Exception what the task threw, or a timeout
     */
    <T> T call(Callable<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop().execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Closes every handle, stops the loop and waits for its thread (within a bound). */
    @Override
    public void close() {
        Loop loop = loop();
        try {
            loop.execute(() -> {
                stopping = true;
                loop.stop();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return;
        }
        Joins.join(thread, BOUND);
    }
}
