package io.loopsock.conformance.testing;

import io.loopsock.socket.LoopGroup;
import io.loopsock.socket.Socket;
import io.loopsock.spi.LoopProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loop group of the backend under test for one socket-layer example, with the sockets and views
 * the example opened: {@link #close()} closes them, newest first, then the group.
 *
 * <p>Test-thread only.
 */
public final class SocketScope implements AutoCloseable {
    private final LoopGroup group;
    private final List<AutoCloseable> opened = new ArrayList<>();

    /**
     * Starts a group of one loop.
     *
     * @param backend the backend under test
     * @throws IOException if its loop cannot be opened
     */
    public SocketScope(LoopProvider backend) throws IOException {
        group = LoopGroup.open(backend, 1);
    }

    /**
     * Returns the group.
     *
     * @return the group
     */
    public LoopGroup group() {
        return group;
    }

    /**
     * Closes something with the scope.
     *
     * @param <T> its type
     * @param closeable a socket, a file view, a JDK socket
     * @return the same
     */
    public <T extends AutoCloseable> T closing(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    /**
     * Makes a socket listening on the IPv4 loopback address and an ephemeral port.
     *
     * @return the listener
     * @throws IOException if it cannot listen
     */
    public Socket listener() throws IOException {
        Socket listener = closing(Socket.create(group));
        listener.bind(Loops.loopback());
        listener.listen();
        return listener;
    }

    /**
     * Makes a connected pair: a client and the socket its listener accepted.
     *
     * @return the client, then the server's end
     * @throws IOException if connecting fails
     */
    public Socket[] connectedPair() throws IOException {
        Socket listener = listener();
        Socket client = closing(Socket.create(group));
        client.connect(listener.localAddress());
        Socket server = closing(listener.accept());
        return new Socket[] {client, server};
    }

    /**
     * Closes what the example opened, newest first, then the group.
     *
     * @throws IOException if closing a file view fails to flush
     */
    @Override
    public void close() throws IOException {
        try {
            for (AutoCloseable closeable : opened.reversed()) {
                closeable.close();
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            group.close();
        }
    }
}
