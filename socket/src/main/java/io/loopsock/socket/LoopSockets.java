package io.loopsock.socket;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketException;

/**
 * The ways into loopsock for code written against {@code java.net}: factories to hand to a client
 * library, and {@link #install(String)}, which makes every {@code new Socket()} and
 * {@code new ServerSocket()} of the JVM a loopsock socket (the Java counterpart of gevent's
 * monkey-patching of Python's socket module).
 *
 * <p>Any thread.
 */
public final class LoopSockets {
    private static String installed;

    private LoopSockets() {
    }

    /**
     * Returns a socket factory on a backend's JVM-wide group.
     *
     * @param backend a backend's name ("nio", "epoll", "io_uring"), or "default" for discovery's
     *     choice
     * @return the factory
     * @throws IOException if that backend is not installed or cannot run here
     */
    public static LoopSocketFactory socketFactory(String backend) throws IOException {
        return new LoopSocketFactory(LoopGroup.shared(backend));
    }

    /**
     * Returns a server socket factory on a backend's JVM-wide group.
     *
     * @param backend a backend's name, or "default"
     * @return the factory
     * @throws IOException if that backend is not installed or cannot run here
     */
    public static LoopServerSocketFactory serverSocketFactory(String backend) throws IOException {
        return new LoopServerSocketFactory(LoopGroup.shared(backend));
    }

    /**
     * Makes loopsock the implementation of every plain {@code java.net.Socket} and
     * {@code ServerSocket} the JVM makes from now on, through the JDK's supported (deprecated since
     * 17, not for removal) {@code Socket.setSocketImplFactory} and
     * {@code ServerSocket.setSocketFactory}. Libraries with no socket hook, such as
     * {@code HttpURLConnection} over plain HTTP, then run over loopsock.
     *
     * <p>Limits, all the JDK's: it can be done once per JVM, and not after anything else set
     * either factory; sockets made before stay the JDK's; SOCKS and HTTP-proxy sockets always wrap
     * the JDK's own implementation; {@code SocketChannel}s and {@code java.net.http.HttpClient}
     * (which uses them) are untouched.
     *
     * @param backend a backend's name, or "default"
     * @return the group every such socket lives on ({@link LoopGroup#socketsOpened()} counts them)
     * @throws IOException if the backend cannot run here
     * @throws SocketException "factory already defined" when a factory was set before (by this
     *     method or by anything else); nothing is changed then
     */
    @SuppressWarnings("deprecation")
    public static synchronized LoopGroup install(String backend) throws IOException {
        if (installed != null) {
            throw new SocketException("factory already defined (loopsock is installed with " + installed + ")");
        }
        LoopGroup group = LoopGroup.shared(backend);
        // The client factory first: were it set and the server one refused, plain server sockets
        // stay the JDK's and still accept into the JDK's sockets; the other way round they would
        // accept into sockets of a factory they cannot drive.
        java.net.Socket.setSocketImplFactory(() -> new LoopSocketImpl(group, false));
        try {
            ServerSocket.setSocketFactory(() -> new LoopSocketImpl(group, true));
        } catch (SocketException e) {
            installed = group.provider().name() + " (client sockets only)";
            throw new SocketException("client sockets are now loopsock's, but the server socket factory was already set: " + e.getMessage());
        }
        installed = group.provider().name();
        return group;
    }

    /**
     * Returns the backend {@link #install(String)} installed, if it was called.
     *
     * @return the backend's name, or null
     */
    public static synchronized String installed() {
        return installed;
    }
}
