package io.loopsock.clients.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real server from a Debian package, running as a child process on a free loopback port, with
 * its files in a temporary directory of its own.
 *
 * <p>Test-thread only. {@link #close()} stops the process (and anything it started), waits for it
 * within a bound, and deletes the directory; a shutdown hook does the same if the JVM ends first,
 * so no server outlives the test run, whatever the tests did.
 */
public abstract class ServerProcess implements AutoCloseable {
    /** How long a server may take to start and answer, and to stop. */
    public static final Duration BOUND = Duration.ofSeconds(30);

    /** How many times a start is tried again with another port when the server dies at once. */
    private static final int STARTS = 3;

    private final String name;
    private Thread cleanup;
    private Path directory;
    private Process process;
    private int port;

    /**
     * Names the server; the subclass's factory then calls {@link #started}.
     *
     * @param name the server's name, for messages and the directory's prefix
     */
    protected ServerProcess(String name) {
        this.name = name;
    }

    /**
     * Returns the server's temporary directory.
     *
     * @return the directory
     */
    public final Path directory() {
        return directory;
    }

    /**
     * Returns the loopback port the server listens on.
     *
     * @return the port
     */
    public final int port() {
        return port;
    }

    /**
     * Returns the server's address on loopback.
     *
     * @return the address
     */
    public final InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /**
     * Returns the command that runs the server in the foreground on the given port.
     *
     * @param port a free loopback port
     * @return the command
     */
    protected abstract List<String> command(int port) throws IOException;

    /**
     * Tells whether the server refuses to run as root, so that as root it must run (with its
     * helper commands) as an ordinary user. The default is false.
     *
     * @return true for such a server
     */
    protected boolean dropsRoot() {
        return false;
    }

    /**
     * Tells whether the server answers yet. The default is that it accepts a TCP connection; a
     * server that accepts before it is ready says more.
     *
     * @return true once it is ready
     */
    protected boolean answers() {
        try (Socket probe = new Socket()) {
            probe.connect(address(), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Stops the server gracefully. The default lets {@link #close()} terminate the process.
     */
    protected void shutDown() throws IOException, InterruptedException {}

    /**
     * Prepares what the server needs before its first start (a database cluster, say). The
     * default does nothing.
     */
    protected void prepare() throws IOException {}

    /**
     * Prepares and starts a server, or closes it (its directory and any process) if that fails.
     *
     * @param <S> the server's type
     * @param server a new server
     * @return the server, answering on {@link #port()}
     */
    protected static <S extends ServerProcess> S started(S server) throws IOException {
        ServerProcess process = server;
        process.directory = Files.createTempDirectory("loopsock-" + process.name + "-");
        process.cleanup = new Thread(process::stopQuietly, "stop " + process.name);
        Runtime.getRuntime().addShutdownHook(process.cleanup);
        try {
            process.prepare();
            process.launch();
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Starts the server on a free port and waits until it answers, within {@link #BOUND}. A server
     * that dies at once (another process took the port, say) is started again on another port.
     */
    private void launch() throws IOException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            Path log = directory.resolve(name + "-" + attempt + ".log");
            process = Setpriv.start(new ProcessBuilder(command(port))
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))), dropsRoot());
            while (process.isAlive() && !answers()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(name + " did not answer on port " + port + " within " + BOUND + "; its log:\n" + tail(log));
                }
                // The probe itself is bounded (a connect timeout); between probes the process gets
                // a moment to progress, bounded by its own exit.
                try {
                    process.waitFor(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while " + name + " started", e);
                }
            }
            if (process.isAlive()) {
                return;
            }
            if (attempt == STARTS || System.nanoTime() > deadline) {
                throw new IOException(name + " exited with " + process.exitValue() + " before it answered; its log:\n" + tail(log));
            }
        }
    }

    /** Stops the server and deletes its directory. */
    @Override
    public final void close() {
        stopQuietly();
        if (cleanup != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // The JVM is shutting down and the hook runs (or ran) anyway.
            }
        }
    }

    private synchronized void stopQuietly() {
        if (directory == null) {
            return;
        }
        if (process != null) {
            try {
                if (process.isAlive()) {
                    shutDown();
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                System.err.println("loopsock clients: a graceful stop of " + name + " failed, killing it: " + e);
            } finally {
                kill(process);
                process = null;
            }
        }
        try {
            deleteTree(directory);
        } catch (UncheckedIOException e) {
            System.err.println("loopsock clients: " + e.getMessage() + ": " + e.getCause());
        }
        directory = null;
    }

    /** Ends a process and everything it started, within the bound. */
    private void kill(Process victim) {
        List<ProcessHandle> descendants = victim.descendants().toList();
        victim.destroy();
        try {
            if (!victim.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                victim.destroyForcibly();
                victim.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            victim.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Runs a helper command of the server (an initdb, a pg_ctl) to its end within the bound, as
     * the same user as the server.
     *
     * @param command the command
     * @throws IOException if it fails or takes too long, with its output
     */
    protected final void runToEnd(List<String> command) throws IOException {
        Path log = Files.createTempFile(directory, "command", ".log");
        Process helper = Setpriv.start(new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))), dropsRoot());
        try {
            if (!helper.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                helper.destroyForcibly();
                throw new IOException(command + " did not end within " + BOUND + ":\n" + tail(log));
            }
        } catch (InterruptedException e) {
            helper.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, e);
        }
        if (helper.exitValue() != 0) {
            throw new IOException(command + " exited with " + helper.exitValue() + ":\n" + tail(log));
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException error) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
