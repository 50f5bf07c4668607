package io.loopsock.clients.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * nginx from the Debian package {@code nginx}: one process (no master, no workers to chase), a
 * generated configuration with every path (pid, logs, temporary files) in the temporary directory,
 * serving the files of {@link #root()} on a free loopback port.
 *
 * <p>Test-thread only. One process means no user switch: as root it stays root and reads the
 * temporary directory, which only root may read.
 */
public final class NginxServer extends ServerProcess {
    private final Path executable;

    private NginxServer() throws IOException {
        super("nginx");
        this.executable = Binaries.require("nginx", null, "nginx");
    }

    /**
     * Starts nginx, or skips (fails in CI) if it is missing. Put the files to serve into
     * {@link #root()}, before or after.
     *
     * @return the running server
     */
    public static NginxServer start() throws IOException {
        return started(new NginxServer());
    }

    /**
     * Returns the directory nginx serves at {@code /}.
     *
     * @return the document root
     */
    public Path root() {
        return directory().resolve("www");
    }

    /**
     * Returns the URL of a served file.
     *
     * @param name the file's name in {@link #root()}
     * @return the URL
     */
    public String url(String name) {
        return "http://127.0.0.1:" + port() + "/" + name;
    }

    @Override
    protected void prepare() throws IOException {
        Files.createDirectories(root());
        Files.createDirectories(directory().resolve("temp"));
    }

    @Override
    protected List<String> command(int port) throws IOException {
        Path dir = directory();
        Path temp = dir.resolve("temp");
        String config = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events {
                    worker_connections 256;
                }
                http {
                    access_log %1$s/access.log;
                    client_body_temp_path %2$s/body;
                    proxy_temp_path %2$s/proxy;
                    fastcgi_temp_path %2$s/fastcgi;
                    uwsgi_temp_path %2$s/uwsgi;
                    scgi_temp_path %2$s/scgi;
                    default_type application/octet-stream;
                    keepalive_timeout 60s;
                    keepalive_requests 10000;
                    server {
                        listen 127.0.0.1:%3$d;
                        root %4$s;
                    }
                }
                """.formatted(dir, temp, port, root());
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, config, StandardCharsets.UTF_8);
        return List.of(executable.toString(), "-p", dir.toString(), "-c", file.toString(), "-e", dir.resolve("error.log").toString());
    }
}
