package io.loopsock.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Ratios within rounds, medians, target verdicts and the tools' output, on made-up results. */
class ReportTest {

    private static Results threeRounds() {
        List<Results.Row> rows = new ArrayList<>();
        double[][] values = {{100, 200}, {120, 150}, {90, 300}}; // per round: loopsock-epoll, netty-epoll
        for (int round = 1; round <= 3; round++) {
            rows.add(new Results.Row(round, 1, "fan-in", "loopsock-epoll", "rt_per_s", values[round - 1][0], ""));
            rows.add(new Results.Row(round, 2, "fan-in", "netty-epoll", "rt_per_s", values[round - 1][1], ""));
            rows.add(new Results.Row(round, 3, "idle", "loopsock-epoll", "total_B_per_conn", 700 + round, ""));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("mode", "full");
        meta.put("contenders", "loopsock-epoll netty-epoll");
        return new Results(meta, rows);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void ratiosAreTakenWithinEachRoundThenSummarised() {
        Results.Summary ratio = threeRounds().ratio("fan-in", "loopsock-epoll", "netty-epoll", "rt_per_s");

        // Per round: 0.5, 0.8, 0.3; not the ratio of the medians (100 / 200).
        assertThat(ratio.median()).isEqualTo(0.5);
        assertThat(ratio.min()).isEqualTo(0.3);
        assertThat(ratio.max()).isEqualTo(0.8);
        assertThat(ratio.n()).isEqualTo(3);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void targetsSayMetOrMissedAndByHowMuch() {
        List<Targets.Verdict> verdicts = Targets.evaluate(threeRounds(), Report.contenders(threeRounds()));

        Targets.Verdict fanIn = verdicts.stream().filter(v -> v.target().variant().equals("fan-in")).findFirst().orElseThrow();
        assertThat(fanIn.status()).isEqualTo(Targets.Status.MISSED);
        assertThat(fanIn.margin()).isEqualTo(-0.5);
        Targets.Verdict idle = verdicts.stream().filter(v -> v.target().variant().equals("idle")).findFirst().orElseThrow();
        assertThat(idle.status()).isEqualTo(Targets.Status.MET);
        Targets.Verdict stream = verdicts.stream().filter(v -> v.target().variant().equals("stream-pinned")).findFirst().orElseThrow();
        assertThat(stream.status()).isEqualTo(Targets.Status.NOT_MEASURED);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void resultsFileRoundTripsAndReportIsWritten(@TempDir Path root) throws IOException {
        Path file = root.resolve("bench/results/x-full.tsv");
        Results results = threeRounds();
        Results.create(file, results.meta());
        Results.append(file, results.rows());

        Report.rewrite(file, root);

        assertThat(Results.read(file).rows()).hasSize(results.rows().size());
        assertThat(Files.readString(root.resolve("docs/benchmarks.md"))).contains("| loopsock-epoll | fan-in rt_per_s ≥ 1.00× netty-epoll | 0.50 (0.30–0.80) | **missed** | -50% |");
        assertThat(Files.readString(root.resolve("docs/benchmarks.svg"))).startsWith("<svg").contains("loopsock-epoll");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void handWrittenNotesGoUnderTheTargetsAndSayWhichRunTheyRead() {
        String mine = Report.markdown(threeRounds(), "bench/results/x-full.tsv", Map.of(), "<!-- run: x-full -->\nThe reading.\n");
        assertThat(mine).contains("### Reading of the results\n\nWritten by hand for this run (bench/notes.md).\n\nThe reading.")
                .doesNotContain("<!-- run:");
        assertThat(mine.indexOf("### Reading of the results")).isGreaterThan(mine.indexOf("## Targets"))
                .isLessThan(mine.indexOf("### What the profiles of the misses show")).isLessThan(mine.indexOf("## Chart"));

        String stale = Report.markdown(threeRounds(), "bench/results/y-full.tsv", Map.of(), "<!-- run: x-full -->\nThe reading.\n");
        assertThat(stale).contains("> Written by hand for run `x-full`, not for the run above (`bench/results/y-full.tsv`)");
        assertThat(Report.markdown(threeRounds(), "bench/results/y-full.tsv", Map.of())).doesNotContain("Reading of the results");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void readsTheLimitToolsOutput() throws IOException {
        String sockperf = """
                sockperf: [Valid Duration] RunTime=0.550 sec; SentMessages=24657; ReceivedMessages=24657
                sockperf: ---> percentile 99.000 =   35.777
                sockperf: ---> percentile 50.000 =   16.370
                """;
        String iperf3 = "{\"end\": {\"sum_sent\": {\"bits_per_second\": 1.0}, \"sum_received\": {\"seconds\": 1.0, \"bits_per_second\": 8388608.0}}}";

        assertThat(Tools.sockperf(sockperf)).containsEntry("p50_us", 16.370).containsEntry("p99_us", 35.777)
                .containsEntry("rt_per_s", 24657 / 0.550);
        assertThat(Tools.iperf3(iperf3)).containsEntry("MiB_per_s", 1.0);
    }
}
