package io.loopsock.socket;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.RunMode;
import io.loopsock.spi.LoopProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loops on dedicated platform threads, one per core by default, that the blocking sockets of this
 * layer share: each socket lives on one loop (chosen round-robin), callers park until its loop has
 * done their work.
 *
 * <p>Any thread. A group's threads are daemons; {@link #shared(String)} groups live as long as the
 * JVM, groups from {@link #open(LoopProvider, int)} until {@link #close()}.
 */
public final class LoopGroup implements AutoCloseable {
    private static final Map<String, LoopGroup> SHARED = new ConcurrentHashMap<>();
    private static final Duration START_BOUND = Duration.ofSeconds(10);

    private final LoopProvider provider;
    private final List<Lane> lanes;
    private final AtomicInteger next = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong socketsOpened = new java.util.concurrent.atomic.AtomicLong();

    private LoopGroup(LoopProvider provider, int threads) throws LoopException {
        this.provider = provider;
        List<Lane> started = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                started.add(new Lane(this, i));
            }
        } catch (LoopException | RuntimeException e) {
            started.forEach(Lane::stop);
            throw e;
        }
        this.lanes = List.copyOf(started);
    }

    /**
     * Starts a group of loops of a backend.
     *
     * @param provider the backend
     * @param threads how many loops, each on its own thread
     * @return the running group
     * @throws LoopException if a loop cannot be opened (the backend is unavailable, say)
     */
    public static LoopGroup open(LoopProvider provider, int threads) throws LoopException {
        Objects.requireNonNull(provider, "provider");
        if (threads < 1) {
            throw new IllegalArgumentException("a group needs at least one thread: " + threads);
        }
        return new LoopGroup(provider, threads);
    }

    /**
     * Returns the JVM-wide group of a backend, one loop per available processor, started on first
     * use.
     *
     * @param backend a backend name, or {@code "default"} for the one discovery selects
     * @return the group
     * @throws LoopException {@link io.loopsock.ErrorCode#ENOENT} for an unknown backend,
     *     {@link io.loopsock.ErrorCode#ENOTSUP} for an unavailable one
     */
    public static LoopGroup shared(String backend) throws LoopException {
        LoopProvider provider = LoopProvider.named(Objects.requireNonNull(backend, "backend"));
        LoopGroup group = SHARED.get(provider.name());
        if (group != null) {
            return group;
        }
        synchronized (SHARED) {
            group = SHARED.get(provider.name());
            if (group == null) {
                group = open(provider, Runtime.getRuntime().availableProcessors());
                SHARED.put(provider.name(), group);
            }
            return group;
        }
    }

    /**
     * Returns the backend of this group's loops.
     *
     * @return the provider
     */
    public LoopProvider provider() {
        return provider;
    }

    /** The loop the next socket goes to. */
    Lane nextLane() {
        return lanes.get(Math.floorMod(next.getAndIncrement(), lanes.size()));
    }

    /**
     * Returns how many sockets this group's loops have opened since it started: created, accepted
     * and paired ones, closed or not.
     *
     * @return the count
     */
    public long socketsOpened() {
        return socketsOpened.get();
    }

    /**
     * Stops the loops: closes every handle still open on them (sockets not closed by their users
     * are closed here), lets the loops finish, and waits for their threads.
     */
    @Override
    public void close() {
        lanes.forEach(Lane::stop);
    }

    /** One loop and the platform thread that runs it, with the sockets that live on it. */
    static final class Lane {
        private final Thread thread;
        private final LoopGroup group;
        private final CompletableFuture<Loop> opened = new CompletableFuture<>();
        private volatile Loop loop;
        /** Set by {@link #stop()}: no more work is taken. */
        private volatile boolean stopping;
        /** The sockets on this loop that are not closed yet; loop-thread only. */
        private final Set<Socket> sockets = Collections.newSetFromMap(new IdentityHashMap<>());

        Lane(LoopGroup group, int index) throws LoopException {
            this.group = group;
            thread = Thread.ofPlatform().name("loopsock-" + group.provider.name() + "-" + index).daemon(true).unstarted(() -> run(group.provider));
            thread.start();
            try {
                loop = opened.get(START_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof LoopException error) {
                    throw error;
                }
                throw new IllegalStateException("the loop thread failed to start", e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("the loop thread did not start within " + START_BOUND, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting a loop thread", e);
            }
        }

        private void run(LoopProvider provider) {
            Loop own;
            try {
                own = provider.open();
                // Keeps run(DEFAULT) going while no socket has work; stop() closes it with the rest.
                own.async(() -> { });
            } catch (LoopException | RuntimeException e) {
                opened.completeExceptionally(e);
                return;
            }
            opened.complete(own);
            while (true) {
                try {
                    if (!own.run(RunMode.DEFAULT) && stopping) {
                        break;
                    }
                } catch (Throwable t) {
                    // A callback failed: a bug of this layer, or the VM (out of memory). It is
                    // reported, and the loop goes on, so that no caller on it stays parked.
                    Thread current = Thread.currentThread();
                    current.getUncaughtExceptionHandler().uncaughtException(current, t);
                }
            }
            // Work that raced the stop (a socket made as the group closed) is closed and drained
            // until the loop can close.
            for (int round = 0; ; round++) {
                closeEverything(own);
                own.run(RunMode.NOWAIT);
                try {
                    own.close();
                    return;
                } catch (LoopException e) {
                    if (round > 1000) {
                        // Only the poller leaks; nothing can wait on a loop that no longer runs.
                        return;
                    }
                }
            }
        }

        private void closeEverything(Loop own) {
            for (Socket socket : List.copyOf(sockets)) {
                socket.closeOnLoop();
            }
            sockets.clear();
            own.walk(handle -> {
                if (!handle.isClosing()) {
                    handle.close();
                }
            });
        }

        /** Returns this lane's loop; its handles may be used on {@link #isLoopThread() its thread} only. */
        Loop loop() {
            return loop;
        }

        boolean isLoopThread() {
            return Thread.currentThread() == thread;
        }

        /**
         * Runs a task on the loop's thread.
         *
         * @throws SocketError {@link io.loopsock.ErrorCode#EBADF} once the group is closed
         */
        void execute(Runnable task) throws SocketError {
            if (stopping) {
                throw new SocketError(io.loopsock.ErrorCode.EBADF, "the loop group is closed");
            }
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                throw new SocketError(io.loopsock.ErrorCode.EBADF, "the loop group is closed");
            }
        }

        /** Records a socket that lives on this loop; loop thread only. */
        void opened(Socket socket) {
            group.socketsOpened.incrementAndGet();
            sockets.add(socket);
        }

        /** Forgets a closed socket; loop thread only. */
        void closed(Socket socket) {
            sockets.remove(socket);
        }

        void stop() {
            Loop own = loop;
            if (own == null || stopping) {
                return;
            }
            try {
                own.execute(() -> {
                    stopping = true;
                    closeEverything(own);
                });
            } catch (RejectedExecutionException e) {
                return;
            }
            if (!isLoopThread()) {
                try {
                    thread.join(START_BOUND.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
