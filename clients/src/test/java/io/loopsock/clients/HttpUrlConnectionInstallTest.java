package io.loopsock.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.clients.Matrix.ThreadKind;
import io.loopsock.clients.servers.NginxServer;
import io.loopsock.clients.servers.Server;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A library with no socket hook at all — the JDK's {@link HttpURLConnection} over plain HTTP —
 * running over loopsock after {@code LoopSockets.install}, which replaces the JDK's socket
 * implementation for the whole JVM. Since that is once per JVM, each backend runs in a child JVM
 * of its own; it installs the {@link CountingProvider} over the backend, and the count of TCP
 * handles its loops opened proves that the downloads went through a loop.
 */
@Timeout(90)
class HttpUrlConnectionInstallTest {
    private static final String FILE = "payload.bin";
    private static final long FILE_SEED = 0x1d57_a11L;
    private static final long CHILD_BOUND_SECONDS = 60;

    @RegisterExtension
    static final Server<NginxServer> SERVER = new Server<>(NginxServer::start);
    private static String digest;

    @BeforeAll
    static void serveFile() throws Exception {
        if (SERVER.isRunning()) {
            digest = HttpClient5Test.Served.write(SERVER.get(), FILE, FILE_SEED);
        }
    }

    static List<String> backends() {
        return Matrix.backends();
    }

    @ParameterizedTest(name = "{0}, from platform and virtual threads", quoteTextArguments = false)
    @MethodSource("backends")
    void httpUrlConnectionGoesThroughTheLoopAfterInstall(String backend, @TempDir Path work) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED",
                "-D" + CountingProvider.DELEGATE_PROPERTY + "=" + backend,
                "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), SERVER.get().url(FILE)));
        Path output = work.resolve("child.out");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        child.getOutputStream().close();
        if (!child.waitFor(CHILD_BOUND_SECONDS, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(child.isAlive() ? "still running after " + CHILD_BOUND_SECONDS + " s" : "exit " + child.exitValue())
                .as("the child JVM; its output:%n%s", printed).isEqualTo("exit 0");
        List<String> lines = printed.lines().toList();
        for (ThreadKind kind : ThreadKind.values()) {
            assertThat(lines).as("the child's output").contains("sha256 " + kind + " " + digest);
        }
        String handles = lines.stream().filter(line -> line.startsWith("tcp handles ")).findFirst().orElseThrow(
                () -> new AssertionError("the child did not count its TCP handles:\n" + printed));
        assertThat(Integer.parseInt(handles.substring("tcp handles ".length())))
                .as("TCP handles the loop opened: one per download at least (keep-alive is off)")
                .isGreaterThanOrEqualTo(ThreadKind.values().length);
    }

    /**
     * The child JVM: installs loopsock, downloads the file with {@link HttpURLConnection} from a
     * platform and from a virtual thread, prints each digest and the count of TCP handles.
     */
    public static final class Child {
        private Child() {}

        /**
         * Runs the child.
         *
         * @param args the URL of the file
         */
        public static void main(String[] args) throws Exception {
            // One connection per download, so that the count below cannot come from one reused
            // connection.
            System.setProperty("http.keepAlive", "false");
            Factories.install(CountingProvider.NAME);
            int before = CountingProvider.tcpHandles();
            for (ThreadKind kind : ThreadKind.values()) {
                Matrix.run(kind, random -> {
                    HttpURLConnection connection = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
                    connection.setConnectTimeout(10_000);
                    connection.setReadTimeout(10_000);
                    try (InputStream in = connection.getInputStream()) {
                        if (connection.getResponseCode() != 200) {
                            throw new AssertionError("status " + connection.getResponseCode());
                        }
                        System.out.println("sha256 " + kind + " " + HttpClient5Test.Served.sha256(in));
                    } finally {
                        connection.disconnect();
                    }
                });
            }
            System.out.println("tcp handles " + (CountingProvider.tcpHandles() - before));
        }
    }
}
