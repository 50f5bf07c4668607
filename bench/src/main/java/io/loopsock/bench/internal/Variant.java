package io.loopsock.bench.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A workload as it is run: unpinned, or with the whole run pinned to CPU 0.
 *
 * @param workload the workload
 * @param pinned whether it runs under {@code taskset -c 0}
 */
public record Variant(Workload workload, boolean pinned) {
    /**
     * Returns its name in results and reports.
     *
     * @return such as {@code ping-pong-pinned}
     */
    public String id() {
        return workload.id() + (pinned ? "-pinned" : "");
    }

    /**
     * Lists the variants of some workloads in report order: each workload unpinned, then pinned
     * where it has that.
     *
     * @param workloads the workloads
     * @return the variants
     */
    public static List<Variant> of(List<Workload> workloads) {
        List<Variant> variants = new ArrayList<>();
        for (Workload workload : workloads) {
            variants.add(new Variant(workload, false));
            if (workload.pinnedToo()) {
                variants.add(new Variant(workload, true));
            }
        }
        return variants;
    }
}
