package io.loopsock.conformance.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * A peer made of the JDK's own blocking sockets, on its own platform thread: the platform's
 * sockets as the reference the loop's streams must agree with. It accepts one connection on a
 * loopback listener and runs a body on it; every wait is bounded.
 *
 * @param <T> what the body returns
 */
public final class JdkPeer<T> implements AutoCloseable {
    /** What the peer does with the one connection it accepts. */
    @FunctionalInterface
    public interface Body<T> {
        /**
         * Serves the connection; the socket has a 10 s read timeout and is closed afterwards.
         *
         * @param socket the accepted connection
         * @return the result {@link #result()} returns
         * @throws IOException as the socket throws it
         */
        T serve(Socket socket) throws IOException;
    }

    private final ServerSocket server;
    private final FutureTask<T> task;
    private final Thread thread;
    private final CountDownLatch accepted = new CountDownLatch(1);

    /**
     * Starts listening on an ephemeral loopback port and waits for one connection on a new thread.
     *
     * @param body what to do with the connection
     * @throws IOException if the listener cannot be opened
     */
    public JdkPeer(Body<T> body) throws IOException {
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        task = new FutureTask<>(() -> {
            try (Socket socket = server.accept()) {
                accepted.countDown();
                socket.setSoTimeout(10_000);
                return body.serve(socket);
            }
        });
        thread = Thread.ofPlatform().name("jdk-peer").daemon(true).start(task);
    }

    /**
     * Returns the listener's address.
     *
     * @return the loopback address and port to connect to
     */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /**
     * Waits, at most 10 s, until the peer has accepted its connection.
     *
     * @throws InterruptedException if interrupted
     */
    public void awaitAccepted() throws InterruptedException {
        assertThat(accepted.await(10, TimeUnit.SECONDS)).as("the JDK peer accepted").isTrue();
    }

    /**
     * Waits, at most 10 s, for the body's result.
     *
     * @return what the body returned
     * @throws Exception what the body threw, or a timeout
     */
    public T result() throws Exception {
        return task.get(10, TimeUnit.SECONDS);
    }

    /** Closes the listener and joins the peer's thread, at most 10 s. */
    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while joining the JDK peer");
        }
        assertThat(thread.isAlive()).as("the JDK peer thread ended").isFalse();
    }
}
