package io.loopsock.bench.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What the report says about the machine and the run: JDK, kernel, CPUs, tool versions, the
 * sysctls that limit loopback TCP, and the exact command templates of each kind of measurement.
 *
 * <p>Any thread.
 */
final class Environment {
    private Environment() {
    }

    /**
     * Describes a run that is about to start.
     *
     * @param options the run
     * @param contenders every contender considered, with why some cannot run
     * @return key to value, in report order
     */
    static Map<String, String> describe(Harness.Options options, List<Contenders.Entry> contenders) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("mode", options.mode());
        meta.put("rounds", String.valueOf(options.rounds()));
        meta.put("started", Instant.now().toString());
        meta.put("command", options.command());
        meta.put("commit", run(options.root(), "git", "rev-parse", "--short", "HEAD"));
        meta.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.name") + " "
                + System.getProperty("java.runtime.version") + ", " + System.getProperty("java.vm.name") + " (" + System.getProperty("java.home") + ")");
        meta.put("kernel", System.getProperty("os.name") + " " + read("/proc/sys/kernel/osrelease") + " (" + System.getProperty("os.arch") + ")");
        meta.put("cpus", Runtime.getRuntime().availableProcessors() + " × " + cpuModel());
        meta.put("memory", read("/proc/meminfo").lines().findFirst().orElse("?").replaceAll("\\s+", " "));
        meta.put("sysctl", "ip_local_port_range " + read("/proc/sys/net/ipv4/ip_local_port_range").replaceAll("\\s+", "–")
                + ", tcp_tw_reuse " + read("/proc/sys/net/ipv4/tcp_tw_reuse") + ", somaxconn " + read("/proc/sys/net/core/somaxconn")
                + ", io_uring_disabled " + read("/proc/sys/kernel/io_uring_disabled") + ", max open files "
                + read("/proc/self/limits").lines().filter(l -> l.startsWith("Max open files")).map(l -> l.replaceAll("\\s+", " ").replace("Max open files ", ""))
                        .findFirst().orElse("?"));
        meta.put("netty", nettyVersion());
        meta.put("iperf3", Tools.version(Contenders.IPERF3));
        meta.put("sockperf", Tools.version(Contenders.SOCKPERF));
        meta.put("sizes", String.join(" ", options.sizes().arguments()));
        meta.put("contenders", contenders.stream().filter(c -> c.unavailable() == null).map(Contenders.Entry::name).collect(Collectors.joining(" ")));
        for (Contenders.Entry c : contenders) {
            if (c.unavailable() != null) {
                meta.put("not run " + c.name(), c.unavailable());
            }
        }
        Harness template = new Harness(options, Instant.EPOCH);
        List<Variant> plain = List.of(new Variant(Workload.PING_PONG, false));
        meta.put("child command", String.join(" ", template.childCommand(List.of(), "CONTENDER", plain, null))
                .replace(System.getProperty("java.class.path"), "$CP").replace("--workloads=ping-pong", "--workloads=WORKLOAD"));
        meta.put("idle child command", String.join(" ", template.childCommand(List.of(), "CONTENDER", List.of(new Variant(Workload.IDLE, false)), null))
                .replace(System.getProperty("java.class.path"), "$CP"));
        try {
            for (String tool : List.of(Contenders.IPERF3, Contenders.SOCKPERF)) {
                Tools.Commands commands = Tools.commands(tool, List.of(), options.sizes());
                meta.put(tool + " commands", (String.join(" ", commands.server()) + " & " + String.join(" ", commands.client()))
                        .replaceAll("-p \\d+", "-p PORT"));
            }
        } catch (IOException e) {
            meta.put("tool commands", "? (" + e + ")");
        }
        return meta;
    }

    private static String nettyVersion() {
        return io.netty.util.Version.identify().values().stream().map(v -> v.artifactVersion()).distinct().collect(Collectors.joining(", "));
    }

    private static String cpuModel() {
        return read("/proc/cpuinfo").lines().filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElse(System.getProperty("os.arch"));
    }

    private static String read(String file) {
        try {
            // A stream, read to its end: Files.readString and Files.readAllBytes trust the size the
            // file reports, and got one byte of /proc/sys/net/core/somaxconn here.
            try (java.io.InputStream in = Files.newInputStream(Path.of(file))) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
        } catch (IOException e) {
            return "?";
        }
    }

    private static String run(Path dir, String... command) {
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.waitFor(5, TimeUnit.SECONDS) && process.exitValue() == 0 ? out : "?";
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }
}
