package io.loopsock.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * A {@link SocketFactory} of {@link LoopSocket}s: hand it to any client library that takes one
 * (PostgreSQL JDBC's {@code socketFactory} property names this class, with the backend in
 * {@code socketFactoryArg}). {@link #createSocket()} returns an unconnected socket, which is what
 * nearly every client asks for before {@code connect(address, timeout)}.
 *
 * <p>Any thread. The backend's group is looked up when the first socket is made, so that a
 * library instantiating the factory reflectively sees a bad backend name as an {@code IOException}
 * from {@code createSocket}, where it expects failures.
 */
public class LoopSocketFactory extends SocketFactory {
    private final BackendGroup group;

    /** A factory on the default backend ("default": discovery's choice). */
    public LoopSocketFactory() {
        this("default");
    }

    /**
     * A factory on a backend's JVM-wide group.
     *
     * @param backend a backend's name, or "default"
     */
    public LoopSocketFactory(String backend) {
        this.group = new BackendGroup(backend);
    }

    /**
     * A factory on a group's loops.
     *
     * @param group where the sockets' loops come from
     */
    public LoopSocketFactory(LoopGroup group) {
        this.group = new BackendGroup(group);
    }

    /**
     * Returns the group the sockets live on, finding the backend's on first use.
     *
     * @return the group
     * @throws IOException if the backend is not installed or cannot run here
     */
    public LoopGroup group() throws IOException {
        return group.get();
    }

    @Override
    public Socket createSocket() throws IOException {
        return new LoopSocket(group());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(remote(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(remote(host, port), new InetSocketAddress(localHost, localPort));
    }

    /** As {@code new Socket(host, port)}: a null host is the loopback address. */
    private static InetSocketAddress remote(String host, int port) throws IOException {
        return host != null ? new InetSocketAddress(host, port) : new InetSocketAddress(InetAddress.getByName(null), port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
        Socket socket = createSocket();
        try {
            if (local != null) {
                socket.bind(local);
            }
            socket.connect(remote);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return "LoopSocketFactory[" + group + "]";
    }
}
