package io.loopsock.bench.internal;

import io.loopsock.bench.internal.Measure.Metric;
import java.util.ArrayList;
import java.util.List;

/**
 * The performance targets of issue 6, made concrete for the contenders of a run, and their
 * verdicts. Round trips and stream compare the pinned rows (software cost without cross-CPU
 * wake-ups), fan-in, churn and idle the unpinned ones, as the anchors were measured.
 *
 * <p>Any thread.
 */
final class Targets {
    private Targets() {
    }

    /** A target's outcome. */
    enum Status {
        /** The median ratio (or value) is on the right side of the bound. */
        MET,
        /** It is not. */
        MISSED,
        /** The contender or its baseline has no result in this run. */
        NOT_MEASURED
    }

    /**
     * One target.
     *
     * @param id the target it comes from
     * @param contender the contender it is about
     * @param variant the variant whose results it uses
     * @param metric the metric
     * @param baseline the contender the ratio is taken to, or null for an absolute bound
     * @param bound the ratio (or the absolute value) to reach
     * @param atMost true if the value must not exceed the bound (memory), false if it must reach it
     */
    record Target(String id, String contender, String variant, String metric, String baseline, double bound, boolean atMost) {
        String describe() {
            String what = variant + " " + metric;
            return baseline == null ? what + (atMost ? " ≤ " : " ≥ ") + Report.number(bound)
                    : what + (atMost ? " ≤ " : " ≥ ") + String.format(java.util.Locale.ROOT, "%.2f", bound) + "× " + baseline;
        }
    }

    /**
     * A target's verdict.
     *
     * @param target the target
     * @param status met, missed or not measured
     * @param measured the median and range of the per-round ratios (or values)
     * @param margin how far past the bound (positive) or short of it (negative), as a fraction
     */
    record Verdict(Target target, Status status, Results.Summary measured, double margin) {
    }

    /**
     * Lists the targets that apply to a run's contenders.
     *
     * @param contenders the contenders that ran
     * @return the targets, in the order
     */
    static List<Target> of(List<Contenders.Entry> contenders) {
        List<Target> targets = new ArrayList<>();
        for (Contenders.Entry c : contenders) {
            if (c.family() != Contenders.Family.LOOPSOCK) {
                continue;
            }
            String netty = Contenders.nettyOn(c.transport());
            if (netty != null) {
                String id = c.transport().equals("nio") ? "SPI: nio ≥ 1.0× Netty NIO" : "SPI: native backend ≥ 1.0× Netty, same transport";
                targets.add(new Target(id, c.name(), "stream-pinned", Metric.MIB_PER_S, netty, 1.0, false));
                targets.add(new Target(id, c.name(), "ping-pong-pinned", Metric.RT_PER_S, netty, 1.0, false));
                targets.add(new Target(id, c.name(), "fan-in", Metric.RT_PER_S, netty, 1.0, false));
            }
            if (c.transport().equals("epoll")) {
                targets.add(new Target("SPI: epoll ping-pong ≥ 0.8× sockperf", c.name(), "ping-pong-pinned", Metric.RT_PER_S, Contenders.SOCKPERF, 0.8, false));
            }
            targets.add(new Target("SPI: churn ≥ 1.0× raw NIO", c.name(), "churn", Metric.CONN_PER_S, Contenders.NIO_SELECTOR, 1.0, false));
            targets.add(new Target("SPI: idle ≤ 1 KB per connection", c.name(), "idle", Metric.TOTAL_B_PER_CONN, null, 1024, true));
            if (!c.transport().equals("nio")) {
                targets.add(new Target("Stream ≥ 0.95× iperf3 (native backends)", c.name(), "stream-pinned", Metric.MIB_PER_S, Contenders.IPERF3, 0.95, false));
            }
        }
        for (Contenders.Entry c : contenders) {
            if (c.family() != Contenders.Family.SOCKET || !c.name().endsWith("-virtual")) {
                continue;
            }
            String id = "Socket layer, virtual threads vs JDK blocking sockets on virtual threads";
            targets.add(new Target(id, c.name(), "ping-pong-pinned", Metric.RT_PER_S, "blocking-virtual", 1.0, false));
            targets.add(new Target(id, c.name(), "fan-in", Metric.RT_PER_S, "blocking-virtual", 1.2, false));
            targets.add(new Target(id, c.name(), "churn", Metric.CONN_PER_S, "blocking-virtual", 1.0, false));
            targets.add(new Target(id, c.name(), "idle", Metric.TOTAL_B_PER_CONN, "blocking-virtual", 1.0, true));
        }
        for (Contenders.Entry c : contenders) {
            if (c.family() == Contenders.Family.SOCKET && c.name().endsWith("-platform")) {
                targets.add(new Target("Socket layer, platform threads: ping-pong ≥ 0.8× JDK blocking sockets", c.name(),
                        "ping-pong-pinned", Metric.RT_PER_S, "blocking-platform", 0.8, false));
            }
        }
        for (Contenders.Entry c : contenders) {
            if (c.family() == Contenders.Family.SOCKET) {
                targets.add(new Target("Stream ≥ 0.95× iperf3 (socket layer)", c.name(), "stream-pinned", Metric.MIB_PER_S, Contenders.IPERF3, 0.95, false));
            }
        }
        return targets;
    }

    /**
     * Judges every target of a run.
     *
     * @param results the run's results
     * @param contenders the contenders that ran
     * @return one verdict per target
     */
    static List<Verdict> evaluate(Results results, List<Contenders.Entry> contenders) {
        List<Verdict> verdicts = new ArrayList<>();
        for (Target t : of(contenders)) {
            Results.Summary measured = t.baseline() == null ? results.summary(t.variant(), t.contender(), t.metric())
                    : results.ratio(t.variant(), t.contender(), t.baseline(), t.metric());
            if (measured == null) {
                verdicts.add(new Verdict(t, Status.NOT_MEASURED, null, Double.NaN));
                continue;
            }
            // Positive: by how much the bound is beaten; for an upper bound, the fraction left under it.
            double margin = t.atMost() ? 1 - measured.median() / t.bound() : measured.median() / t.bound() - 1;
            verdicts.add(new Verdict(t, margin >= 0 ? Status.MET : Status.MISSED, measured, margin));
        }
        return verdicts;
    }
}
