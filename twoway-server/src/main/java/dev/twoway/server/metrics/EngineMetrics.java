package dev.twoway.server.metrics;

import dev.twoway.engine.EngineListener;
import dev.twoway.engine.SyncEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The engine's metrics in Prometheus form: counters and a latency histogram fed by the engine's events
 * ({@link EngineListener}), and gauges read from the syncs' status (outbox depth, open conflicts, dead letters,
 * system availability) through a short cache, so a scrape costs at most one status read per cache period.
 * docs/metrics.md lists every metric.
 *
 * <p>Labels are only sync, system, policy, outcome and stage names: all from the config or fixed sets, never a
 * record id or a value, so the number of series stays bounded. Thread-safe; its event methods only increment.
 */
public final class EngineMetrics implements EngineListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineMetrics.class);

    /** Latency buckets (Prometheus {@code le}): from an instant trigger-based sync to a poll every few minutes. */
    static final List<Duration> LATENCY_BUCKETS = List.of(Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
            Duration.ofMinutes(5));

    private final PrometheusMeterRegistry registry;
    private final InstantSource clock;
    private final Instant started;
    private final JvmGcMetrics gc;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    /** Per {@code sync/system}: when its capture last read everything its source had. */
    private final Map<String, Instant> caughtUp = new ConcurrentHashMap<>();
    private final Set<String> lagGauges = ConcurrentHashMap.newKeySet();
    /** Per system: its clock's last measured offset, in seconds. */
    private final Map<String, Double> clockOffsets = new ConcurrentHashMap<>();

    /** A registry with the JVM's metrics (memory, GC, threads, classes, CPU, uptime) beside the engine's. */
    public static EngineMetrics withJvmMetrics(InstantSource clock) {
        return new EngineMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), clock, true);
    }

    /** Only the engine's metrics, in {@code registry}. */
    public EngineMetrics(PrometheusMeterRegistry registry, InstantSource clock) {
        this(registry, clock, false);
    }

    private EngineMetrics(PrometheusMeterRegistry registry, InstantSource clock, boolean jvm) {
        this.registry = registry;
        this.clock = clock;
        this.started = clock.instant();
        if (jvm) {
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            gc = new JvmGcMetrics();
            gc.bindTo(registry);
        } else {
            gc = null;
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Every metric in the Prometheus text format 0.0.4. */
    public String scrape() {
        return registry.scrape();
    }

    // ---- events -------------------------------------------------------------------------------------------------

    @Override
    public void captured(String sync, String system, int changes, boolean caughtUp) {
        if (changes > 0) counter("twoway.changes.captured", "changes read from a system by capture", sync, system).increment(changes);
        if (caughtUp) this.caughtUp.put(sync + "/" + system, clock.instant());
        lagGauge(sync, system);
    }

    @Override
    public void applied(String sync, String system, Instant sourceTime, Instant appliedAt) {
        counter("twoway.changes.applied", "writes applied to a system", sync, system).increment();
        if (sourceTime == null || appliedAt == null) return;
        Duration latency = Duration.between(sourceTime, appliedAt);
        // A source clock ahead of the engine's (beyond the measured offset) would give a negative time.
        latency(sync, system).record(latency.isNegative() ? Duration.ZERO : latency);
    }

    @Override
    public void conflict(String sync, String field, String policy, String outcome) {
        counters.computeIfAbsent("conflict\0" + sync + "\0" + policy + "\0" + outcome, k -> Counter.builder("twoway.conflicts")
                .description("conflicts decided by a policy, parked for a person, or resolved by one")
                .tags("sync", sync, "policy", policy, "outcome", outcome).register(registry)).increment();
    }

    @Override
    public void error(String sync, String system, Stage stage, boolean unavailable) {
        String s = stage.name().toLowerCase(Locale.ROOT);
        counters.computeIfAbsent("error\0" + sync + "\0" + system + "\0" + s, k -> Counter.builder("twoway.errors")
                .description("failed capture steps, delivery calls and writes (each retried)")
                .tags("sync", sync, "system", system, "stage", s).register(registry)).increment();
    }

    @Override
    public void deadLetter(String sync, String system, Stage stage) {
        String s = stage.name().toLowerCase(Locale.ROOT);
        counters.computeIfAbsent("dead\0" + sync + "\0" + system + "\0" + s, k -> Counter.builder("twoway.dead.lettered")
                .description("changes (capture) and writes (delivery) set aside as dead letters")
                .tags("sync", sync, "system", system, "stage", s).register(registry)).increment();
    }

    @Override
    public void clockMeasured(String system, Duration offset, Duration uncertainty) {
        if (clockOffsets.put(system, offset.toNanos() / 1e9) != null) return;
        Gauge.builder("twoway.clock.offset.seconds", () -> clockOffsets.getOrDefault(system, Double.NaN))
                .description("the system's clock minus the engine's, as last measured (its source times are corrected by it)")
                .tags("system", system).register(registry);
    }

    private Counter counter(String name, String description, String sync, String system) {
        return counters.computeIfAbsent(name + "\0" + sync + "\0" + system, k -> Counter.builder(name).description(description)
                .tags("sync", sync, "system", system).register(registry));
    }

    private Timer latency(String sync, String system) {
        return timers.computeIfAbsent(sync + "\0" + system, k -> Timer.builder("twoway.apply.latency")
                .description("from the commit of a change at its source to its write applied in the target")
                .serviceLevelObjectives(LATENCY_BUCKETS.toArray(Duration[]::new))
                .minimumExpectedValue(LATENCY_BUCKETS.getFirst()).maximumExpectedValue(LATENCY_BUCKETS.getLast())
                .tags("sync", sync, "system", system).register(registry));
    }

    /** Capture lag of one stream: time since it last read everything its source had (since start if never). */
    private void lagGauge(String sync, String system) {
        String key = sync + "/" + system;
        if (!lagGauges.add(key)) return;
        Gauge.builder("twoway.capture.lag.seconds", () -> {
                    Instant since = caughtUp.getOrDefault(key, started);
                    return Math.max(0, Duration.between(since, clock.instant()).toMillis()) / 1000.0;
                }).description("seconds since capture of this system last read everything its source had")
                .tags("sync", sync, "system", system).register(registry);
    }

    // ---- gauges from the status ---------------------------------------------------------------------------------

    /**
     * Adds the gauges read from the syncs' status: outbox depth and delivery lag per target, open conflicts and dead letters per
     * sync, and availability per system (capture lag comes with each stream's first capture step). {@code status} is read at most once
     * per {@code cacheFor}; it is read once now to learn the syncs and endpoints.
     */
    public EngineMetrics watch(Supplier<List<SyncEngine.SyncStatus>> status, Duration cacheFor) {
        StatusCache cache = new StatusCache(status, cacheFor, clock);
        List<SyncEngine.SyncStatus> now = cache.get();
        Set<String> systems = new java.util.LinkedHashSet<>();
        for (SyncEngine.SyncStatus s : now) {
            String sync = s.sync();
            for (SyncEngine.EndpointStatus e : s.endpoints()) {
                String target = e.endpoint();
                systems.add(target);
                gauge(cache, "twoway.outbox.depth", "writes queued for a target", st -> endpoint(st, sync, target)
                        .map(x -> (double) x.queued()).orElse(Double.NaN), "sync", sync, "target", target);
                gauge(cache, "twoway.delivery.lag.seconds", "how long the oldest write due for a target has waited (0: none due)",
                        st -> endpoint(st, sync, target).map(x -> x.oldestDueWait().toMillis() / 1000.0).orElse(Double.NaN),
                        "sync", sync, "target", target);
            }
            gauge(cache, "twoway.open.conflicts", "conflicts waiting for a person", st -> sync(st, sync)
                    .map(x -> (double) x.openConflicts()).orElse(Double.NaN), "sync", sync);
            gauge(cache, "twoway.dead.letters", "dead letters waiting to be retried", st -> sync(st, sync)
                    .map(x -> (double) x.deadLetters()).orElse(Double.NaN), "sync", sync);
        }
        for (String system : systems) {
            gauge(cache, "twoway.system.up", "1 while the engine can work with the system, 0 while its writes wait out an outage"
                    + " or its capture fails", st -> up(st, system), "system", system);
        }
        return this;
    }

    private void gauge(StatusCache cache, String name, String description, Function<List<SyncEngine.SyncStatus>, Double> value, String... tags) {
        Gauge.builder(name, () -> {
            List<SyncEngine.SyncStatus> s = cache.get();
            return s == null ? Double.NaN : value.apply(s);
        }).description(description).tags(tags).register(registry);
    }

    private static java.util.Optional<SyncEngine.SyncStatus> sync(List<SyncEngine.SyncStatus> all, String sync) {
        return all.stream().filter(s -> s.sync().equals(sync)).findFirst();
    }

    private static java.util.Optional<SyncEngine.EndpointStatus> endpoint(List<SyncEngine.SyncStatus> all, String sync, String endpoint) {
        return sync(all, sync).flatMap(s -> s.endpoints().stream().filter(e -> e.endpoint().equals(endpoint)).findFirst());
    }

    /** Down if any endpoint on the system waits out an outage or its capture's last step failed. */
    private static double up(List<SyncEngine.SyncStatus> all, String system) {
        for (SyncEngine.SyncStatus s : all) {
            for (SyncEngine.EndpointStatus e : s.endpoints()) {
                if (e.endpoint().equals(system) && (e.unavailable() || e.captureError() != null)) return 0;
            }
        }
        return 1;
    }

    /** The status, read again only when the last reading is older than {@code ttl}; a failed read keeps none. */
    static final class StatusCache {
        private final Supplier<List<SyncEngine.SyncStatus>> source;
        private final Duration ttl;
        private final InstantSource clock;
        private List<SyncEngine.SyncStatus> value;
        private Instant readAt;

        StatusCache(Supplier<List<SyncEngine.SyncStatus>> source, Duration ttl, InstantSource clock) {
            this.source = source;
            this.ttl = ttl;
            this.clock = clock;
        }

        synchronized List<SyncEngine.SyncStatus> get() {
            Instant now = clock.instant();
            if (readAt == null || !now.isBefore(readAt.plus(ttl))) {
                readAt = now;
                try {
                    value = List.copyOf(source.get());
                } catch (RuntimeException e) {
                    // The gauges show NaN (no data) rather than failing the whole scrape.
                    log.debug("status for metrics not read: {}", e.toString());
                    value = null;
                }
            }
            return value;
        }
    }

    @Override
    public void close() {
        if (gc != null) gc.close();
        registry.close();
    }
}
