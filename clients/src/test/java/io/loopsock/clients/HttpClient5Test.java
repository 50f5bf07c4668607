package io.loopsock.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.clients.Matrix.ThreadKind;
import io.loopsock.clients.servers.NginxServer;
import io.loopsock.clients.servers.Server;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.io.DetachedSocketFactory;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Apache HttpClient 5, unchanged, over loopsock: its socket hook, {@link DetachedSocketFactory},
 * handed to the connection operator of a pooling connection manager, gets sockets from the row's
 * factory. nginx serves a generated file of a few megabytes; every download is checked by digest.
 */
@org.junit.jupiter.api.Timeout(60)
class HttpClient5Test {
    private static final String ROWS = "io.loopsock.clients.Matrix#rows";
    private static final String NAME = "{0} on a {1} thread";
    private static final String FILE = "payload.bin";
    /** The seed of the served file; printed with the digest so that a failure can be replayed. */
    private static final long FILE_SEED = 0x5eed_f11eL;

    @RegisterExtension
    static final Server<NginxServer> SERVER = new Server<>(NginxServer::start);
    private static String digest;

    @BeforeAll
    static void serveFile() throws Exception {
        if (SERVER.isRunning()) {
            digest = Served.write(SERVER.get(), FILE, FILE_SEED);
        }
    }

    /** The file nginx serves, made once per test class. */
    static final class Served {
        private Served() {}

        /**
         * Writes a file of 3 to 5 MB of seeded random bytes into the server's root.
         *
         * @return its SHA-256, in hex
         */
        static String write(NginxServer server, String name, long seed) throws Exception {
            Random random = new Random(seed);
            byte[] content = new byte[(3 << 20) + random.nextInt(2 << 20)];
            random.nextBytes(content);
            Files.write(server.root().resolve(name), content);
            String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            System.out.println("loopsock clients: nginx serves " + name + ", " + content.length + " bytes from seed " + seed + ", SHA-256 " + sha256);
            return sha256;
        }

        /**
         * Reads a stream to its end and returns its SHA-256, in hex.
         *
         * @param in the stream
         * @return the digest
         */
        static String sha256(InputStream in) throws java.io.IOException {
            MessageDigest sha256;
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
            try (DigestInputStream digesting = new DigestInputStream(in, sha256)) {
                digesting.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(sha256.digest());
        }
    }

    /** A client whose every connection gets its socket from the row's factory, through the hook. */
    private static CloseableHttpClient client(String row, List<Socket> made, int connections) throws java.io.IOException {
        SocketFactory factory = Factories.socketFactory(row);
        DetachedSocketFactory hook = proxy -> {
            Socket socket = factory.createSocket();
            made.add(socket);
            return socket;
        };
        PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager(
                new DefaultHttpClientConnectionOperator(hook, null, null, RegistryBuilder.<TlsSocketStrategy>create().build()),
                PoolConcurrencyPolicy.STRICT, PoolReusePolicy.LIFO, TimeValue.NEG_ONE_MILLISECOND, null);
        pool.setMaxTotal(connections);
        pool.setDefaultMaxPerRoute(connections);
        pool.setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(Timeout.ofSeconds(10)).setTcpNoDelay(true).build());
        // Validate before every reuse: HttpClient's stale check, a read with a 1 ms timeout that
        // must see nothing and lose nothing.
        pool.setDefaultConnectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(Timeout.ofSeconds(10))
                .setValidateAfterInactivity(TimeValue.ZERO_MILLISECONDS)
                .build());
        return HttpClients.custom().setConnectionManager(pool).build();
    }

    private static String download(CloseableHttpClient client, String url) throws java.io.IOException {
        return client.execute(new HttpGet(url), response -> {
            assertThat(response.getCode()).as("status of %s", url).isEqualTo(200);
            return Served.sha256(response.getEntity().getContent());
        });
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void downloadsOverOneKeptAliveConnectionMatchTheDigest(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            List<Socket> made = new CopyOnWriteArrayList<>();
            try (CloseableHttpClient client = client(row, made, 1)) {
                int downloads = 3 + random.nextInt(3);
                for (int i = 0; i < downloads; i++) {
                    assertThat(download(client, SERVER.get().url(FILE))).as("SHA-256 of download %d", i).isEqualTo(digest);
                    int missing = client.execute(new HttpGet(SERVER.get().url("missing-" + random.nextInt(1000))), response -> {
                        response.getEntity().getContent().transferTo(java.io.OutputStream.nullOutputStream());
                        return response.getCode();
                    });
                    assertThat(missing).as("status of a file that is not there").isEqualTo(404);
                }
                assertThat(made).as("connections: the pool kept one alive for every request").hasSize(1);
                Factories.assertMadeBy(row, made.getFirst());
                client.close(CloseMode.GRACEFUL);
            }
            assertThat(made.getFirst().isClosed()).as("the socket after the client closed").isTrue();
        });
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void concurrentDownloadsOverSeveralConnectionsMatchTheDigest(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            int threads = 4;
            List<Socket> made = new CopyOnWriteArrayList<>();
            try (CloseableHttpClient client = client(row, made, threads)) {
                List<CompletableFuture<String>> digests = new ArrayList<>();
                List<Thread> started = new ArrayList<>();
                for (int t = 0; t < threads * 2; t++) {
                    CompletableFuture<String> result = new CompletableFuture<>();
                    digests.add(result);
                    started.add((kind == ThreadKind.VIRTUAL ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                        try {
                            result.complete(download(client, SERVER.get().url(FILE)));
                        } catch (Throwable e) {
                            result.completeExceptionally(e);
                        }
                    }));
                }
                for (int t = 0; t < digests.size(); t++) {
                    assertThat(digests.get(t).get(20, TimeUnit.SECONDS)).as("SHA-256 of concurrent download %d", t).isEqualTo(digest);
                    started.get(t).join();
                }
                assertThat(made).as("connections: no more than the pool allows").hasSizeBetween(1, threads);
            }
            assertThat(made).as("every socket after the client closed").allMatch(Socket::isClosed);
        });
    }
}
