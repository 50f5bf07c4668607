package io.loopsock.clients.servers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * redis-server from the Debian package {@code redis-server}: no persistence, no Unix socket,
 * listening on a free loopback port, its working directory the temporary directory.
 *
 * <p>Test-thread only.
 */
public final class RedisServer extends ServerProcess {
    private final Path executable;

    private RedisServer() throws IOException {
        super("redis");
        this.executable = Binaries.require("redis-server", null, "redis-server");
    }

    /**
     * Starts redis-server, or skips (fails in CI) if it is missing.
     *
     * @return the running server
     */
    public static RedisServer start() throws IOException {
        return started(new RedisServer());
    }

    @Override
    protected List<String> command(int port) {
        return List.of(executable.toString(),
                "--port", String.valueOf(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", directory().toString(),
                "--daemonize", "no",
                "--logfile", "");
    }
}
