package io.loopsock.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A tiny slice of the harness, in this JVM, so that it does not rot between full runs: real
 * contenders through {@link Measure}, with small counts. No iperf3 or sockperf needed.
 */
class HarnessSliceTest {
    private static final Workload.Sizes TINY = new Workload.Sizes(Duration.ofMillis(50), Duration.ofMillis(150),
            Duration.ofMillis(150), 64 * 1024, 64, 200, 1_000, 10, 2, 10, 5, Duration.ZERO);

    private static Map<String, Double> measure(String contender, Workload workload) throws Exception {
        return new Measure(Contenders.named(contender).make().get(), TINY).run(workload);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void loopsockNioRunsAThousandRoundTrips() throws Exception {
        Map<String, Double> metrics = measure("loopsock-nio", Workload.PING_PONG);

        assertThat(metrics.get(Measure.Metric.RT_PER_S)).isPositive();
        assertThat(metrics.get(Measure.Metric.P50_US)).isPositive().isLessThanOrEqualTo(metrics.get(Measure.Metric.P99_US));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void nettyNioRunsAThousandRoundTrips() throws Exception {
        Map<String, Double> metrics = measure("netty-nio", Workload.PING_PONG);

        assertThat(metrics.get(Measure.Metric.RT_PER_S)).isPositive();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void socketLayerOnVirtualThreadsStreamsAndChurns() throws Exception {
        assertThat(measure("socket-nio-virtual", Workload.STREAM).get(Measure.Metric.MIB_PER_S)).isPositive();
        assertThat(measure("socket-nio-virtual", Workload.CHURN).get(Measure.Metric.CONN_PER_S)).isPositive();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void rawSelectorFansIn() throws Exception {
        assertThat(measure("nio-selector", Workload.FAN_IN).get(Measure.Metric.RT_PER_S)).isPositive();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void nearestRankPercentiles() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

        assertThat(Measure.percentile(sorted, 0.50)).isEqualTo(5);
        assertThat(Measure.percentile(sorted, 0.99)).isEqualTo(10);
    }
}
