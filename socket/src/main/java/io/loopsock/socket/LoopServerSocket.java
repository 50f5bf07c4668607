package io.loopsock.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;

/**
 * A {@code java.net.ServerSocket} over a loopsock loop; {@link #accept()} returns
 * {@link LoopSocket}s on the same loop.
 *
 * <p>Any thread, as {@code java.net.ServerSocket}: SO_TIMEOUT bounds accept and leaves the server
 * usable; close from another thread wakes a blocked accept with "Socket closed"; on a virtual
 * thread an interrupt closes the server ("Closed by interrupt").
 */
public class LoopServerSocket extends ServerSocket {
    private final LoopGroup group;

    /**
     * Makes an unbound server socket on the JVM-wide group of a backend.
     *
     * @param backend a backend's name, or "default" for discovery's choice
     * @throws IOException if that backend is not installed or cannot run here
     */
    public LoopServerSocket(String backend) throws IOException {
        this(LoopGroup.shared(backend));
    }

    /**
     * Makes an unbound server socket on a group's loops.
     *
     * @param group where its loop comes from
     * @throws IOException never in practice; {@code ServerSocket}'s constructor declares it
     */
    public LoopServerSocket(LoopGroup group) throws IOException {
        super(new LoopSocketImpl(group, true));
        this.group = group;
    }

    /**
     * Makes a server socket bound to a port and listening, as {@code new ServerSocket(port,
     * backlog, bindAddr)}.
     *
     * @param group where its loop comes from
     * @param port the port, 0 for an ephemeral one
     * @param backlog the listen backlog; less than 1 means 50
     * @param bindAddr the local address, null for every address
     * @throws IOException if binding or listening fails; the socket is closed then
     * @throws IllegalArgumentException if the port is out of range
     */
    @SuppressWarnings("this-escape") // binds in the constructor, as ServerSocket(int, int, InetAddress) does
    public LoopServerSocket(LoopGroup group, int port, int backlog, InetAddress bindAddr) throws IOException {
        this(group);
        if (port < 0 || port > 0xFFFF) {
            close();
            throw new IllegalArgumentException("Port value out of range: " + port);
        }
        try {
            bind(new InetSocketAddress(bindAddr, port), backlog);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Accepts a connection, within SO_TIMEOUT.
     *
     * @return the connected socket, a {@link LoopSocket} on this server's loop
     * @throws IOException "Socket is closed", "Socket is not bound yet", "Accept timed out" (a
     *     {@link java.net.SocketTimeoutException}; the server stays usable) and the kernel's errors
     */
    @Override
    public LoopSocket accept() throws IOException {
        if (isClosed()) {
            throw new SocketException("Socket is closed");
        }
        if (!isBound()) {
            throw new SocketException("Socket is not bound yet");
        }
        LoopSocket accepted = new LoopSocket(new LoopSocketImpl(group, false));
        implAccept(accepted);
        return accepted;
    }

    /**
     * Returns the group whose loop does this socket's I/O.
     *
     * @return the group
     */
    public LoopGroup group() {
        return group;
    }
}
