package io.loopsock.bench.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a flight recording of a missed target's contender: where the Java threads spent
 * their samples (top frames, self time), which loopsock or Netty methods were on the stack most
 * (inclusive), where threads sat in native code, and the GC's share. Read with the JDK's own
 * {@code jdk.jfr.consumer} API, the same data {@code jfr print --events jdk.ExecutionSample} shows.
 *
 * <p>Any thread.
 */
final class Profiler {
    private static final int TOP = 8;

    private Profiler() {
    }

    /**
     * Names a profile.
     *
     * @param contender the contender
     * @param variant the variant
     * @return the key
     */
    static String key(String contender, String variant) {
        return contender + " " + variant;
    }

    /**
     * Returns the file the profile summaries of a results file go to.
     *
     * @param results the results file
     * @return its sibling {@code …-profiles.md}
     */
    static Path file(Path results) {
        return results.resolveSibling(results.getFileName().toString().replace(".tsv", "-profiles.md"));
    }

    /**
     * Writes profile summaries, one section each.
     *
     * @param file where
     * @param profiles key to summary
     * @throws IOException if it cannot be written
     */
    static void save(Path file, Map<String, String> profiles) throws IOException {
        if (profiles.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder();
        profiles.forEach((key, summary) -> text.append("### ").append(key).append('\n').append(summary).append('\n'));
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /**
     * Reads what {@link #save} wrote.
     *
     * @param file the file
     * @return key to summary; empty if there is no file
     * @throws IOException if it cannot be read
     */
    static Map<String, String> load(Path file) throws IOException {
        Map<String, String> profiles = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return profiles;
        }
        String key = null;
        StringBuilder body = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("### ")) {
                if (key != null) {
                    profiles.put(key, body.toString());
                }
                key = line.substring(4);
                body.setLength(0);
            } else {
                body.append(line).append('\n');
            }
        }
        if (key != null) {
            profiles.put(key, body.toString());
        }
        return profiles;
    }

    /**
     * Summarises a recording as Markdown.
     *
     * @param jfr the recording
     * @param root the project folder, for the paths shown
     * @return the summary
     * @throws IOException if the recording cannot be read
     */
    static String summarize(Path jfr, Path root) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> inNative = new HashMap<>();
        int samples = 0;
        int nativeSamples = 0;
        int collections = 0;
        double pauseMillis = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(jfr)) {
            switch (event.getEventType().getName()) {
                case "jdk.ExecutionSample" -> {
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack == null || stack.getFrames().isEmpty()) {
                        continue;
                    }
                    samples++;
                    self.merge(name(stack.getFrames().get(0)), 1, Integer::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame frame : stack.getFrames()) {
                        String name = name(frame);
                        if ((name.startsWith("io.loopsock.") && !name.startsWith("io.loopsock.bench.")) || name.startsWith("io.netty.")) {
                            if (seen.add(name)) {
                                inclusive.merge(name, 1, Integer::sum);
                            }
                        }
                    }
                }
                case "jdk.NativeMethodSample" -> {
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack != null && !stack.getFrames().isEmpty()) {
                        nativeSamples++;
                        inNative.merge(name(stack.getFrames().get(0)), 1, Integer::sum);
                    }
                }
                case "jdk.GarbageCollection" -> {
                    collections++;
                    pauseMillis += event.getDuration("sumOfPauses").toNanos() / 1e6;
                }
                default -> { }
            }
        }
        StringBuilder md = new StringBuilder();
        Path shown = jfr.startsWith(root) ? root.relativize(jfr) : jfr;
        md.append(String.format(Locale.ROOT, "Recording `%s`: %d execution samples, %d native-method samples, %d GCs (%.1f ms of pauses). "
                + "Dig deeper with `jfr summary %s` and `jfr print --events jdk.ExecutionSample %s`.%n%n", shown, samples, nativeSamples,
                collections, pauseMillis, shown, shown));
        table(md, "Top frames (self time, share of execution samples)", self, samples);
        table(md, "loopsock and Netty methods on the stack (inclusive)", inclusive, samples);
        table(md, "Where threads sat in native code (share of native-method samples)", inNative, nativeSamples);
        return md.toString();
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static void table(StringBuilder md, String title, Map<String, Integer> counts, int total) {
        if (counts.isEmpty() || total == 0) {
            return;
        }
        md.append("| ").append(title).append(" | % |\n|---|---:|\n");
        List<Map.Entry<String, Integer>> top = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())).limit(TOP).toList();
        for (Map.Entry<String, Integer> e : top) {
            md.append("| `").append(e.getKey()).append("` | ").append(String.format(Locale.ROOT, "%.1f", 100.0 * e.getValue() / total)).append(" |\n");
        }
        md.append('\n');
    }
}
