package io.loopsock.bench.internal;

import io.loopsock.socket.LoopGroup;
import io.loopsock.socket.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;

/**
 * loopsock's blocking socket layer, {@link Socket}, on one backend, from platform or from virtual
 * threads; in the same thread-per-connection shape as the JDK's blocking sockets it is compared
 * with. The sockets live on the backend's shared {@link LoopGroup} (one loop thread per available
 * processor: two here, one when pinned).
 *
 * <p>Any thread.
 */
final class SocketLayerContender extends ThreadPerConnection {
    private final String backend;

    SocketLayerContender(String backend, boolean virtual) {
        super(name(backend, virtual), virtual);
        this.backend = backend;
    }

    /**
     * The contender's name.
     *
     * @param backend the backend
     * @param virtual whether its callers are virtual threads
     * @return such as {@code socket-epoll-virtual}
     */
    static String name(String backend, boolean virtual) {
        return "socket-" + backend + (virtual ? "-virtual" : "-platform");
    }

    @Override
    Listener listen() throws IOException {
        Socket server = Socket.create(LoopGroup.shared(backend));
        server.bind(new InetSocketAddress(Workload.LOOPBACK, 0));
        server.listen(Workload.BACKLOG);
        return new Listener() {
            @Override
            public InetSocketAddress address() throws IOException {
                return server.localAddress();
            }

            @Override
            public Connection accept() throws IOException {
                return wrap(server.accept());
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    @Override
    Connection connect(InetSocketAddress server) throws IOException {
        Socket socket = Socket.create(LoopGroup.shared(backend));
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        socket.connect(server);
        return wrap(socket);
    }

    @Override
    void accepted(Connection connection) throws IOException {
        ((Wrapped) connection).socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    private static Connection wrap(Socket socket) {
        return new Wrapped(socket);
    }

    private record Wrapped(Socket socket) implements Connection {
        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            int n = socket.recvInto(ByteBuffer.wrap(bytes, offset, length));
            return n == 0 ? -1 : n;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            socket.sendAll(ByteBuffer.wrap(bytes, offset, length));
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
