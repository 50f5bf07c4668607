package io.loopsock.bench.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * A raw {@code java.nio} {@link Selector} loop, one thread per side, written the plain way: the
 * Java baseline every event loop is held against. Each loop shares one 64 KiB direct buffer for
 * reading.
 *
 * <p>Any thread; the channels are touched only by their selector's thread.
 */
final class NioSelectorContender implements Contender {
    private static final int READ_BUFFER = 64 * 1024;

    @Override
    public String name() {
        return "nio-selector";
    }

    /** What a ready key's attachment does. */
    @FunctionalInterface
    private interface Ready {
        void ready(SelectionKey key) throws IOException;
    }

    /** A selector on its own thread; other threads hand it work with {@link #submit}. */
    private static final class SelectorThread implements AutoCloseable {
        final Selector selector;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER);
        private final Queue<ThreadPerConnection.ThrowingRunnable> tasks = new ConcurrentLinkedQueue<>();
        private volatile boolean stopping;
        private final Thread thread;

        SelectorThread(String name) throws IOException {
            selector = Selector.open();
            thread = Thread.ofPlatform().name(name).daemon(true).start(this::run);
        }

        void submit(ThreadPerConnection.ThrowingRunnable task) {
            tasks.add(task);
            selector.wakeup();
        }

        private void run() {
            try {
                while (!stopping) {
                    selector.select();
                    for (ThreadPerConnection.ThrowingRunnable task; (task = tasks.poll()) != null; ) {
                        task.run();
                    }
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext()) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        try {
                            ((Ready) key.attachment()).ready(key);
                        } catch (IOException e) {
                            key.channel().close();
                            if (!stopping) {
                                Failures.record(e);
                            }
                        }
                    }
                }
                for (SelectionKey key : selector.keys()) {
                    key.channel().close();
                }
                selector.close();
            } catch (Exception e) {
                Failures.record(e);
            }
        }

        @Override
        public void close() {
            stopping = true;
            selector.wakeup();
            Joins.join(thread, java.time.Duration.ofSeconds(10));
        }
    }

    @Override
    public Server serve(Service service) throws IOException {
        SelectorThread loop = new SelectorThread("nio-selector-server");
        ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(Workload.LOOPBACK, 0), Workload.BACKLOG);
        listener.configureBlocking(false);
        LongAdder received = new LongAdder();
        loop.submit(() -> listener.register(loop.selector, SelectionKey.OP_ACCEPT, (Ready) key -> {
            for (SocketChannel channel; (channel = listener.accept()) != null; ) {
                if (service == Service.CLOSE) {
                    channel.close();
                    continue;
                }
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.register(loop.selector, SelectionKey.OP_READ,
                        service == Service.DISCARD ? discard(loop, received) : new Echo(loop));
            }
        }));
        InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
        return new Running(address, received, loop::close);
    }

    private static Ready discard(SelectorThread loop, LongAdder received) {
        return key -> {
            SocketChannel channel = (SocketChannel) key.channel();
            for (int n; (n = channel.read(loop.buffer.clear())) != 0; ) {
                if (n < 0) {
                    channel.close();
                    return;
                }
                received.add(n);
            }
        };
    }

    /** An echoing connection: what the socket did not take waits, and reading pauses meanwhile. */
    private static final class Echo implements Ready {
        private final SelectorThread loop;
        private ByteBuffer unsent;

        Echo(SelectorThread loop) {
            this.loop = loop;
        }

        @Override
        public void ready(SelectionKey key) throws IOException {
            SocketChannel channel = (SocketChannel) key.channel();
            if (unsent != null) {
                channel.write(unsent);
                if (unsent.hasRemaining()) {
                    return;
                }
                unsent = null;
                key.interestOps(SelectionKey.OP_READ);
            }
            ByteBuffer buffer = loop.buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                channel.close();
                return;
            }
            channel.write(buffer.flip());
            if (buffer.hasRemaining()) {
                unsent = ByteBuffer.allocateDirect(buffer.remaining()).put(buffer).flip();
                key.interestOps(SelectionKey.OP_WRITE);
            }
        }
    }

    @Override
    public Client client() throws IOException {
        SelectorThread loop = new SelectorThread("nio-selector-client");
        return new ExchangingClient() {
            @Override
            public void stream(InetSocketAddress server, int chunk) throws IOException {
                SocketChannel channel = connected(server);
                ByteBuffer data = Workload.directBytes(chunk);
                loop.submit(() -> channel.register(loop.selector, SelectionKey.OP_WRITE, (Ready) key -> {
                    while (channel.write(data) > 0) {
                        if (!data.hasRemaining()) {
                            data.clear();
                        }
                    }
                }));
            }

            @Override
            void exchange(InetSocketAddress server, int size, Exchange exchange) throws IOException {
                SocketChannel channel = connected(server);
                ByteBuffer message = Workload.directBytes(size);
                loop.submit(() -> {
                    channel.register(loop.selector, SelectionKey.OP_READ, (Ready) key -> {
                        int n = channel.read(loop.buffer.clear());
                        if (n < 0) {
                            exchange.fail(new IOException("the server ended the stream"));
                            channel.close();
                        } else if (n > 0 && exchange.received(n)) {
                            send(channel, message, exchange);
                        }
                    });
                    send(channel, message, exchange);
                });
            }

            @Override
            public void churn(InetSocketAddress server, int concurrency, LongAdder connections) {
                for (int i = 0; i < concurrency; i++) {
                    loop.submit(() -> churnOnce(loop, server, connections));
                }
            }

            @Override
            public void close() {
                loop.close();
            }
        };
    }

    private static SocketChannel connected(InetSocketAddress server) throws IOException {
        SocketChannel channel = SocketChannel.open(server);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        return channel;
    }

    /** Writes a small message; a 64-byte write into an idle connection's empty send buffer is whole. */
    private static void send(SocketChannel channel, ByteBuffer message, Exchange exchange) throws IOException {
        exchange.sent();
        message.clear();
        while (message.hasRemaining()) {
            channel.write(message);
        }
    }

    private static void churnOnce(SelectorThread loop, InetSocketAddress server, LongAdder connections) throws IOException {
        SocketChannel channel = SocketChannel.open();
        channel.configureBlocking(false);
        boolean connected = channel.connect(server);
        channel.register(loop.selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, (Ready) key -> {
            if (key.isConnectable()) {
                channel.finishConnect();
                key.interestOps(SelectionKey.OP_READ);
                return;
            }
            int n;
            try {
                n = channel.read(loop.buffer.clear());
            } catch (IOException e) {
                n = -1; // a reset ends the connection as well as the end of the stream does
            }
            if (n < 0) {
                channel.close();
                connections.increment();
                churnOnce(loop, server, connections);
            }
        });
    }
}
