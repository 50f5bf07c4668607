package io.loopsock.clients.servers;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the executables of the servers, and says loudly when one is missing.
 *
 * <p>Any thread. On a developer machine a missing server skips its tests (a JUnit assumption) with
 * a message on standard error that names the Debian package; when the environment variable
 * {@code CI} is set, a missing server fails them instead: CI installs every server, so there a
 * missing one is a broken build, not a reason to skip.
 */
public final class Binaries {
    /** Where Debian and the usual installs put server executables that are not on every PATH. */
    private static final List<String> SYSTEM_DIRECTORIES = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    private Binaries() {}

    /**
     * Finds an executable on the PATH, then in the system directories, then in versioned Debian
     * directories such as {@code /usr/lib/postgresql/<version>/bin} (the highest version first).
     *
     * @param name the executable's name
     * @param versionedParent a directory whose subdirectories are versions, or null
     * @param debianPackage the package that provides it, for the message
     * @return the executable
     */
    public static Path require(String name, String versionedParent, String debianPackage) {
        Optional<Path> found = find(name, versionedParent);
        if (found.isPresent()) {
            return found.get();
        }
        String message = "SERVER MISSING: '" + name + "' is not installed (Debian package " + debianPackage
                + "; .ci/run installs it). The real-client tests that need it "
                + (inCi() ? "FAIL, since CI is set." : "are SKIPPED on this machine.");
        System.err.println();
        System.err.println("!!! loopsock clients: " + message);
        System.err.println();
        if (inCi()) {
            Assertions.fail(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /**
     * Finds an executable like {@link #require}, without the verdict.
     *
     * @param name the executable's name
     * @param versionedParent a directory whose subdirectories are versions, or null
     * @return the executable, if any
     */
    public static Optional<Path> find(String name, String versionedParent) {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    candidates.add(Path.of(entry, name));
                }
            }
        }
        SYSTEM_DIRECTORIES.forEach(directory -> candidates.add(Path.of(directory, name)));
        if (versionedParent != null && Files.isDirectory(Path.of(versionedParent))) {
            try (Stream<Path> versions = Files.list(Path.of(versionedParent))) {
                versions.sorted(Comparator.comparing(Binaries::versionOf).reversed())
                        .forEach(version -> candidates.add(version.resolve("bin").resolve(name)));
            } catch (IOException e) {
                // An unreadable directory holds nothing we can run.
            }
        }
        return candidates.stream().filter(Files::isRegularFile).filter(Files::isExecutable).findFirst();
    }

    /** Tells whether this run is CI's: there nothing may be skipped. */
    public static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false");
    }

    private static int versionOf(Path directory) {
        String name = directory.getFileName().toString();
        int end = 0;
        while (end < name.length() && Character.isDigit(name.charAt(end))) {
            end++;
        }
        return end == 0 ? -1 : Integer.parseInt(name.substring(0, Math.min(end, 9)));
    }
}
