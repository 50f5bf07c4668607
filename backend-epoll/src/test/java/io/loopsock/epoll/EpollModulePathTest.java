package io.loopsock.epoll;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.conformance.testing.ChildJvm;
import java.io.File;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * epoll on the module path, as an application with named modules runs it: loopsock's modules and
 * Netty's, the native library's jar resolved as a module, and exactly the
 * {@code --enable-native-access} list that docs/backends.md gives. The child JVM must find epoll,
 * run the seed experiment on it, and print no JVM warning.
 */
@Timeout(60)
class EpollModulePathTest {
    /** The modules docs/backends.md tells a module-path application to enable native access for. */
    private static final String NATIVE_ACCESS =
            "io.netty.common,io.netty.transport.unix.common,io.netty.transport.classes.epoll,io.loopsock.unix";
    /** Netty's native epoll library, a module with no code that nothing requires: added by name. */
    private static final String NATIVE_LIBRARY_MODULE = "io.netty.transport.epoll.linux.x86_64";

    @TempDir
    Path dir;

    /**
     * The test class path's entries that are loopsock's modules (spi, backend-unix, backend-epoll)
     * or Netty's, by their module names: what a module-path application of epoll puts there.
     */
    private static List<Path> modulePath() {
        List<Path> modules = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isEmpty() || !Files.exists(Path.of(entry))) {
                continue;
            }
            Path path = Path.of(entry);
            Set<ModuleReference> found;
            try {
                found = ModuleFinder.of(path).findAll();
            } catch (FindException e) {
                // Not a module (a test class directory, a jar whose name makes no module name).
                continue;
            }
            for (ModuleReference module : found) {
                String name = module.descriptor().name();
                if (Set.of("io.loopsock", "io.loopsock.unix", "io.loopsock.epoll").contains(name) || name.startsWith("io.netty.")) {
                    modules.add(path);
                    names.add(name);
                }
            }
        }
        assertThat(names).as("the module path").contains("io.loopsock", "io.loopsock.unix", "io.loopsock.epoll",
                "io.netty.common", "io.netty.transport.unix.common", "io.netty.transport.classes.epoll", NATIVE_LIBRARY_MODULE);
        return modules;
    }

    private ChildJvm.Result onModulePath(String... arguments) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--enable-native-access=" + NATIVE_ACCESS,
                "--module-path", modulePath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
                "--add-modules", NATIVE_LIBRARY_MODULE,
                "-m", "io.loopsock/io.loopsock.internal.Main"));
        args.addAll(List.of(arguments));
        return ChildJvm.run(dir, Map.of(), args);
    }

    @Test
    @DisplayName("module path: epoll is found through provides, available, and the default; no JVM warning")
    void backendsFindsEpoll() throws Exception {
        ChildJvm.Result result = onModulePath("backends");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output())
                .containsPattern("(?m)^epoll\\s+300\\s+yes\\s")
                .contains("selected by default: epoll")
                .doesNotContain("WARNING");
    }

    @Test
    @DisplayName("module path: `demo epoll` reads the data, then the end of the stream, with the documented flags and no JVM warning")
    void demoRunsOnEpoll() throws Exception {
        ChildJvm.Result result = onModulePath("demo", "epoll");
        assertThat(result.exitCode()).as(result.output()).isZero();
        String output = result.output();
        int data = output.indexOf("[epoll] client: read callback, data \"DATA\"");
        int end = output.indexOf("[epoll] client: read callback, end of stream");
        assertThat(data).as(output).isNotNegative();
        assertThat(end).as("the end of the stream comes after the data:%n%s", output).isGreaterThan(data);
        assertThat(output).doesNotContain("UNEXPECTED").doesNotContain("WARNING");
    }
}
