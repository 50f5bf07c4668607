package io.loopsock.bench.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The JDK's own blocking sockets, {@link java.net.Socket} and {@link ServerSocket}, from platform
 * or from virtual threads: the socket layer's reference.
 *
 * <p>Any thread.
 */
final class BlockingContender extends ThreadPerConnection {

    BlockingContender(boolean virtual) {
        super(virtual ? "blocking-virtual" : "blocking-platform", virtual);
    }

    @Override
    Listener listen() throws IOException {
        ServerSocket server = new ServerSocket(0, Workload.BACKLOG, Workload.LOOPBACK);
        return new Listener() {
            @Override
            public InetSocketAddress address() {
                return (InetSocketAddress) server.getLocalSocketAddress();
            }

            @Override
            public Connection accept() throws IOException {
                return wrap(server.accept());
            }

            @Override
            public void close() throws IOException {
                server.close();
            }
        };
    }

    @Override
    Connection connect(InetSocketAddress server) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(server);
        return wrap(socket);
    }

    private static Connection wrap(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        return new Connection() {
            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                return in.read(bytes, offset, length);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
            }

            @Override
            public void close() throws IOException {
                socket.close();
            }
        };
    }
}
