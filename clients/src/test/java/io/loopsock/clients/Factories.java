package io.loopsock.clients;

import io.loopsock.socket.LoopSocketFactory;
import io.loopsock.socket.LoopSockets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Where the tests get their sockets: the one seam between the real clients and loopsock.
 *
 * <p>Any thread. A row of the matrix is either {@link #JDK} — the JDK's own sockets, the reference
 * that shows a test is right — or a loopsock backend's name, whose sockets come from the socket
 * layer's {@code java.net} adapters.
 */
final class Factories {
    /** The reference row: the JDK's own sockets. */
    static final String JDK = "jdk";

    private Factories() {}

    /**
     * Returns the socket factory of a row.
     *
     * @param row {@link #JDK} or a backend name
     * @return a factory whose {@code createSocket()} gives an unconnected socket
     * @throws IOException if the backend cannot be used
     */
    static SocketFactory socketFactory(String row) throws IOException {
        if (row.equals(JDK)) {
            return SocketFactory.getDefault();
        }
        return LoopSockets.socketFactory(row);
    }

    /**
     * Checks that a socket a client got is the row's: a loopsock adapter for a backend row, the
     * JDK's own for the reference row.
     *
     * @param row {@link #JDK} or a backend name
     * @param socket the socket
     */
    static void assertMadeBy(String row, Socket socket) {
        boolean loopsock = socket.getClass().getName().startsWith("io.loopsock.");
        if (loopsock == row.equals(JDK)) {
            throw new AssertionError("row " + row + " got a " + socket.getClass().getName());
        }
    }

    /**
     * Makes every {@code new Socket()} and {@code new ServerSocket()} of this JVM a loopsock one,
     * through the JDK's process-wide socket implementation factories.
     *
     * @param backend the backend's name
     * @throws IOException if the backend cannot be used
     */
    static void install(String backend) throws IOException {
        LoopSockets.install(backend);
    }

    /**
     * Returns the class pgjdbc instantiates for a row through its {@code socketFactory} property;
     * the row goes into {@code socketFactoryArg}, the argument of the class's String constructor.
     *
     * @param row {@link #JDK} or a backend name
     * @return the factory class's name
     */
    static String pgjdbcSocketFactory(String row) {
        if (row.equals(JDK)) {
            return JdkSocketFactory.class.getName();
        }
        return LoopSocketFactory.class.getName();
    }

    /**
     * The JDK's own sockets as a class pgjdbc can instantiate by name: the reference row of the
     * PostgreSQL tests.
     *
     * <p>Any thread.
     */
    public static final class JdkSocketFactory extends SocketFactory {
        /**
         * Makes the factory; pgjdbc passes {@code socketFactoryArg}, which this one ignores.
         *
         * @param ignored the row's name
         */
        public JdkSocketFactory(String ignored) {}

        @Override
        public Socket createSocket() {
            return new Socket();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return new Socket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return new Socket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return new Socket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return new Socket(address, port, localAddress, localPort);
        }
    }
}
