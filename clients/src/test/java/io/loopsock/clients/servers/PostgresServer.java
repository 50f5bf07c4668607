package io.loopsock.clients.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * PostgreSQL from the Debian package {@code postgresql}: a fresh cluster made by {@code initdb} in
 * the temporary directory, trust authentication, listening on a free loopback port, its Unix socket
 * in the temporary directory too.
 *
 * <p>Test-thread only. As root (CI) the cluster belongs to, and the server runs as, the package's
 * {@code postgres} user (see {@link Setpriv}).
 */
public final class PostgresServer extends ServerProcess {
    /** The superuser initdb makes; trust authentication lets it in without a password. */
    public static final String USER = "postgres";

    private final Path bin;

    private PostgresServer() throws IOException {
        super("postgres");
        // initdb, postgres and pg_ctl must be of one version: take the others from initdb's real
        // directory (Debian's /usr/lib/postgresql/<version>/bin, whatever symlink led there).
        Path initdb = Binaries.require("initdb", "/usr/lib/postgresql", "postgresql").toRealPath();
        this.bin = initdb.getParent();
    }

    /**
     * Makes a cluster and starts PostgreSQL on it, or skips (fails in CI) if PostgreSQL is missing.
     *
     * @return the running server
     */
    public static PostgresServer start() throws IOException {
        return started(new PostgresServer());
    }

    /** Makes the cluster, owned by the user the server runs as. */
    @Override
    protected void prepare() throws IOException {
        Setpriv.handOver(directory());
        runToEnd(List.of(bin.resolve("initdb").toString(),
                "-D", data().toString(), "-A", "trust", "-U", USER, "-E", "UTF8", "--no-locale", "--no-sync"));
    }

    /**
     * Returns the JDBC URL of the server's {@code postgres} database.
     *
     * @return the URL
     */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
    }

    /** PostgreSQL refuses to run as root. */
    @Override
    protected boolean dropsRoot() {
        return true;
    }

    private Path data() {
        return directory().resolve("data");
    }

    @Override
    protected List<String> command(int port) throws IOException {
        return List.of(bin.resolve("postgres").toString(),
                "-D", data().toString(),
                "-p", String.valueOf(port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=" + directory(),
                "-c", "fsync=off",
                "-c", "full_page_writes=off",
                "-c", "synchronous_commit=off",
                "-c", "shared_buffers=32MB",
                "-c", "max_connections=40");
    }

    /** Accepting a connection is not enough: the server answers "starting up" until it is ready. */
    @Override
    protected boolean answers() {
        if (!super.answers()) {
            return false;
        }
        Properties properties = new Properties();
        properties.setProperty("user", USER);
        properties.setProperty("connectTimeout", "2");
        try (Connection connection = DriverManager.getConnection(url(), properties)) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /** A fast shutdown: clients are disconnected, the server stops at once, nothing is left behind. */
    @Override
    protected void shutDown() throws IOException {
        if (Files.exists(data().resolve("postmaster.pid"))) {
            runToEnd(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "stop", "-m", "fast", "-w", "-t", "20"));
        }
    }
}
