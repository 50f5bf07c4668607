package io.loopsock.bench.internal;

import io.loopsock.LoopException;
import io.loopsock.ReadResult;
import io.loopsock.Stream;
import io.loopsock.Tcp;
import io.loopsock.spi.LoopProvider;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * A loopsock backend at the SPI level: {@link Tcp} handles on a loop, callbacks, no socket layer.
 * The server runs on one loop thread and the client on another, as Netty's contenders run on one
 * event loop each.
 *
 * <p>Any thread; the handles are touched only on their loop's thread.
 */
final class LoopsockContender implements Contender {
    /** How many stream writes are kept queued, so that the socket never waits for the next one. */
    private static final int STREAM_WRITES_IN_FLIGHT = 2;

    private final LoopProvider provider;

    LoopsockContender(LoopProvider provider) {
        this.provider = provider;
    }

    /**
     * The contender's name for a backend.
     *
     * @param backend the provider's name
     * @return {@code loopsock-} and the name
     */
    static String name(String backend) {
        return "loopsock-" + backend;
    }

    @Override
    public String name() {
        return name(provider.name());
    }

    @Override
    public Server serve(Service service) throws Exception {
        LoopThread thread = new LoopThread(provider, name() + "-server");
        LongAdder received = new LongAdder();
        InetSocketAddress address = thread.call(() -> {
            Tcp listener = thread.loop().tcp();
            listener.bind(new InetSocketAddress(Workload.LOOPBACK, 0));
            listener.listen(Workload.BACKLOG, error -> {
                if (error != null) {
                    throw error;
                }
                accepted(listener.accept(), service, received);
            });
            return listener.localAddress();
        });
        return new Running(address, received, thread::close);
    }

    private static void accepted(Tcp connection, Service service, LongAdder received) throws LoopException {
        switch (service) {
            case CLOSE -> connection.close();
            case DISCARD -> connection.startRead(result -> {
                if (result instanceof ReadResult.Data(ByteBuffer bytes)) {
                    received.add(bytes.remaining());
                } else {
                    connection.close();
                }
            });
            case ECHO -> {
                connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
                connection.startRead(result -> {
                    if (result instanceof ReadResult.Data(ByteBuffer bytes)) {
                        send(connection, bytes);
                    } else {
                        connection.close();
                    }
                });
            }
        }
    }

    /**
     * Writes the bytes at once where the socket takes them, and queues a copy of the rest: the
     * loop's read buffer may not be queued itself, it is reused after the callback.
     */
    private static void send(Stream stream, ByteBuffer bytes) throws LoopException {
        stream.tryWrite(bytes);
        if (bytes.hasRemaining()) {
            ByteBuffer rest = ByteBuffer.allocateDirect(bytes.remaining()).put(bytes).flip();
            stream.write(rest, null);
        }
    }

    @Override
    public Client client() throws Exception {
        LoopThread thread = new LoopThread(provider, name() + "-client");
        return new ExchangingClient() {
            @Override
            public void stream(InetSocketAddress server, int chunk) throws Exception {
                // The bytes never change, so every queued write may share one buffer.
                ByteBuffer data = Workload.directBytes(chunk).asReadOnlyBuffer();
                thread.call(() -> {
                    Tcp tcp = thread.loop().tcp();
                    tcp.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    tcp.connect(server, error -> {
                        if (error != null) {
                            throw error;
                        }
                        for (int i = 0; i < STREAM_WRITES_IN_FLIGHT; i++) {
                            writeForever(tcp, data);
                        }
                    });
                    return null;
                });
            }

            @Override
            void exchange(InetSocketAddress server, int size, Exchange exchange) throws Exception {
                thread.call(() -> startExchange(thread, server, size, exchange));
            }

            @Override
            public void churn(InetSocketAddress server, int concurrency, LongAdder connections) throws Exception {
                for (int i = 0; i < concurrency; i++) {
                    thread.call(() -> churnOnce(thread, server, connections));
                }
            }

            @Override
            public void close() {
                thread.close();
            }
        };
    }

    private static void writeForever(Tcp tcp, ByteBuffer data) throws LoopException {
        tcp.write(data, error -> {
            if (error == null) {
                writeForever(tcp, data);
            }
        });
    }

    private static Void startExchange(LoopThread thread, InetSocketAddress server, int size, Exchange exchange) throws LoopException {
        ByteBuffer message = Workload.directBytes(size);
        Tcp tcp = thread.loop().tcp();
        tcp.setOption(StandardSocketOptions.TCP_NODELAY, true);
        tcp.connect(server, error -> {
            if (error != null) {
                exchange.fail(error);
                return;
            }
            tcp.startRead(result -> {
                switch (result) {
                    case ReadResult.Data(ByteBuffer bytes) -> {
                        if (exchange.received(bytes.remaining())) {
                            exchange.sent();
                            send(tcp, message.duplicate());
                        }
                    }
                    case ReadResult.EndOfStream() -> exchange.fail(new IllegalStateException("the server ended the stream"));
                    case ReadResult.Failed(LoopException e) -> exchange.fail(e);
                }
            });
            exchange.sent();
            send(tcp, message.duplicate());
        });
        return null;
    }

    private static Void churnOnce(LoopThread thread, InetSocketAddress server, LongAdder connections) throws LoopException {
        Tcp tcp = thread.loop().tcp();
        tcp.connect(server, error -> {
            if (error != null) {
                Failures.record(error);
                tcp.close();
                return;
            }
            tcp.startRead(result -> {
                // The server closes at once: the first outcome is the end of the stream (or a reset).
                tcp.close(() -> {
                    connections.increment();
                    churnOnce(thread, server, connections);
                });
            });
        });
        return null;
    }
}
