package io.loopsock.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.clients.Matrix.ThreadKind;
import io.loopsock.clients.servers.PostgresServer;
import io.loopsock.clients.servers.Server;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * PostgreSQL JDBC, unchanged, over loopsock: the driver instantiates the socket factory named by
 * its {@code socketFactory} property (with {@code socketFactoryArg} as the backend) and does all
 * its I/O through the sockets it makes, the query cancel's extra connection included.
 */
@Timeout(60)
class PgjdbcTest {
    private static final String ROWS = "io.loopsock.clients.Matrix#rows";
    private static final String NAME = "{0} on a {1} thread";

    @RegisterExtension
    static final Server<PostgresServer> SERVER = new Server<>(PostgresServer::start);

    private static Connection connect(String row) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", PostgresServer.USER);
        properties.setProperty("socketFactory", Factories.pgjdbcSocketFactory(row));
        properties.setProperty("socketFactoryArg", row);
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("cancelSignalTimeout", "10");
        properties.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(SERVER.get().url(), properties);
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void hundredsOfQueriesGiveTheirResults(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            try (Connection connection = connect(row);
                 PreparedStatement query = connection.prepareStatement("SELECT ?::bigint + ?::bigint, md5(?), repeat(?, ?)")) {
                try (Statement statement = connection.createStatement();
                     ResultSet port = statement.executeQuery("SELECT current_setting('port')")) {
                    assertThat(port.next()).isTrue();
                    assertThat(port.getString(1)).as("the server the driver reached").isEqualTo(String.valueOf(SERVER.get().port()));
                }
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                for (int i = 0; i < 300; i++) {
                    long a = random.nextInt();
                    long b = random.nextInt();
                    String text = randomText(random, 1 + random.nextInt(64));
                    String unit = randomText(random, 1 + random.nextInt(4));
                    // Results from a few bytes to tens of kilobytes, so that they cross the
                    // driver's and the socket's buffer boundaries at every offset.
                    int times = random.nextInt(4) == 0 ? random.nextInt(20_000) : random.nextInt(50);
                    query.setLong(1, a);
                    query.setLong(2, b);
                    query.setString(3, text);
                    query.setString(4, unit);
                    query.setInt(5, times);
                    try (ResultSet result = query.executeQuery()) {
                        assertThat(result.next()).isTrue();
                        assertThat(result.getLong(1)).as("query %d: the sum", i).isEqualTo(a + b);
                        assertThat(result.getString(2)).as("query %d: the md5", i)
                                .isEqualTo(HexFormat.of().formatHex(md5.digest(text.getBytes(StandardCharsets.UTF_8))));
                        String repeated = result.getString(3);
                        assertThat(repeated.length()).as("query %d: the repeat's length", i).isEqualTo(unit.length() * times);
                        assertThat(repeated).as("query %d: the repeat", i).isEqualTo(unit.repeat(times));
                        assertThat(result.next()).isFalse();
                    }
                }
            }
        });
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void tenMegabytesOfByteaComeBackByteExact(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            byte[] sent = new byte[10 * 1024 * 1024 + random.nextInt(4096)];
            random.nextBytes(sent);
            try (Connection connection = connect(row)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("CREATE TEMPORARY TABLE blob (id int PRIMARY KEY, data bytea)");
                }
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO blob VALUES (1, ?)")) {
                    insert.setBytes(1, sent);
                    assertThat(insert.executeUpdate()).isEqualTo(1);
                }
                try (Statement statement = connection.createStatement();
                     ResultSet result = statement.executeQuery("SELECT length(data), md5(data), data FROM blob WHERE id = 1")) {
                    assertThat(result.next()).isTrue();
                    assertThat(result.getInt(1)).as("the length the server stored").isEqualTo(sent.length);
                    assertThat(result.getString(2)).as("the md5 of what the server stored")
                            .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(sent)));
                    byte[] received = result.getBytes(3);
                    assertThat(received.length).as("the length read back").isEqualTo(sent.length);
                    assertThat(Arrays.mismatch(sent, received)).as("the first byte that differs").isEqualTo(-1);
                }
            }
        });
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void cancelStopsARunningQueryAndTheConnectionGoesOn(String row, ThreadKind kind) throws Exception {
        Matrix.run(kind, random -> {
            String marker = "cancel_me_" + Long.toUnsignedString(random.nextLong());
            try (Connection connection = connect(row);
                 Connection observer = connect(row);
                 Statement statement = connection.createStatement()) {
                CompletableFuture<Throwable> sleeping = new CompletableFuture<>();
                Thread query = (kind == ThreadKind.VIRTUAL ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                    try {
                        statement.executeQuery("SELECT pg_sleep(60) AS " + marker);
                        sleeping.complete(null);
                    } catch (Throwable e) {
                        sleeping.complete(e);
                    }
                });
                awaitRunning(observer, marker);
                statement.cancel();
                Throwable outcome = sleeping.get(20, TimeUnit.SECONDS);
                query.join();
                assertThat(outcome).as("what the cancelled query threw").isInstanceOf(SQLException.class);
                assertThat(((SQLException) outcome).getSQLState()).as("SQLSTATE of a cancelled query").isEqualTo("57014");
                try (ResultSet result = statement.executeQuery("SELECT 42")) {
                    assertThat(result.next()).isTrue();
                    assertThat(result.getInt(1)).as("the connection after the cancel").isEqualTo(42);
                }
            }
        });
    }

    @ParameterizedTest(name = NAME, quoteTextArguments = false)
    @MethodSource(ROWS)
    void notificationsArriveThroughTheDriversPeek(String row, ThreadKind kind) throws Exception {
        // getNotifications(timeout) asks PGStream.hasMessagePending(), the 1 ms "peek" read.
        Matrix.run(kind, random -> {
            try (Connection listener = connect(row); Connection notifier = connect(row)) {
                try (Statement statement = listener.createStatement()) {
                    statement.execute("LISTEN loopsock");
                }
                assertThat(listener.unwrap(PGConnection.class).getNotifications(5)).as("nothing is pending yet").isEmpty();
                List<String> sent = new ArrayList<>();
                try (PreparedStatement notify = notifier.prepareStatement("SELECT pg_notify('loopsock', ?)")) {
                    for (int i = 0; i < 50; i++) {
                        String payload = i + ":" + randomText(random, random.nextInt(200));
                        sent.add(payload);
                        notify.setString(1, payload);
                        notify.executeQuery().close();
                    }
                }
                List<String> received = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (received.size() < sent.size() && System.nanoTime() < deadline) {
                    PGNotification[] batch = listener.unwrap(PGConnection.class).getNotifications(1000);
                    for (PGNotification notification : batch) {
                        assertThat(notification.getName()).isEqualTo("loopsock");
                        received.add(notification.getParameter());
                    }
                }
                assertThat(received).as("the notifications, in order").isEqualTo(sent);
            }
        });
    }

    /** Waits, with a bound, until the server runs the query that carries the marker. */
    private static void awaitRunning(Connection observer, String marker) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (PreparedStatement activity = observer.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE ?")) {
            activity.setString(1, "%" + marker + "%");
            while (true) {
                // Each probe is a round trip to the server, so this loop waits on the server.
                try (ResultSet result = activity.executeQuery()) {
                    result.next();
                    if (result.getInt(1) > 0) {
                        return;
                    }
                }
                assertThat(System.nanoTime()).as("the query to cancel is running within 20 s").isLessThan(deadline);
            }
        }
    }

    private static String randomText(Random random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            // Mostly ASCII, some two- and three-byte UTF-8, so that encodings are exercised.
            int pick = random.nextInt(20);
            text.append(pick < 17 ? (char) ('a' + random.nextInt(26)) : pick < 19 ? (char) (0xe0 + random.nextInt(32)) : (char) (0x4e00 + random.nextInt(500)));
        }
        return text.toString();
    }
}
