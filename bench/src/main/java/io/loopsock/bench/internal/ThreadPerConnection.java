package io.loopsock.bench.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The blocking contenders' common shape: an acceptor thread and one thread per connection on the
 * server, one thread per connection (or churn loop) on the client, all platform threads or all
 * virtual threads. The JDK's sockets and loopsock's socket layer differ only in the calls below.
 *
 * <p>Any thread.
 */
abstract class ThreadPerConnection implements Contender {
    /** The echo server's read buffer per connection, as the reference harness had it. */
    static final int ECHO_BUFFER = 16 * 1024;
    /** The discard server's read buffer per connection. */
    static final int DISCARD_BUFFER = 64 * 1024;

    private final String name;
    private final boolean virtual;

    ThreadPerConnection(String name, boolean virtual) {
        this.name = name;
        this.virtual = virtual;
    }

    @Override
    public final String name() {
        return name;
    }

    /** A listening socket. */
    interface Listener extends AutoCloseable {
        InetSocketAddress address() throws IOException;

        Connection accept() throws IOException;

        @Override
        void close() throws IOException;
    }

    /** A connected socket, with {@link java.io.InputStream}'s and OutputStream's conventions. */
    interface Connection extends AutoCloseable {
        /** Reads at least one byte; -1 at the end of the stream. */
        int read(byte[] bytes, int offset, int length) throws IOException;

        /** Writes all the bytes. */
        void write(byte[] bytes, int offset, int length) throws IOException;

        @Override
        void close() throws IOException;
    }

    /**
     * Opens a listener on the loopback address, ephemeral port, backlog {@link Workload#BACKLOG}.
     *
     * @return the listener
     * @throws IOException if it cannot
     */
    abstract Listener listen() throws IOException;

    /**
     * Connects to a server, with TCP_NODELAY.
     *
     * @param server the address
     * @return the connection
     * @throws IOException if it cannot
     */
    abstract Connection connect(InetSocketAddress server) throws IOException;

    /** Accepted connections get TCP_NODELAY here, where the stack needs it set per connection. */
    void accepted(Connection connection) throws IOException {
    }

    /**
     * The connections of one side (server or client), closed together with it; their threads
     * then end with an error that is not a failure.
     */
    private static final class Side implements AutoCloseable {
        final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
        volatile boolean closed;

        <T extends AutoCloseable> T add(T connection) {
            open.add(connection);
            return connection;
        }

        @Override
        public void close() {
            closed = true;
            for (AutoCloseable connection : open) {
                try {
                    connection.close();
                } catch (Exception e) {
                    // Closing at the end of a measurement: nothing to report.
                }
            }
        }
    }

    private Thread start(Side side, String what, ThrowingRunnable body) {
        Runnable task = () -> {
            try {
                body.run();
            } catch (Throwable e) {
                if (!side.closed) {
                    Failures.record(e);
                }
            }
        };
        return virtual ? Thread.ofVirtual().name(name + "-" + what).start(task)
                : Thread.ofPlatform().name(name + "-" + what).daemon(true).start(task);
    }

    /** A thread's body. */
    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Override
    public Server serve(Service service) throws IOException {
        Side side = new Side();
        Listener listener = side.add(listen());
        InetSocketAddress address = listener.address();
        LongAdder received = new LongAdder();
        start(side, "acceptor", () -> {
            while (!side.closed) {
                Connection connection = listener.accept();
                if (service == Service.CLOSE) {
                    connection.close();
                    continue;
                }
                side.add(connection);
                accepted(connection);
                start(side, "connection", () -> serveConnection(connection, service, received));
            }
        });
        return new Running(address, received, side::close);
    }

    private static void serveConnection(Connection connection, Service service, LongAdder received) throws IOException {
        try (connection) {
            byte[] buffer = new byte[service == Service.DISCARD ? DISCARD_BUFFER : ECHO_BUFFER];
            for (int n; (n = connection.read(buffer, 0, buffer.length)) >= 0; ) {
                if (service == Service.DISCARD) {
                    received.add(n);
                } else {
                    connection.write(buffer, 0, n);
                }
            }
        }
    }

    @Override
    public Client client() {
        Side side = new Side();
        return new Client() {
            @Override
            public void stream(InetSocketAddress server, int chunk) throws IOException {
                Connection connection = side.add(connect(server));
                byte[] data = Workload.heapBytes(chunk);
                start(side, "stream", () -> {
                    while (!side.closed) {
                        connection.write(data, 0, data.length);
                    }
                });
            }

            @Override
            public long pingPong(InetSocketAddress server, int size, int warmup, long[] latencies) throws Exception {
                CompletableFuture<Long> done = new CompletableFuture<>();
                start(side, "ping-pong", () -> {
                    try (Connection connection = side.add(connect(server))) {
                        byte[] message = Workload.heapBytes(size);
                        byte[] echo = new byte[size];
                        for (int i = 0; i < warmup; i++) {
                            roundTrip(connection, message, echo);
                        }
                        long start = System.nanoTime();
                        for (int i = 0; i < latencies.length; i++) {
                            long sent = System.nanoTime();
                            roundTrip(connection, message, echo);
                            latencies[i] = System.nanoTime() - sent;
                        }
                        done.complete(System.nanoTime() - start);
                    } catch (Throwable e) {
                        done.completeExceptionally(e);
                    }
                });
                return Workload.await(done);
            }

            @Override
            public void fanIn(InetSocketAddress server, int connections, int size, LongAdder roundTrips) throws IOException {
                for (int i = 0; i < connections; i++) {
                    Connection connection = side.add(connect(server));
                    start(side, "fan-in", () -> {
                        byte[] message = Workload.heapBytes(size);
                        byte[] echo = new byte[size];
                        while (!side.closed) {
                            roundTrip(connection, message, echo);
                            roundTrips.increment();
                        }
                    });
                }
            }

            @Override
            public void churn(InetSocketAddress server, int concurrency, LongAdder connections) {
                for (int i = 0; i < concurrency; i++) {
                    start(side, "churn", () -> {
                        byte[] buffer = new byte[1];
                        while (!side.closed) {
                            try (Connection connection = connect(server)) {
                                while (connection.read(buffer, 0, 1) >= 0) {
                                    // The server closes at once; nothing is expected before the end.
                                }
                            }
                            connections.increment();
                        }
                    });
                }
            }

            @Override
            public void close() {
                side.close();
            }
        };
    }

    private static void roundTrip(Connection connection, byte[] message, byte[] echo) throws IOException {
        connection.write(message, 0, message.length);
        for (int got = 0; got < echo.length; ) {
            int n = connection.read(echo, got, echo.length - got);
            if (n < 0) {
                throw new IOException("the server ended the stream");
            }
            got += n;
        }
    }
}
