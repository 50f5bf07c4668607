package io.loopsock.bench.internal;

import io.loopsock.bench.internal.Measure.Metric;
import java.util.List;
import java.util.Locale;

/**
 * Draws the report's chart as SVG, by hand (no dependency): one panel per main workload, a bar per
 * contender for its median, coloured by kind of stack, labelled with the value and its ratio to
 * the raw NIO selector of the same rounds.
 *
 * <p>Any thread.
 */
final class Chart {
    private static final int WIDTH = 960;
    private static final int LABEL = 190;
    private static final int BAR_AREA = 520;
    private static final int ROW = 18;

    private record Panel(String variant, String metric, String title) {
    }

    private static final List<Panel> PANELS = List.of(
            new Panel("stream-pinned", Metric.MIB_PER_S, "stream, pinned: MiB/s (higher is better)"),
            new Panel("ping-pong-pinned", Metric.RT_PER_S, "ping-pong, pinned: round trips/s (higher is better)"),
            new Panel("fan-in", Metric.RT_PER_S, "fan-in, 100 connections: round trips/s (higher is better)"),
            new Panel("churn", Metric.CONN_PER_S, "churn: connections/s (higher is better)"),
            new Panel("idle", Metric.TOTAL_B_PER_CONN, "idle: bytes per connection, heap + native (lower is better)"));

    private Chart() {
    }

    private static String colour(Contenders.Family family) {
        return switch (family) {
            case LOOPSOCK -> "#1f77b4";
            case SOCKET -> "#17becf";
            case NETTY -> "#ff7f0e";
            case BLOCKING -> "#2ca02c";
            case NIO_SELECTOR -> "#7f7f7f";
            case LIMIT -> "#d62728";
        };
    }

    /**
     * Draws the chart of a run.
     *
     * @param results the results
     * @param contenders the contenders in report order
     * @return the SVG document
     */
    static String svg(Results results, List<Contenders.Entry> contenders) {
        StringBuilder body = new StringBuilder();
        int y = 40;
        for (Panel panel : PANELS) {
            List<Contenders.Entry> shown = contenders.stream().filter(c -> results.summary(panel.variant, c.name(), panel.metric) != null).toList();
            if (shown.isEmpty()) {
                continue;
            }
            double max = shown.stream().mapToDouble(c -> results.summary(panel.variant, c.name(), panel.metric).max()).max().orElse(1);
            body.append(text(10, y + 14, panel.title, "font-weight:bold"));
            y += 22;
            for (Contenders.Entry c : shown) {
                Results.Summary s = results.summary(panel.variant, c.name(), panel.metric);
                double w = max <= 0 ? 0 : Math.max(0, s.median()) / max * BAR_AREA;
                body.append(text(LABEL - 6, y + 13, c.name(), "text-anchor:end"));
                body.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                        LABEL, y + 2, w, ROW - 4, colour(c.family())));
                if (s.n() > 1 && max > 0) {
                    // The range over the rounds, as a thin line across the bar's end.
                    body.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#000\"/>%n",
                            LABEL + Math.max(0, s.min()) / max * BAR_AREA, LABEL + Math.max(0, s.max()) / max * BAR_AREA, y + ROW / 2, y + ROW / 2));
                }
                Results.Summary ratio = results.ratio(panel.variant, c.name(), Contenders.NIO_SELECTOR, panel.metric);
                String label = Report.number(s.median()) + (ratio == null ? "" : String.format(Locale.ROOT, "  (%.2f× nio-selector)", ratio.median()));
                body.append(text(LABEL + w + 6, y + 13, label, ""));
                y += ROW;
            }
            y += 14;
        }
        String title = "loopsock benchmarks" + ("quick".equals(results.meta().get("mode")) ? " (QUICK SMOKE RUN, NOT FOR COMPARISON)" : "")
                + ", " + results.meta().getOrDefault("started", "");
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, y + 30, WIDTH, y + 30));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>%n", WIDTH, y + 30));
        svg.append(text(10, 22, title, "font-size:15px;font-weight:bold"));
        svg.append(body);
        int x = 10;
        for (Contenders.Family family : Contenders.Family.values()) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n", x, y + 4, colour(family)));
            String name = family.name().toLowerCase(Locale.ROOT).replace('_', '-');
            svg.append(text(x + 16, y + 14, name, ""));
            x += 24 + name.length() * 8;
        }
        return svg.append("</svg>\n").toString();
    }

    private static String text(double x, double y, String text, String style) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\"%s>%s</text>%n", x, y, style.isEmpty() ? "" : " style=\"" + style + "\"",
                text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"));
    }
}
