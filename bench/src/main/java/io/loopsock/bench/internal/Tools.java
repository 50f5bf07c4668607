package io.loopsock.bench.internal;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine's limits: iperf3 (stream) and sockperf (ping-pong), each as a server process and a
 * client process on the loopback address, run the way reference/perf-anchors.md ran them.
 *
 * <p>Any thread.
 */
final class Tools {
    private static final Pattern IPERF_RECEIVED =
            Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+-]+)", Pattern.DOTALL);
    private static final Pattern SOCKPERF_VALID =
            Pattern.compile("\\[Valid Duration\\] RunTime=([0-9.]+) sec; SentMessages=(\\d+); ReceivedMessages=(\\d+)");
    private static final Pattern SOCKPERF_PERCENTILE = Pattern.compile("percentile (\\d+\\.\\d+) =\\s*([0-9.]+)");

    private Tools() {
    }

    /**
     * Tells whether a tool is missing.
     *
     * @param tool the command
     * @return null if it is on the PATH, else why it cannot run
     */
    static String missing(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return null;
            }
        }
        return tool + " is not installed (./loopsock bench installs it with apt-get; or: apt-get install " + tool + ")";
    }

    /**
     * Returns a tool's version line, for the report.
     *
     * @param tool the command
     * @return its first version line, or "not installed"
     */
    static String version(String tool) {
        if (missing(tool) != null) {
            return "not installed";
        }
        try {
            Process process = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            String first = process.inputReader(StandardCharsets.UTF_8).readLine();
            process.waitFor(5, TimeUnit.SECONDS);
            return first == null ? "?" : first.replaceAll("\\x1b\\[[0-9;]*m", "").trim();
        } catch (IOException | InterruptedException e) {
            return "? (" + e + ")";
        }
    }

    /**
     * The commands of one limit measurement.
     *
     * @param server the server's command
     * @param ready a text the server prints once it listens
     * @param client the client's command
     */
    record Commands(List<String> server, String ready, List<String> client) {
    }

    /**
     * Builds the commands of a limit tool's measurement.
     *
     * @param tool {@code iperf3} or {@code sockperf}
     * @param prefix the CPU pinning prefix ({@code taskset -c 0}), or empty
     * @param sizes the durations
     * @return the commands
     * @throws IOException if no free port can be found
     */
    static Commands commands(String tool, List<String> prefix, Workload.Sizes sizes) throws IOException {
        String port = String.valueOf(freePort());
        String seconds = String.valueOf(Math.max(1, Math.round(sizes.measure().toMillis() / 1000.0)));
        List<String> server = new ArrayList<>(prefix);
        List<String> client = new ArrayList<>(prefix);
        if (tool.equals(Contenders.IPERF3)) {
            // --forceflush: without a terminal iperf3 buffers its "listening" line, which the harness waits for.
            server.addAll(List.of("iperf3", "-s", "-1", "--forceflush", "-B", "127.0.0.1", "-p", port));
            String omit = String.valueOf(Math.round(sizes.warmup().toMillis() / 1000.0));
            client.addAll(List.of("iperf3", "-c", "127.0.0.1", "-p", port, "-t", seconds, "-O", omit,
                    "-l", String.valueOf(sizes.chunk()), "-J"));
            return new Commands(server, "Server listening", client);
        }
        server.addAll(List.of("sockperf", "server", "--tcp", "-i", "127.0.0.1", "-p", port));
        client.addAll(List.of("sockperf", "ping-pong", "--tcp", "-i", "127.0.0.1", "-p", port,
                "-m", String.valueOf(sizes.messageSize()), "-t", seconds, "--full-rtt"));
        return new Commands(server, "PORT =", client);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, Workload.LOOPBACK)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Runs a limit measurement.
     *
     * @param tool {@code iperf3} or {@code sockperf}
     * @param commands its commands
     * @param timeoutSeconds the bound of the whole run
     * @param log where the tools' output goes
     * @return the metrics, named as {@link Measure}'s
     * @throws Exception if a tool fails or its output cannot be read
     */
    static Map<String, Double> run(String tool, Commands commands, long timeoutSeconds, StringBuilder log) throws Exception {
        Process server = new ProcessBuilder(commands.server()).redirectErrorStream(true).start();
        try {
            CompletableFuture<Void> ready = new CompletableFuture<>();
            StringBuilder serverOutput = new StringBuilder();
            Thread.ofPlatform().daemon(true).start(() -> {
                try (BufferedReader reader = server.inputReader(StandardCharsets.UTF_8)) {
                    for (String line; (line = reader.readLine()) != null; ) {
                        synchronized (serverOutput) {
                            serverOutput.append(line).append('\n');
                        }
                        if (line.contains(commands.ready())) {
                            ready.complete(null);
                        }
                    }
                } catch (IOException e) {
                    ready.completeExceptionally(e);
                }
                ready.completeExceptionally(new IOException(tool + " server ended before it listened"));
            });
            ready.get(10, TimeUnit.SECONDS);
            Process client = new ProcessBuilder(commands.client()).redirectErrorStream(true).start();
            String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replaceAll("\\x1b\\[[0-9;]*m", "");
            if (!client.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                client.destroyForcibly();
                throw new IOException(tool + " client timed out");
            }
            log.append(output);
            return tool.equals(Contenders.IPERF3) ? iperf3(output) : sockperf(output);
        } finally {
            server.destroy();
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /**
     * Reads iperf3's JSON: the bits per second the server received.
     *
     * @param json iperf3's {@code -J} output
     * @return the metrics
     * @throws IOException if the figure is missing
     */
    static Map<String, Double> iperf3(String json) throws IOException {
        Matcher m = IPERF_RECEIVED.matcher(json);
        if (!m.find()) {
            throw new IOException("no end.sum_received.bits_per_second in iperf3's output: " + tail(json));
        }
        return Map.of(Measure.Metric.MIB_PER_S, Double.parseDouble(m.group(1)) / 8 / (1024.0 * 1024.0));
    }

    /**
     * Reads sockperf's summary: round trips per second over the valid duration, p50 and p99.
     *
     * @param text sockperf's output
     * @return the metrics
     * @throws IOException if a figure is missing
     */
    static Map<String, Double> sockperf(String text) throws IOException {
        Matcher valid = SOCKPERF_VALID.matcher(text);
        if (!valid.find()) {
            throw new IOException("no [Valid Duration] line in sockperf's output: " + tail(text));
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(Measure.Metric.RT_PER_S, Long.parseLong(valid.group(3)) / Double.parseDouble(valid.group(1)));
        Matcher percentile = SOCKPERF_PERCENTILE.matcher(text);
        while (percentile.find()) {
            switch (percentile.group(1)) {
                case "50.000" -> metrics.put(Measure.Metric.P50_US, Double.parseDouble(percentile.group(2)));
                case "99.000" -> metrics.put(Measure.Metric.P99_US, Double.parseDouble(percentile.group(2)));
                default -> { }
            }
        }
        if (metrics.size() != 3) {
            throw new IOException("sockperf's output lacks percentile 50 or 99: " + tail(text));
        }
        return metrics;
    }

    private static String tail(String text) {
        return text.length() <= 400 ? text : "…" + text.substring(text.length() - 400);
    }
}
