package io.loopsock.nio;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.conformance.internal.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The conformance command line: progress, matrix, JSON report and exit status, run on nio. */
@Timeout(120)
class ConformanceCliTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("the command prints progress and the matrix, writes the JSON report, and exits 0 when nio passes")
    void runsTheSuiteAndWritesTheReport() throws Exception {
        Path json = dir.resolve("report.json");
        Run run = run("conformance", "--backend", "nio", "--tries", "5", "--seed", "7", "--json", json.toString());
        assertThat(run.status()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("seed 7", "[nio 1/", "passed", "RULE", "TCP-96", "result: every available backend passed");
        String report = Files.readString(json);
        assertThat(report).contains("\"version\": 1", "\"seed\": 7", "\"tries\": 5", "\"name\": \"nio\"", "\"available\": true",
                "\"id\": \"TCP-96\"", "\"status\": \"passed\"", "\"coverage\"", "\"applicable\"");
    }

    @Test
    @DisplayName("an unknown backend or option is a usage error (exit 2) naming the installed backends")
    void usageErrors() {
        Run unknown = run("--backend", "nope", "--json", dir.resolve("x.json").toString());
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("nope", "nio");
        Run badOption = run("--frobnicate");
        assertThat(badOption.status()).isEqualTo(2);
        assertThat(badOption.err()).contains("unknown option", "usage");
    }
}
