package io.loopsock.conformance.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * A Python program as the peer of an example: CPython's own socket module on the other end.
 *
 * <p>Test-thread only. The script gets its arguments in {@code sys.argv}; every line it prints is
 * collected; {@link #line()} waits for the next one within the bound. Without {@code python3}
 * the example is skipped with a loud reason; CI installs it, so there nothing is skipped.
 */
public final class PythonPeer implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final CompletableFuture<Void> ended;
    private final StringBuilder errors = new StringBuilder();
    private int next;

    private PythonPeer(Process process) {
        this.process = process;
        this.ended = CompletableFuture.runAsync(() -> {
            try (BufferedReader out = process.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = out.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                synchronized (lines) {
                    lines.notifyAll();
                }
            }
        });
        CompletableFuture.runAsync(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    synchronized (errors) {
                        errors.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // The process is gone; what it wrote so far is kept.
            }
        });
    }

    /**
     * Starts {@code python3 -c script args...}, or skips the example if there is no python3.
     *
     * @param script the program
     * @param args its arguments
     * @return the running peer
     * @throws IOException if it cannot start for another reason
     */
    public static PythonPeer start(String script, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("python3", "-c", script));
        command.addAll(List.of(args));
        try {
            return new PythonPeer(new ProcessBuilder(command).start());
        } catch (IOException e) {
            Assumptions.abort("PYTHON3 IS MISSING: the Python-peer examples need python3 on the PATH (CI installs it): " + e.getMessage());
            throw e;
        }
    }

    /**
     * Returns the next line the script printed, waiting for it within {@link Loops#BOUND}.
     *
     * @return the line
     * @throws IOException if the script ended first, with what it wrote to stderr
     */
    public String line() throws IOException {
        long deadline = System.nanoTime() + Loops.BOUND.toNanos();
        synchronized (lines) {
            while (next >= lines.size()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("the Python peer printed no line within " + Loops.BOUND + "; stderr: " + errors());
                }
                if (ended.isDone() && next >= lines.size()) {
                    throw new IOException("the Python peer ended without printing; exit " + exitValue() + ", stderr: " + errors());
                }
                try {
                    lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            return lines.get(next++);
        }
    }

    /**
     * Waits for the script to end within the bound and returns its exit status.
     *
     * @return the status
     * @throws IOException if it did not end in time (it is then killed)
     */
    public int await() throws IOException {
        try {
            ended.get(Loops.BOUND.toMillis(), TimeUnit.MILLISECONDS);
            if (!process.waitFor(Loops.BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TimeoutException();
            }
            return process.exitValue();
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
            throw new IOException("the Python peer did not end within " + Loops.BOUND + "; stderr: " + errors(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Returns what the script wrote to stderr so far.
     *
     * @return the text
     */
    public String errors() {
        synchronized (errors) {
            return errors.toString();
        }
    }

    private String exitValue() {
        return process.isAlive() ? "(still running)" : String.valueOf(process.exitValue());
    }

    /** Kills the script if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
