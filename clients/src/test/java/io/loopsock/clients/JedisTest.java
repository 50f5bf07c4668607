package io.loopsock.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.clients.Matrix.ThreadKind;
import io.loopsock.clients.servers.RedisServer;
import io.loopsock.clients.servers.Server;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Jedis, unchanged, over loopsock: its {@link JedisSocketFactory} hook gets sockets from the row's
 * factory and sets them up exactly as Jedis's own {@code DefaultJedisSocketFactory} does — reuse
 * address, keep-alive, no delay, linger 0 (every close is a reset) — then connects them.
 */
@Timeout(60)
class JedisTest {
    private static final String ROWS = "io.loopsock.clients.Matrix#rows";
    private static final String NAME = "{0} on a {1} thread";
    private static final int TIMEOUT_MILLIS = 10_000;

    @RegisterExtension
    static final Server<RedisServer> SERVER = new Server<>(RedisServer::start);

    /**
     * Jedis's socket hook over a row's factory; it keeps the sockets it made, for the assertions.
     *
     * <p>Any thread.
     */
    private static final class Sockets implements JedisSocketFactory {
        private final SocketFactory factory;
        private final InetSocketAddress address;
        final List<Socket> made = new CopyOnWriteArrayList<>();

        Sockets(String row, InetSocketAddress address) throws IOException {
            this.factory = Factories.socketFactory(row);
            this.address = address;
        }

        @Override
        public Socket createSocket() throws JedisConnectionException {
            Socket socket = null;
            try {
                socket = factory.createSocket();
                made.add(socket);
                // What DefaultJedisSocketFactory does, in its order.
                socket.setReuseAddress(true);
                socket.setKeepAlive(true);
                socket.setTcpNoDelay(true);
                socket.setSoLinger(true, 0);
                socket.connect(address, TIMEOUT_MILLIS);
                socket.setSoTimeout(TIMEOUT_MILLIS);
                return socket;
            } catch (IOException e) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw new JedisConnectionException("cannot connect to " + address, e);
            }
        }
    }

    private static Jedis jedis(Sockets sockets, String clientName) {
        JedisClientConfig config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS)
                .socketTimeoutMillis(TIMEOUT_MILLIS)
                .clientName(clientName)
                .build();
        return new Jedis(sockets, config);
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void setAndGetOfRandomValuesSomeOverAMegabyte(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            Sockets sockets = new Sockets(row, SERVER.get().address());
            try (Jedis jedis = jedis(sockets, "values")) {
                String prefix = "values:" + Long.toUnsignedString(random.nextLong()) + ":";
                List<byte[]> values = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    // Every 16th value is over a megabyte; the rest from empty to a few kilobytes.
                    int size = i % 16 == 7 ? (1 << 20) + random.nextInt(2 << 20) : random.nextInt(4096);
                    byte[] value = new byte[size];
                    random.nextBytes(value);
                    values.add(value);
                    assertThat(jedis.set(key(prefix, i), value)).isEqualTo("OK");
                }
                for (int i = 0; i < values.size(); i++) {
                    byte[] back = jedis.get(key(prefix, i));
                    assertSameBytes("value " + i, values.get(i), back);
                }
                assertThat(jedis.get(key(prefix, -1))).as("a key never set").isNull();
                assertThat(sockets.made).as("one connection for all of it").hasSize(1);
                Factories.assertMadeBy(row, sockets.made.getFirst());
            }
        });
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void pipelinedCommandsAnswerInOrder(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            Sockets sockets = new Sockets(row, SERVER.get().address());
            try (Jedis jedis = jedis(sockets, "pipeline")) {
                String prefix = "pipeline:" + Long.toUnsignedString(random.nextLong()) + ":";
                int commands = 3000;
                List<byte[]> values = new ArrayList<>();
                List<Response<byte[]>> gets = new ArrayList<>();
                List<Response<Long>> counts = new ArrayList<>();
                long expected = 0;
                try (Pipeline pipeline = jedis.pipelined()) {
                    for (int i = 0; i < commands; i++) {
                        // A few large values make the pipeline's writes outrun the server's reads.
                        byte[] value = new byte[i % 500 == 250 ? 1 << 20 : random.nextInt(300)];
                        random.nextBytes(value);
                        values.add(value);
                        pipeline.set(key(prefix, i), value);
                        gets.add(pipeline.get(key(prefix, i)));
                        long step = random.nextInt(1000);
                        expected += step;
                        counts.add(pipeline.incrBy(prefix + "counter", step));
                    }
                    pipeline.sync();
                }
                long running = 0;
                for (int i = 0; i < commands; i++) {
                    assertSameBytes("pipelined GET " + i, values.get(i), gets.get(i).get());
                    running = counts.get(i).get();
                }
                assertThat(running).as("the counter after every INCRBY").isEqualTo(expected);
                assertThat(jedis.get(prefix + "counter")).isEqualTo(String.valueOf(expected));
            }
        });
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void blpopIsWokenByAnotherClient(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            String list = "blpop:" + Long.toUnsignedString(random.nextLong());
            String value = "woken-" + random.nextInt(1_000_000);
            String waiterName = "waiter" + Long.toUnsignedString(random.nextLong(), 36);
            Sockets sockets = new Sockets(row, SERVER.get().address());
            try (Jedis waiter = jedis(sockets, waiterName); Jedis waker = jedis(sockets, "waker")) {
                CompletableFuture<List<String>> popped = new CompletableFuture<>();
                Thread blocked = (kind == ThreadKind.VIRTUAL ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                    try {
                        popped.complete(waiter.blpop(20, list));
                    } catch (Throwable e) {
                        popped.completeExceptionally(e);
                    }
                });
                awaitClient(waker, waiterName, "cmd=blpop");
                assertThat(popped).as("BLPOP waits for a value").isNotDone();
                assertThat(waker.lpush(list, value)).isEqualTo(1);
                assertThat(popped.get(20, TimeUnit.SECONDS)).as("what BLPOP returned").containsExactly(list, value);
                blocked.join();
                // Jedis made the read timeout infinite for the BLPOP and must have put it back.
                assertThat(sockets.made.getFirst().getSoTimeout()).as("the waiter's read timeout after BLPOP").isEqualTo(TIMEOUT_MILLIS);
                assertThat(waiter.ping()).isEqualTo("PONG");
            }
        });
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void closeWithLingerZeroIsCleanForClientAndServer(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            String name = "closing" + Long.toUnsignedString(random.nextLong(), 36);
            Sockets observed = new Sockets(row, SERVER.get().address());
            Sockets observing = new Sockets(row, SERVER.get().address());
            try (Jedis observer = jedis(observing, "observer")) {
                Jedis closing = jedis(observed, name);
                assertThat(closing.ping()).isEqualTo("PONG");
                awaitClient(observer, name, "name=" + name);
                Socket socket = observed.made.getFirst();
                assertThat(socket.getSoLinger()).as("the linger Jedis sets").isZero();
                closing.close();
                assertThat(socket.isClosed()).as("the socket after Jedis's close").isTrue();
                assertThat(closing.isConnected()).isFalse();
                awaitGone(observer, name);
                assertThat(observer.ping()).as("the server after the reset").isEqualTo("PONG");
            }
        });
    }

    /** Waits, with a bound, until the server lists the named client with the given detail. */
    private static void awaitClient(Jedis observer, String name, String detail) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // Each probe is a round trip to the server, so this loop waits on the SERVER.get().
        while (clientLine(observer, name).filter(line -> line.contains(detail)).isEmpty()) {
            assertThat(System.nanoTime()).as("client %s shows %s within 20 s", name, detail).isLessThan(deadline);
        }
    }

    /** Waits, with a bound, until the server no longer lists the named client. */
    private static void awaitGone(Jedis observer, String name) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (clientLine(observer, name).isPresent()) {
            assertThat(System.nanoTime()).as("client %s is gone from the server within 20 s", name).isLessThan(deadline);
        }
    }

    private static java.util.Optional<String> clientLine(Jedis observer, String name) {
        return observer.clientList().lines().filter(line -> line.contains(" name=" + name + " ")).findFirst();
    }

    private static byte[] key(String prefix, int i) {
        return (prefix + i).getBytes(StandardCharsets.US_ASCII);
    }

    private static void assertSameBytes(String what, byte[] expected, byte[] actual) {
        assertThat(actual).as(what + " is present").isNotNull();
        assertThat(actual.length).as(what + ": length").isEqualTo(expected.length);
        assertThat(Arrays.mismatch(expected, actual)).as(what + ": the first byte that differs").isEqualTo(-1);
    }
}
