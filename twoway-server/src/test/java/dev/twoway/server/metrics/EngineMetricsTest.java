package dev.twoway.server.metrics;

import dev.twoway.engine.EngineListener;
import dev.twoway.engine.SyncEngine;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's events and status as Prometheus metrics: names, labels, counts, latency buckets and gauges. */
class EngineMetricsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final InstantSource clock = now::get;
    private final EngineMetrics metrics = new EngineMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), clock);

    /** The value of one sample line of the scrape, e.g. {@code twoway_changes_captured_total{sync="a",system="crm"}}. */
    private static double sample(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{" + Pattern.quote(labels) + "} (\\S+)$").matcher(scrape);
        if (!m.find()) throw new AssertionError("no sample " + name + "{" + labels + "} in:\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    private void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    @Test
    void capturedAndAppliedChangesAreCountedPerSyncAndSystem() {
        metrics.captured("customers", "crm", 3, true);
        metrics.captured("customers", "crm", 2, false);
        metrics.captured("customers", "erp", 0, true);
        metrics.applied("customers", "erp", T0, T0.plusSeconds(1));
        metrics.applied("customers", "erp", null, T0); // source time unknown: counted, not timed
        metrics.applied("orders", "crm", T0, T0);
        String s = metrics.scrape();
        assertThat(sample(s, "twoway_changes_captured_total", "sync=\"customers\",system=\"crm\"")).isEqualTo(5);
        assertThat(s).as("nothing read from erp: no captured series").doesNotContain("twoway_changes_captured_total{sync=\"customers\",system=\"erp\"}");
        assertThat(sample(s, "twoway_changes_applied_total", "sync=\"customers\",system=\"erp\"")).isEqualTo(2);
        assertThat(sample(s, "twoway_changes_applied_total", "sync=\"orders\",system=\"crm\"")).isEqualTo(1);
        assertThat(sample(s, "twoway_apply_latency_seconds_count", "sync=\"customers\",system=\"erp\"")).isEqualTo(1);
    }

    @Test
    void latencyFromTheSourceCommitTimeFillsTheHistogramBuckets() {
        metrics.applied("customers", "erp", T0, T0.plusMillis(40));
        metrics.applied("customers", "erp", T0, T0.plusMillis(1500));
        metrics.applied("customers", "erp", T0, T0.plusSeconds(200));
        metrics.applied("customers", "erp", T0.plusSeconds(1), T0); // source clock ahead: counted as no delay
        String s = metrics.scrape();
        String l = "sync=\"customers\",system=\"erp\"";
        assertThat(sample(s, "twoway_apply_latency_seconds_count", l)).isEqualTo(4);
        assertThat(sample(s, "twoway_apply_latency_seconds_sum", l)).isCloseTo(201.54, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(sample(s, "twoway_apply_latency_seconds_bucket", l + ",le=\"0.01\"")).isEqualTo(1);
        assertThat(sample(s, "twoway_apply_latency_seconds_bucket", l + ",le=\"0.05\"")).isEqualTo(2);
        assertThat(sample(s, "twoway_apply_latency_seconds_bucket", l + ",le=\"1.0\"")).isEqualTo(2);
        assertThat(sample(s, "twoway_apply_latency_seconds_bucket", l + ",le=\"2.5\"")).isEqualTo(3);
        assertThat(sample(s, "twoway_apply_latency_seconds_bucket", l + ",le=\"120.0\"")).isEqualTo(3);
        assertThat(sample(s, "twoway_apply_latency_seconds_bucket", l + ",le=\"300.0\"")).isEqualTo(4);
        assertThat(sample(s, "twoway_apply_latency_seconds_bucket", l + ",le=\"+Inf\"")).isEqualTo(4);
        assertThat(Pattern.compile("twoway_apply_latency_seconds_bucket\\{").matcher(s).results().count())
                .as("the 14 buckets of 10 ms to 5 min, plus +Inf").isEqualTo(15);
    }

    @Test
    void conflictsErrorsAndDeadLettersAreCountedByTheirLabels() {
        metrics.conflict("customers", "phone", "last-write-wins", "decided");
        metrics.conflict("customers", "email", "last-write-wins", "decided");
        metrics.conflict("customers", "email", "manual", "parked");
        metrics.error("customers", "erp", EngineListener.Stage.DELIVERY, true);
        metrics.error("customers", "erp", EngineListener.Stage.DELIVERY, false);
        metrics.error("customers", "crm", EngineListener.Stage.CAPTURE, false);
        metrics.deadLetter("customers", "erp", EngineListener.Stage.DELIVERY);
        String s = metrics.scrape();
        assertThat(sample(s, "twoway_conflicts_total", "outcome=\"decided\",policy=\"last-write-wins\",sync=\"customers\"")).isEqualTo(2);
        assertThat(sample(s, "twoway_conflicts_total", "outcome=\"parked\",policy=\"manual\",sync=\"customers\"")).isEqualTo(1);
        assertThat(s).as("field names are not labels").doesNotContain("phone");
        assertThat(sample(s, "twoway_errors_total", "stage=\"delivery\",sync=\"customers\",system=\"erp\"")).isEqualTo(2);
        assertThat(sample(s, "twoway_errors_total", "stage=\"capture\",sync=\"customers\",system=\"crm\"")).isEqualTo(1);
        assertThat(sample(s, "twoway_dead_lettered_total", "stage=\"delivery\",sync=\"customers\",system=\"erp\"")).isEqualTo(1);
    }

    @Test
    void captureLagIsTheTimeSinceTheStreamLastCaughtUp() {
        metrics.captured("customers", "crm", 5, false); // never caught up yet: lag counts from the start
        advance(Duration.ofSeconds(30));
        String l = "sync=\"customers\",system=\"crm\"";
        assertThat(sample(metrics.scrape(), "twoway_capture_lag_seconds", l)).isEqualTo(30);
        metrics.captured("customers", "crm", 0, true);
        advance(Duration.ofMillis(1500));
        assertThat(sample(metrics.scrape(), "twoway_capture_lag_seconds", l)).isEqualTo(1.5);
        metrics.captured("customers", "crm", 500, false); // behind a backlog: the lag keeps growing
        advance(Duration.ofSeconds(10));
        assertThat(sample(metrics.scrape(), "twoway_capture_lag_seconds", l)).isEqualTo(11.5);
    }

    @Test
    void gaugesShowTheStatusAndReadItAtMostOncePerCachePeriod() {
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<List<SyncEngine.SyncStatus>> status = new AtomicReference<>(List.of(new SyncEngine.SyncStatus("customers", List.of(
                new SyncEngine.EndpointStatus("crm", 0, false, null, null, "p1"),
                new SyncEngine.EndpointStatus("erp", 7, true, "connection refused", null, "p2", Duration.ofMillis(42_500))), 2, 3)));
        metrics.watch(() -> {
            reads.incrementAndGet();
            return status.get();
        }, Duration.ofSeconds(5));
        String s = metrics.scrape();
        assertThat(sample(s, "twoway_outbox_depth", "sync=\"customers\",target=\"erp\"")).isEqualTo(7);
        assertThat(sample(s, "twoway_outbox_depth", "sync=\"customers\",target=\"crm\"")).isEqualTo(0);
        assertThat(sample(s, "twoway_delivery_lag_seconds", "sync=\"customers\",target=\"erp\"")).isEqualTo(42.5);
        assertThat(sample(s, "twoway_delivery_lag_seconds", "sync=\"customers\",target=\"crm\"")).isEqualTo(0);
        assertThat(sample(s, "twoway_open_conflicts", "sync=\"customers\"")).isEqualTo(2);
        assertThat(sample(s, "twoway_dead_letters", "sync=\"customers\"")).isEqualTo(3);
        assertThat(sample(s, "twoway_system_up", "system=\"crm\"")).isEqualTo(1);
        assertThat(sample(s, "twoway_system_up", "system=\"erp\"")).isEqualTo(0);
        metrics.scrape();
        assertThat(reads.get()).as("one read for all gauges and scrapes within 5 s").isEqualTo(1);

        status.set(List.of(new SyncEngine.SyncStatus("customers", List.of(
                new SyncEngine.EndpointStatus("crm", 0, false, null, "permission denied", "p1"),
                new SyncEngine.EndpointStatus("erp", 0, false, null, null, "p2")), 0, 0)));
        advance(Duration.ofSeconds(5));
        s = metrics.scrape();
        assertThat(reads.get()).isEqualTo(2);
        assertThat(sample(s, "twoway_outbox_depth", "sync=\"customers\",target=\"erp\"")).isEqualTo(0);
        assertThat(sample(s, "twoway_system_up", "system=\"crm\"")).as("its capture fails").isEqualTo(0);
        assertThat(sample(s, "twoway_system_up", "system=\"erp\"")).isEqualTo(1);
    }

    @Test
    void aStatusThatCannotBeReadLeavesTheGaugesWithoutDataAndTheScrapeWorking() {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        metrics.watch(() -> {
            if (failure.get() != null) throw failure.get();
            return List.of(new SyncEngine.SyncStatus("customers", List.of(new SyncEngine.EndpointStatus("crm", 4, false, null, null, "p")), 0, 0));
        }, Duration.ofSeconds(1));
        failure.set(new IllegalStateException("state store closed"));
        advance(Duration.ofSeconds(2));
        metrics.captured("customers", "crm", 1, true);
        String s = metrics.scrape();
        assertThat(sample(s, "twoway_outbox_depth", "sync=\"customers\",target=\"crm\"")).isNaN();
        assertThat(sample(s, "twoway_changes_captured_total", "sync=\"customers\",system=\"crm\"")).isEqualTo(1);
    }

    @Test
    void theJvmMetricsComeWithTheEngineOnes() {
        try (EngineMetrics withJvm = EngineMetrics.withJvmMetrics(InstantSource.system())) {
            withJvm.captured("customers", "crm", 1, true);
            assertThat(withJvm.scrape()).contains("jvm_memory_used_bytes").contains("process_uptime_seconds")
                    .contains("twoway_changes_captured_total{sync=\"customers\",system=\"crm\"} 1");
        }
    }
}
