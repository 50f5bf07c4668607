package io.loopsock.socket;

import java.io.IOException;
import java.net.SocketException;

/**
 * A {@code java.net.Socket} over a loopsock loop: existing code that takes a {@code Socket} runs on
 * it unchanged, with the JDK's semantics (timeouts, shutdown, close from another thread, sticky end
 * of stream and reset, "Closed by interrupt" on virtual threads). Made unconnected; connect it
 * with {@link #connect(java.net.SocketAddress, int)}, or get one from {@link LoopSocketFactory}.
 *
 * <p>Any thread, as {@code java.net.Socket}. The I/O runs on a loop of the socket's
 * {@link LoopGroup}; a blocking call parks the caller, a platform or a virtual thread. See
 * docs/socket.md for the few places where it differs from the JDK's socket, and why.
 */
public class LoopSocket extends java.net.Socket {
    private final LoopSocketImpl impl;

    /**
     * Makes an unconnected socket on the JVM-wide group of the default backend.
     *
     * @throws IOException if no backend can run here
     */
    public LoopSocket() throws IOException {
        this(LoopGroup.shared("default"));
    }

    /**
     * Makes an unconnected socket on the JVM-wide group of a backend.
     *
     * @param backend a backend's name, or "default" for discovery's choice
     * @throws IOException if that backend is not installed or cannot run here
     */
    public LoopSocket(String backend) throws IOException {
        this(LoopGroup.shared(backend));
    }

    /**
     * Makes an unconnected socket on a group's loops.
     *
     * @param group where its loop comes from
     * @throws SocketException never in practice; {@code java.net.Socket}'s constructor declares it
     */
    public LoopSocket(LoopGroup group) throws SocketException {
        this(new LoopSocketImpl(group, false));
    }

    LoopSocket(LoopSocketImpl impl) throws SocketException {
        super(impl);
        this.impl = impl;
    }

    /**
     * Returns loopsock's extension that the JDK lacks: the bytes written but not yet acknowledged
     * by the peer (the loop's queue plus the kernel's send queue, SIOCOUTQ).
     *
     * @return the bytes
     * @throws IOException if the socket is closed or not connected, or the backend cannot tell
     */
    public long bytesUnsent() throws IOException {
        if (isClosed()) {
            throw new SocketException("Socket is closed");
        }
        if (!isConnected()) {
            throw new SocketException("Socket is not connected");
        }
        return impl.bytesUnsent();
    }

    /**
     * Returns the socket layer's socket under this one, for its Python-style calls.
     *
     * @return the socket
     * @throws SocketException before the socket exists (it is made on first use)
     */
    public Socket unwrap() throws SocketException {
        return impl.unwrap();
    }

    /**
     * Returns the group whose loop does this socket's I/O.
     *
     * @return the group
     */
    public LoopGroup group() {
        return impl.group();
    }
}
