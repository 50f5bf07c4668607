package io.loopsock.conformance.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child JVM of the same JDK, bounded in time, and returns its exit code and output: for a
 * backend's tests of what only a fresh JVM shows (discovery, the module path, JVM warnings).
 *
 * <p>Any thread.
 */
public final class ChildJvm {
    /** The bound on one child JVM's run. */
    public static final long BOUND_SECONDS = 20;

    private ChildJvm() {}

    /**
     * What the child did.
     *
     * @param exitCode the exit code
     * @param output standard output and standard error, interleaved
     */
    public record Result(int exitCode, String output) {}

    /**
     * The java launcher that runs this JVM, so the child runs on the same JDK.
     *
     * @return its path
     */
    public static String java() {
        return ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this JVM"));
    }

    /**
     * Runs {@code java ARGS} with the environment variable {@code LOOPSOCK_BACKEND} removed, then
     * the given variables set.
     *
     * @param workDir a directory for the child's output file
     * @param environment variables to set in the child
     * @param args the JVM's arguments (options, main class or module, program arguments)
     * @return the exit code and the output
     * @throws IOException if the child cannot be started or its output read
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static Result run(Path workDir, Map<String, String> environment, List<String> args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(args);
        Path output = Files.createTempFile(workDir, "child", ".out");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().remove("LOOPSOCK_BACKEND");
        builder.environment().putAll(environment);
        Process process = builder.start();
        // The child reads nothing; closing its standard input now releases our end of that pipe.
        process.getOutputStream().close();
        if (!process.waitFor(BOUND_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            fail("the child JVM did not exit within " + BOUND_SECONDS + " s: " + command + "\noutput:\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
