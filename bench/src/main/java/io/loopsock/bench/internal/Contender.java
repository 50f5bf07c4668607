package io.loopsock.bench.internal;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * One stack under measurement: its server and its client, both written with the stack's own API,
 * in the same shape for every stack, so that the workloads differ only in the calls they make.
 *
 * <p>Any thread. A contender is used once, in a fresh JVM (see {@link Measure}); {@link Server} and
 * {@link Client} run their I/O on threads of their own, the way the stack would in an application.
 */
public interface Contender {

    /** What a server does with each connection it accepts. */
    enum Service {
        /** Reads and drops the bytes, counting them (the stream workload). */
        DISCARD,
        /** Writes back whatever it reads (ping-pong, fan-in, idle). */
        ECHO,
        /** Closes the connection as soon as it is accepted (churn). */
        CLOSE
    }

    /**
     * Returns the name the harness knows this contender by, such as {@code netty-epoll}.
     *
     * @return the name
     */
    String name();

    /**
     * Starts a server on the loopback address, on an ephemeral port.
     *
     * @param service what it does with each connection
     * @return the running server
     * @throws Exception if it cannot start
     */
    Server serve(Service service) throws Exception;

    /**
     * Starts the client side: threads or loops ready to open connections.
     *
     * @return the client
     * @throws Exception if it cannot start
     */
    Client client() throws Exception;

    /** A running server. */
    interface Server extends AutoCloseable {
        /**
         * Returns where it listens.
         *
         * @return the loopback address and port
         */
        InetSocketAddress address();

        /**
         * Returns the bytes a {@link Service#DISCARD} server has read so far.
         *
         * @return the byte count; any thread
         */
        long received();

        /** Stops the server; what it had open closes with the JVM at the latest. */
        @Override
        void close();
    }

    /**
     * A running server made of its parts.
     *
     * @param address where it listens
     * @param counted the bytes a discarding server has read
     * @param stop what closing it does
     */
    record Running(InetSocketAddress address, LongAdder counted, Runnable stop) implements Server {
        @Override
        public long received() {
            return counted.sum();
        }

        @Override
        public void close() {
            stop.run();
        }
    }

    /**
     * The ping-pong and fan-in clients of the callback-driven contenders, made of one way to
     * start a connection's {@link Exchange}.
     */
    abstract class ExchangingClient implements Client {
        /**
         * Connects and starts exchanging messages; returns once started.
         *
         * @param server where to connect
         * @param size the message size
         * @param exchange the connection's state
         * @throws Exception if it cannot connect
         */
        abstract void exchange(InetSocketAddress server, int size, Exchange exchange) throws Exception;

        @Override
        public long pingPong(InetSocketAddress server, int size, int warmup, long[] latencies) throws Exception {
            Exchange exchange = Exchange.measuring(size, warmup, latencies);
            exchange(server, size, exchange);
            return Workload.await(exchange.done());
        }

        @Override
        public void fanIn(InetSocketAddress server, int connections, int size, LongAdder roundTrips) throws Exception {
            for (int i = 0; i < connections; i++) {
                exchange(server, size, Exchange.counting(size, roundTrips));
            }
        }
    }

    /**
     * The client side of the workloads. The background ones ({@link #stream}, {@link #fanIn},
     * {@link #churn}) run until the client is closed or the JVM exits.
     */
    interface Client extends AutoCloseable {
        /**
         * Opens one connection and writes chunks back to back, as fast as the stack lets it.
         *
         * @param server where to connect
         * @param chunk the size of each write
         * @throws Exception if it cannot connect
         */
        void stream(InetSocketAddress server, int chunk) throws Exception;

        /**
         * Opens one connection and runs round trips one after the other: a message of the given
         * size, then the whole echo; returns when the last has come back.
         *
         * @param server where to connect
         * @param size the message size
         * @param warmup how many round trips to run before measuring
         * @param latencies filled with the nanoseconds of each measured round trip, in order
         * @return the nanoseconds from the start of the first measured round trip to the end of the last
         * @throws Exception if a round trip fails
         */
        long pingPong(InetSocketAddress server, int size, int warmup, long[] latencies) throws Exception;

        /**
         * Opens connections that each run closed-loop round trips concurrently.
         *
         * @param server where to connect
         * @param connections how many
         * @param size the message size
         * @param roundTrips counts every finished round trip
         * @throws Exception if the connections cannot be opened
         */
        void fanIn(InetSocketAddress server, int connections, int size, LongAdder roundTrips) throws Exception;

        /**
         * Runs concurrent loops of connect, read the end of the stream, close.
         *
         * @param server where to connect; it closes each connection at once
         * @param concurrency how many such loops run at the same time
         * @param connections counts every connection closed
         * @throws Exception if the loops cannot start
         */
        void churn(InetSocketAddress server, int concurrency, LongAdder connections) throws Exception;

        /** Stops the client; what it had open closes with the JVM at the latest. */
        @Override
        void close();
    }
}
