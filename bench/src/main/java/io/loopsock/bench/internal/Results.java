package io.loopsock.bench.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A run's results file: tab-separated rows, one per measured metric, after comment lines that
 * describe the run ({@code # key: value}). The report is made from this file alone, so a results
 * file of an earlier run can be reported again ({@code ./loopsock bench --report FILE}).
 *
 * <p>Single-threaded use.
 */
public final class Results {
    /** The column names, the file's first non-comment line. */
    static final String HEADER = "round\tseq\tvariant\tcontender\tmetric\tvalue\tnote";

    /**
     * One measured metric.
     *
     * @param round the round, from 1
     * @param seq the measurement's position in the run, from 1
     * @param variant the workload and pinning, such as {@code ping-pong-pinned}
     * @param contender the contender
     * @param metric the metric, or {@code error} for a failed measurement
     * @param value the value; NaN for an error
     * @param note an error's message, else empty
     */
    public record Row(int round, int seq, String variant, String contender, String metric, double value, String note) {
        String line() {
            return round + "\t" + seq + "\t" + variant + "\t" + contender + "\t" + metric + "\t"
                    + (Double.isNaN(value) ? "NaN" : String.format(Locale.ROOT, "%.6g", value)) + "\t"
                    + note.replace('\t', ' ').replace('\n', ' ');
        }

        static Row parse(String line) {
            String[] f = line.split("\t", -1);
            return new Row(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4], Double.parseDouble(f[5]),
                    f.length > 6 ? f[6] : "");
        }
    }

    private final Map<String, String> meta;
    private final List<Row> rows;

    /**
     * Makes results from their parts.
     *
     * @param meta the run's description, in order
     * @param rows the rows
     */
    public Results(Map<String, String> meta, List<Row> rows) {
        this.meta = new LinkedHashMap<>(meta);
        this.rows = new ArrayList<>(rows);
    }

    /**
     * Starts a results file with the run's description and the header.
     *
     * @param file the file
     * @param meta the description
     * @throws IOException if it cannot be written
     */
    static void create(Path file, Map<String, String> meta) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder text = new StringBuilder("# loopsock bench results; the report is made from this file\n");
        meta.forEach((k, v) -> text.append("# ").append(k).append(": ").append(v.replace('\n', ' ')).append('\n'));
        text.append(HEADER).append('\n');
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /**
     * Appends rows as they are measured, so that an interrupted run keeps what it measured.
     *
     * @param file the file
     * @param rows the rows
     * @throws IOException if it cannot be written
     */
    static void append(Path file, List<Row> rows) throws IOException {
        StringBuilder text = new StringBuilder();
        rows.forEach(row -> text.append(row.line()).append('\n'));
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /**
     * Appends a description line after the rows (such as the run's duration).
     *
     * @param file the file
     * @param key the key
     * @param value the value
     * @throws IOException if it cannot be written
     */
    static void appendMeta(Path file, String key, String value) throws IOException {
        Files.writeString(file, "# " + key + ": " + value + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /**
     * Reads a results file.
     *
     * @param file the file
     * @return its results
     * @throws IOException if it cannot be read
     */
    public static Results read(Path file) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("# ")) {
                int colon = line.indexOf(": ");
                if (colon > 0) {
                    meta.put(line.substring(2, colon), line.substring(colon + 2));
                }
            } else if (!line.isBlank() && !line.equals(HEADER)) {
                rows.add(Row.parse(line));
            }
        }
        return new Results(meta, rows);
    }

    /**
     * Returns the run's description.
     *
     * @return key to value, in file order
     */
    public Map<String, String> meta() {
        return meta;
    }

    /**
     * Returns every row.
     *
     * @return the rows
     */
    public List<Row> rows() {
        return rows;
    }

    /**
     * Returns the rounds the run has.
     *
     * @return the highest round number
     */
    int rounds() {
        return rows.stream().mapToInt(Row::round).max().orElse(0);
    }

    /**
     * Returns one metric of one contender in one round.
     *
     * @return the value, or null if not measured (or failed)
     */
    Double value(int round, String variant, String contender, String metric) {
        return rows.stream()
                .filter(r -> r.round == round && r.variant.equals(variant) && r.contender.equals(contender) && r.metric.equals(metric))
                .map(Row::value).filter(v -> !v.isNaN()).findFirst().orElse(null);
    }

    /**
     * Returns the failed measurements that match.
     *
     * @param which which rows
     * @return the error rows
     */
    List<Row> errors(Predicate<Row> which) {
        return rows.stream().filter(r -> r.metric.equals("error")).filter(which).toList();
    }

    /**
     * A median with its range, over rounds.
     *
     * @param median the median
     * @param min the smallest
     * @param max the largest
     * @param n how many values
     */
    record Summary(double median, double min, double max, int n) {
        static Summary of(List<Double> values) {
            List<Double> sorted = values.stream().filter(Objects::nonNull).filter(v -> !v.isNaN()).sorted().toList();
            int n = sorted.size();
            if (n == 0) {
                return null;
            }
            double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
            return new Summary(median, sorted.get(0), sorted.get(n - 1), n);
        }
    }

    /**
     * Summarises a metric of a contender over the rounds.
     *
     * @return the summary, or null if never measured
     */
    Summary summary(String variant, String contender, String metric) {
        List<Double> values = new ArrayList<>();
        for (int round = 1; round <= rounds(); round++) {
            values.add(value(round, variant, contender, metric));
        }
        return Summary.of(values);
    }

    /**
     * Summarises the ratio of a contender to a baseline, taken within each round.
     *
     * @return the summary of the per-round ratios, or null if no round has both
     */
    Summary ratio(String variant, String contender, String baseline, String metric) {
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds(); round++) {
            Double a = value(round, variant, contender, metric);
            Double b = value(round, variant, baseline, metric);
            if (a != null && b != null && b != 0) {
                ratios.add(a / b);
            }
        }
        return Summary.of(ratios);
    }
}
