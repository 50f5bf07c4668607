package io.loopsock.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import javax.net.ServerSocketFactory;

/**
 * A {@link ServerSocketFactory} of {@link LoopServerSocket}s.
 *
 * <p>Any thread. The backend's group is looked up when the first socket is made.
 */
public class LoopServerSocketFactory extends ServerSocketFactory {
    private final BackendGroup group;

    /** A factory on the default backend. */
    public LoopServerSocketFactory() {
        this("default");
    }

    /**
     * A factory on a backend's JVM-wide group.
     *
     * @param backend a backend's name, or "default"
     */
    public LoopServerSocketFactory(String backend) {
        this.group = new BackendGroup(backend);
    }

    /**
     * A factory on a group's loops.
     *
     * @param group where the sockets' loops come from
     */
    public LoopServerSocketFactory(LoopGroup group) {
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
    public ServerSocket createServerSocket() throws IOException {
        return new LoopServerSocket(group());
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        return new LoopServerSocket(group(), port, 50, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
        return new LoopServerSocket(group(), port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
        return new LoopServerSocket(group(), port, backlog, ifAddress);
    }

    @Override
    public String toString() {
        return "LoopServerSocketFactory[" + group + "]";
    }
}
