package dev.twoway.bench;

import dev.twoway.engine.Backoff;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.EngineRuntime;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.jdbc.Database;
import dev.twoway.jdbc.SqlConnector;
import dev.twoway.jdbc.TableConfig;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.spi.Connector;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark suite of docs/performance.md: initial sync both ways against the plain-copy limit, incremental
 * throughput and commit→visible latency per capture mode, memory, growth with the row count, and the one-way
 * PostgreSQL → MariaDB path beside a real peer, Debezium's embedded engine with a plain JDBC applier ({@link DebeziumPeer}). Prints a table and
 * writes it as CSV and a PNG chart. Never part of the test run.
 *
 * <pre>./mvnw -q -o -Pbench -DskipTests package -pl twoway-bench -am
 * java -Xmx1g --enable-native-access=ALL-UNNAMED -cp twoway-bench/target/benchmarks.jar dev.twoway.bench.BenchSuite \
 *      [--rows N (default 100000)] [--large (1,000,000 rows)] [--scale (also 1M rows, PostgreSQL → MariaDB)]
 *      [--scale-5m (also 5M rows)] [--initial-only (only the initial syncs against their limits)]
 *      [--peer-only (only twoway one-way beside Debezium)] [--no-peer (without the Debezium comparison)]
 *      [--peer-pg HOST:PORT (PostgreSQL with wal_level=logical for the comparison; default 127.0.0.1:5432)]
 *      [--out DIR (default twoway-bench/target/bench)] [--keep (keep the state stores, to look at them)]</pre>
 */
public final class BenchSuite {
    private static final List<String> COLUMNS = SqlSyncBenchmark.COLUMNS;
    private static final List<String> ENDPOINTS = List.of("pg", "my");
    private static final int PAGE_SIZE = 2_000;
    /** Debezium's poll.interval.ms in the second, latency-tuned run of the peer (its default is 500 ms). */
    private static final int TUNED_POLL_MS = 10;

    private final Results results = new Results();
    private final Path work;
    /** host:port of the PostgreSQL server of the Debezium comparison (it needs wal_level = logical) */
    private final String peerPg;

    private BenchSuite(Path work, String peerPg) {
        this.work = work;
        this.peerPg = peerPg;
    }

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        int rows = a.contains("--large") ? 1_000_000 : intArg(a, "--rows", 100_000);
        Path out = Path.of(stringArg(a, "--out", "twoway-bench/target/bench"));
        List<Integer> scale = new ArrayList<>(List.of(Math.max(1_000, rows / 10)));
        if (a.contains("--scale") || a.contains("--scale-5m")) scale.add(1_000_000);
        if (a.contains("--scale-5m")) scale.add(5_000_000);
        Path work = Files.createTempDirectory("twbench");
        BenchSuite suite = new BenchSuite(work, stringArg(a, "--peer-pg", "127.0.0.1:5432"));
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        long t0 = System.nanoTime();
        System.out.printf("twoway benchmark suite: %,d rows of %d columns; load average at start %s; %d CPUs; max heap %,d MB%n",
                rows, COLUMNS.size(), loadBefore, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        try {
            boolean scaleOnly = a.contains("--scale-only");
            boolean initialOnly = a.contains("--initial-only");
            boolean peerOnly = a.contains("--peer-only");
            boolean peer = peerOnly || !(initialOnly || scaleOnly || a.contains("--no-peer"));
            suite.warmUp();
            if (scaleOnly) {
                // Only how time and memory grow with the table: the initial sync at N/10, N and the --scale sizes.
                java.util.TreeSet<Integer> sizes = new java.util.TreeSet<>(scale);
                sizes.add(rows);
                for (int n : sizes) suite.scale(n);
            }
            boolean main = !peerOnly && !scaleOnly;
            if (main) suite.initialAndIncremental(rows, TableConfig.CaptureMode.TRIGGERS, !initialOnly);
            if (main) suite.mariadbToPostgres(rows);
            if (main) suite.initialViaRuntime(rows);
            if (main && !initialOnly) {
                suite.initialAndIncremental(Math.max(1_000, rows / 10), TableConfig.CaptureMode.POLL, true);
                for (int n : scale) if (n != rows) suite.scale(n);
            }
            // last, so that Debezium's classes and caches (Kafka Connect, Jackson, …) never count in twoway's memory figures
            if (peer) {
                suite.warmUpPeer();
                suite.peer(rows);
            }
        } finally {
            if (a.contains("--keep")) System.out.println("kept the state stores in " + work);
            else deleteRecursively(work);
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        suite.results.note("load average (1/5/15 min) at start: " + loadBefore + "; at end: " + loadAfter
                + String.format("; suite took %.0f s", (System.nanoTime() - t0) / 1e9));
        suite.results.print();
        Files.createDirectories(out);
        suite.results.writeCsv(out.resolve("bench.csv"));
        BenchChart.draw(suite.results, out.resolve("bench.png"));
        System.out.println("written " + out.resolve("bench.csv").toAbsolutePath() + " and " + out.resolve("bench.png").toAbsolutePath());
        if (suite.results.failed()) {
            System.out.println("FAILED: at least one correctness check failed (see above)");
            System.exit(1);
        }
    }

    // ---- 1, 2, 3: PostgreSQL → MariaDB initial sync, then incremental and latency in one capture mode ----------

    private void initialAndIncremental(int rows, TableConfig.CaptureMode mode, boolean incremental) throws Exception {
        String m = mode.name().toLowerCase();
        System.out.printf("%n== capture mode %s, %,d rows ==%n", m, rows);
        try (BenchDatabase pg = BenchDatabase.create(BenchDatabase.Kind.POSTGRES); BenchDatabase my = BenchDatabase.create(BenchDatabase.Kind.MARIADB)) {
            pg.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_FILL.formatted(rows), "VACUUM ANALYZE bench");
            my.exec(SqlSyncBenchmark.MY_TABLE.formatted("bench"), SqlSyncBenchmark.MY_TABLE.formatted("bench_limit"));
            double limit = 0;
            if (mode == TableConfig.CaptureMode.TRIGGERS) {
                long t = System.nanoTime();
                long copied = PlainCopy.postgresToMariadb(pg, "bench", my, "bench_limit", COLUMNS);
                limit = copied / seconds(t);
                check("plain copy PG→MariaDB", rows, my.count("bench_limit"));
                System.out.printf("limit: plain copy PostgreSQL → MariaDB %,.0f rows/s%n", limit);
            }
            TableConfig table = mode == TableConfig.CaptureMode.POLL
                    ? TableConfig.of("bench").withPoll("created", null, null).withPageSize(PAGE_SIZE)
                    : TableConfig.of("bench").withPageSize(PAGE_SIZE);
            try (Sync sync = new Sync(work.resolve(m), pg, my, table)) {
                MemorySampler mem = MemorySampler.start();
                long cpu0 = cpuNanos();
                double seconds = sync.drive();
                double cpuMsPer1000 = (cpuNanos() - cpu0) / 1e6 / (rows / 1000.0);
                MemorySampler.Peak peak = mem.stop();
                check("initial sync " + m, rows, my.count("bench"));
                double rate = rows / seconds;
                System.out.printf("twoway initial sync (%s): CPU of this process %.0f ms per 1,000 rows%n", m, cpuMsPer1000);
                System.out.printf("twoway initial sync (%s): %,.0f rows/s; heap peak %,d MB, live (max after a GC) %,d MB, RSS peak %,d MB%n",
                        m, rate, peak.heapMb(), peak.liveMb(), peak.rssMb());
                String initial = "initial PG→MariaDB (" + m + ", " + rows / 1000 + "k rows)";
                results.add("initial", initial, "rows/s", rate, limit == 0 ? null : limit, limit == 0 ? null : 0.6);
                results.add("cpu", initial + " CPU per 1,000 rows", "ms", cpuMsPer1000, null, null);
                results.add("memory", initial + " heap peak", "MB", peak.heapMb(), null, null);
                results.add("memory", initial + " live heap (max after a GC)", "MB", peak.liveMb(), null, null);
                results.add("memory", initial + " RSS peak", "MB", peak.rssMb(), null, null);
                results.add("memory", initial + " retained after a full GC at the end", "MB", peak.retainedMb(), null, null);
                if (mode == TableConfig.CaptureMode.TRIGGERS) {
                    results.add("scale", "PG→MariaDB " + rows / 1000 + "k rows: seconds", "s", seconds, null, null);
                    results.add("scale", "PG→MariaDB " + rows / 1000 + "k rows: live heap (max after a GC)", "MB", peak.liveMb(), null, null);
                }
                if (!incremental) return;
                sync.runtime(mode == TableConfig.CaptureMode.POLL);
                Workload w = new Workload(pg, my, mode == TableConfig.CaptureMode.POLL, rows);
                int burst = Math.min(rows / 4, mode == TableConfig.CaptureMode.POLL ? 5_000 : 20_000);
                double changesPerSecond = w.burst(burst);
                System.out.printf("incremental (%s): %,d updates on each side at once caught up at %,.0f changes/s%n", m, burst, changesPerSecond);
                results.add("incremental", "incremental both sides (" + m + ")", "changes/s", changesPerSecond, null, 20_000.0);
                latency(w, m, "light 10/s", 0);
                latency(w, m, "heavy", Math.max(200, (int) (changesPerSecond * 0.5)));
                sync.stopRuntime();
            }
        }
    }

    private void latency(Workload w, String mode, String load, int backgroundPerSecond) throws Exception {
        Workload.Latencies l = w.latency(10, Duration.ofSeconds(mode.equals("poll") ? 15 : 12), backgroundPerSecond);
        for (var e : l.perDirection().entrySet()) {
            long[] p = Workload.percentiles(e.getValue());
            String name = "latency " + e.getKey() + " (" + mode + ", " + load + (backgroundPerSecond > 0 ? " + " + backgroundPerSecond + " changes/s" : "") + ")";
            System.out.printf("%s: n=%d p50 %d ms p95 %d ms p99 %d ms; timeouts %d%n", name, e.getValue().size(), p[0], p[1], p[2], l.timeouts());
            Double target = mode.equals("triggers") && load.startsWith("light") && e.getKey().startsWith("PG") ? 100.0 : null;
            results.add("latency", name + " p50", "ms", p[0], null, null);
            results.add("latency", name + " p95", "ms", p[1], null, null);
            results.add("latency", name + " p99", "ms", p[2], null, target);
        }
        if (l.timeouts() > 0) results.fail("latency " + mode + " " + load + ": " + l.timeouts() + " changes not visible within 60 s");
    }

    /** Runs both copies and a small sync once, unmeasured, so that neither side of a ratio pays for JIT compilation. */
    private void warmUp() throws Exception {
        System.out.println("warm-up: 5,000 rows, plain copy and twoway (not measured)");
        try (BenchDatabase pg = BenchDatabase.create(BenchDatabase.Kind.POSTGRES); BenchDatabase my = BenchDatabase.create(BenchDatabase.Kind.MARIADB)) {
            pg.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_TABLE.formatted("bench_limit"),
                    SqlSyncBenchmark.PG_FILL.formatted(5_000));
            my.exec(SqlSyncBenchmark.MY_TABLE.formatted("bench"), SqlSyncBenchmark.MY_TABLE.formatted("bench_limit"));
            PlainCopy.postgresToMariadb(pg, "bench", my, "bench_limit", COLUMNS);
            PlainCopy.mariadbToPostgres(my, "bench_limit", pg, "bench_limit", COLUMNS);
            try (Sync sync = new Sync(work.resolve("warm-up"), pg, my, TableConfig.of("bench").withPageSize(PAGE_SIZE))) {
                sync.drive();
            }
        }
    }

    /** One small Debezium snapshot and one small one-way twoway sync on the peer's server, unmeasured. */
    private void warmUpPeer() throws Exception {
        System.out.println("\nwarm-up: 5,000 rows, Debezium and twoway one-way (not measured)");
        try (BenchDatabase pg = BenchDatabase.create(BenchDatabase.Kind.POSTGRES, peerPg); BenchDatabase my = BenchDatabase.create(BenchDatabase.Kind.MARIADB)) {
            pg.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_FILL.formatted(5_000));
            my.exec(SqlSyncBenchmark.MY_TABLE.formatted("bench"));
            try (DebeziumPeer dbz = new DebeziumPeer(pg, my, work)) {
                dbz.start();
                dbz.awaitApplied(5_000, Duration.ofMinutes(5));
            }
            try (Sync sync = new Sync(work.resolve("warm-up-peer"), pg, my, TableConfig.of("bench").withPageSize(PAGE_SIZE), true)) {
                my.exec("DELETE FROM bench");
                sync.drive();
            }
        }
    }

    // ---- 6: one way PostgreSQL → MariaDB, twoway beside Debezium embedded + plain JDBC ------------------------

    /** What one replicator achieved in {@link #peer}: initial rows/s, incremental changes/s, latency p50/p95/p99 in ms. */
    private record PeerRun(double initial, double incremental, long[] latency) {
    }

    /**
     * The same table, filled identically in PostgreSQL databases of their own, replicated one way into MariaDB: by
     * twoway (trigger capture on PostgreSQL, MariaDB write-only), by {@link DebeziumPeer} with Debezium's defaults,
     * and by {@link DebeziumPeer} with a short poll interval. Each runs alone, one after the other: the initial copy,
     * a burst of updates, and the commit→visible latency at 10 changes/s. The lines of section {@code peer} carry
     * twoway's figure as the value and Debezium's as the baseline, so their ratio is twoway ÷ Debezium.
     */
    private void peer(int rows) throws Exception {
        System.out.printf("%n== one way PostgreSQL → MariaDB: twoway beside Debezium embedded + JDBC, %,d rows ==%n", rows);
        int burst = Math.min(rows / 4, 20_000);
        PeerRun tw = peerTwoway(rows, burst);
        PeerRun dbz = peerDebezium(rows, burst, "defaults", Map.of());
        PeerRun tuned = peerDebezium(rows, burst, "poll " + TUNED_POLL_MS + " ms", Map.of("poll.interval.ms", String.valueOf(TUNED_POLL_MS)));
        String[] q = {"p50", "p95", "p99"};
        for (var e : Map.of("Debezium defaults", dbz, "Debezium poll " + TUNED_POLL_MS + " ms", tuned).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            PeerRun d = e.getValue();
            String vs = " vs " + e.getKey();
            results.add("peer", "initial PG→MariaDB one-way (" + rows / 1000 + "k rows)" + vs, "rows/s", tw.initial(), d.initial(), null);
            results.add("peer", "incremental PG→MariaDB one-way (" + burst / 1000 + "k updates)" + vs, "changes/s", tw.incremental(), d.incremental(), null);
            for (int i = 0; i < 3; i++) {
                results.add("peer", "latency PG→MariaDB one-way (light 10/s) " + q[i] + vs, "ms", tw.latency()[i], (double) d.latency()[i], null);
            }
        }
    }

    private PeerRun peerTwoway(int rows, int burst) throws Exception {
        try (BenchDatabase pg = BenchDatabase.create(BenchDatabase.Kind.POSTGRES, peerPg); BenchDatabase my = BenchDatabase.create(BenchDatabase.Kind.MARIADB)) {
            pg.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_FILL.formatted(rows), "VACUUM ANALYZE bench");
            my.exec(SqlSyncBenchmark.MY_TABLE.formatted("bench"));
            try (Sync sync = new Sync(work.resolve("peer-twoway"), pg, my, TableConfig.of("bench").withPageSize(PAGE_SIZE), true)) {
                double seconds = sync.drive();
                check("twoway one-way initial", rows, my.count("bench"));
                double initial = rows / seconds;
                System.out.printf("twoway one-way initial: %,.0f rows/s (%.1f s)%n", initial, seconds);
                sync.runtime(false);
                Workload w = new Workload(pg, my, false, rows, true, "tw");
                double incremental = w.burst(burst);
                System.out.printf("twoway one-way incremental: %,d updates caught up at %,.0f changes/s%n", burst, incremental);
                long[] latency = oneWayLatency(w, "twoway triggers");
                sync.stopRuntime();
                sameAsPostgres("twoway one-way target after the burst and the probes", pg, my, rows);
                return new PeerRun(initial, incremental, latency);
            }
        }
    }

    /** Debezium's snapshot is timed from the engine's start (slot creation included) until the last row is committed. */
    private PeerRun peerDebezium(int rows, int burst, String label, Map<String, String> overrides) throws Exception {
        try (BenchDatabase pg = BenchDatabase.create(BenchDatabase.Kind.POSTGRES, peerPg); BenchDatabase my = BenchDatabase.create(BenchDatabase.Kind.MARIADB)) {
            pg.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_FILL.formatted(rows), "VACUUM ANALYZE bench");
            my.exec(SqlSyncBenchmark.MY_TABLE.formatted("bench"));
            try (DebeziumPeer dbz = new DebeziumPeer(pg, my, work, overrides)) {
                System.out.println("Debezium (" + label + "): " + dbz.configuration());
                long t0 = System.nanoTime();
                dbz.start();
                dbz.awaitApplied(rows, Duration.ofMinutes(30));
                double seconds = (dbz.lastAppliedNanos() - t0) / 1e9;
                double startup = (dbz.firstAppliedNanos() - t0) / 1e9;
                check("Debezium (" + label + ") snapshot", rows, my.count("bench"));
                double initial = rows / seconds;
                System.out.printf("Debezium (%s) snapshot: %,.0f rows/s (%.1f s from the engine's start, first batch applied after %.1f s; %,d batches)%n",
                        label, initial, seconds, startup, dbz.batches());
                results.add("peer", "Debezium (" + label + "): engine start → first snapshot batch applied", "s", startup, null, null);
                Workload w = new Workload(pg, my, false, rows, true, "dbz");
                double incremental = w.burst(burst);
                System.out.printf("Debezium (%s) incremental: %,d updates caught up at %,.0f changes/s%n", label, burst, incremental);
                long[] latency = oneWayLatency(w, "Debezium " + label);
                sameAsPostgres("Debezium (" + label + ") target after the snapshot, the burst and the probes", pg, my, rows);
                return new PeerRun(initial, incremental, latency);
            }
        }
    }

    private long[] oneWayLatency(Workload w, String who) throws Exception {
        Workload.Latencies l = w.latency(10, Duration.ofSeconds(12), 0);
        List<Long> ms = l.perDirection().get("PG→MariaDB");
        long[] p = Workload.percentiles(ms);
        String name = "latency PG→MariaDB one-way, " + who + ", light 10/s";
        System.out.printf("%s: n=%d p50 %d ms p95 %d ms p99 %d ms; timeouts %d%n", name, ms.size(), p[0], p[1], p[2], l.timeouts());
        results.add("latency", name + " p50", "ms", p[0], null, null);
        results.add("latency", name + " p95", "ms", p[1], null, null);
        results.add("latency", name + " p99", "ms", p[2], null, null);
        if (l.timeouts() > 0) results.fail(name + ": " + l.timeouts() + " changes not visible within 60 s");
        return p;
    }

    /** The MariaDB table must equal PostgreSQL's: row count and aggregates over every column (as in SqlSyncBenchmark). */
    private void sameAsPostgres(String what, BenchDatabase pg, BenchDatabase my, int rows) throws Exception {
        List<Object> expected = SqlSyncBenchmark.contents(pg.connect(), SqlSyncBenchmark.PG_CHECK.formatted("bench"),
                SqlSyncBenchmark.PG_ROWS.formatted("bench"));
        List<Object> actual = SqlSyncBenchmark.contents(my.connect(), SqlSyncBenchmark.MY_CHECK.formatted("bench"),
                SqlSyncBenchmark.MY_ROWS.formatted("bench"));
        List<String> diffs = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            if (!SqlSyncBenchmark.same(expected.get(i), actual.get(i))) diffs.add("aggregate #" + (i + 1) + ": PostgreSQL " + expected.get(i) + ", MariaDB " + actual.get(i));
        }
        if (!diffs.isEmpty()) results.fail(what + ": " + String.join("; ", diffs));
        else System.out.printf("  check %s: equal to PostgreSQL (%,d rows, every column aggregated)%n", what, rows);
    }

    // ---- 1b: PostgreSQL → MariaDB initial sync as `twoway run` does it ------------------------------------------

    /**
     * The initial sync of {@link #initialAndIncremental} driven by the realtime runtime, as {@code twoway run} does it:
     * PostgreSQL's capture and MariaDB's delivery on threads of their own, at the same time (the other figures drive
     * the engine by hand on one thread, capture then delivery, as {@code twoway sync --once} does).
     */
    private void initialViaRuntime(int rows) throws Exception {
        System.out.printf("%n== initial sync PostgreSQL → MariaDB as twoway run does it, %,d rows ==%n", rows);
        try (BenchDatabase pg = BenchDatabase.create(BenchDatabase.Kind.POSTGRES); BenchDatabase my = BenchDatabase.create(BenchDatabase.Kind.MARIADB)) {
            pg.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_FILL.formatted(rows), "VACUUM ANALYZE bench");
            my.exec(SqlSyncBenchmark.MY_TABLE.formatted("bench"), SqlSyncBenchmark.MY_TABLE.formatted("bench_limit"));
            long t = System.nanoTime();
            long copied = PlainCopy.postgresToMariadb(pg, "bench", my, "bench_limit", COLUMNS);
            double limit = copied / seconds(t);
            System.out.printf("limit: plain copy PostgreSQL → MariaDB %,d rows in %.1f s: %,.0f rows/s%n", copied, seconds(t), limit);
            try (Sync sync = new Sync(work.resolve("runtime"), pg, my, TableConfig.of("bench").withPageSize(PAGE_SIZE))) {
                long cpu0 = cpuNanos();
                long t0 = System.nanoTime();
                sync.runtime(false);
                long deadline = t0 + Duration.ofMinutes(30).toNanos();
                while (my.count("bench") < rows || sync.queued() > 0) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the runtime did not finish the initial sync in 30 minutes");
                    Thread.sleep(20);
                }
                double seconds = seconds(t0);
                double cpuMsPer1000 = (cpuNanos() - cpu0) / 1e6 / (rows / 1000.0);
                sync.stopRuntime();
                check("initial sync via the runtime", rows, my.count("bench"));
                double rate = rows / seconds;
                System.out.printf("twoway initial sync as twoway run does it: %,.0f rows/s; CPU of this process %.0f ms per 1,000 rows%n", rate, cpuMsPer1000);
                String name = "initial PG→MariaDB (triggers, " + rows / 1000 + "k rows), as twoway run does it";
                results.add("initial", name, "rows/s", rate, limit, 0.6);
                results.add("cpu", name + " CPU per 1,000 rows", "ms", cpuMsPer1000, null, null);
            }
        }
    }

    // ---- 1: MariaDB → PostgreSQL initial sync --------------------------------------------------------------

    private void mariadbToPostgres(int rows) throws Exception {
        System.out.printf("%n== MariaDB → PostgreSQL, %,d rows ==%n", rows);
        try (BenchDatabase src = BenchDatabase.create(BenchDatabase.Kind.POSTGRES);
             BenchDatabase pg = BenchDatabase.create(BenchDatabase.Kind.POSTGRES);
             BenchDatabase my = BenchDatabase.create(BenchDatabase.Kind.MARIADB)) {
            // the same rows as the other direction, generated in PostgreSQL and copied into MariaDB first
            src.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_FILL.formatted(rows));
            my.exec(SqlSyncBenchmark.MY_TABLE.formatted("bench"));
            PlainCopy.postgresToMariadb(src, "bench", my, "bench", COLUMNS);
            my.exec("ANALYZE TABLE bench");
            pg.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_TABLE.formatted("bench_limit"));
            long t = System.nanoTime();
            long copied = PlainCopy.mariadbToPostgres(my, "bench", pg, "bench_limit", COLUMNS);
            double limit = copied / seconds(t);
            check("plain copy MariaDB→PG", rows, pg.count("bench_limit"));
            System.out.printf("limit: plain copy MariaDB → PostgreSQL %,.0f rows/s%n", limit);
            try (Sync sync = new Sync(work.resolve("m2p"), pg, my, TableConfig.of("bench").withPageSize(PAGE_SIZE))) {
                long cpu0 = cpuNanos();
                double seconds = sync.drive();
                double cpuMsPer1000 = (cpuNanos() - cpu0) / 1e6 / (rows / 1000.0);
                check("initial sync MariaDB→PG", rows, pg.count("bench"));
                System.out.printf("twoway initial sync MariaDB → PostgreSQL: CPU of this process %.0f ms per 1,000 rows%n", cpuMsPer1000);
                results.add("cpu", "initial MariaDB→PG (triggers, " + rows / 1000 + "k rows) CPU per 1,000 rows", "ms", cpuMsPer1000, null, null);
                System.out.printf("twoway initial sync MariaDB → PostgreSQL: %,.0f rows/s%n", rows / seconds);
                results.add("initial", "initial MariaDB→PG (triggers, " + rows / 1000 + "k rows)", "rows/s", rows / seconds, limit, 0.6);
            }
        }
    }

    // ---- 5: growth with the row count --------------------------------------------------------------------

    private void scale(int rows) throws Exception {
        System.out.printf("%n== scale: %,d rows PostgreSQL → MariaDB ==%n", rows);
        try (BenchDatabase pg = BenchDatabase.create(BenchDatabase.Kind.POSTGRES); BenchDatabase my = BenchDatabase.create(BenchDatabase.Kind.MARIADB)) {
            pg.exec(SqlSyncBenchmark.PG_TABLE.formatted("bench"), SqlSyncBenchmark.PG_FILL.formatted(rows), "VACUUM ANALYZE bench");
            my.exec(SqlSyncBenchmark.MY_TABLE.formatted("bench"));
            try (Sync sync = new Sync(work.resolve("scale" + rows), pg, my, TableConfig.of("bench").withPageSize(PAGE_SIZE))) {
                MemorySampler mem = MemorySampler.start();
                double seconds = sync.drive();
                MemorySampler.Peak peak = mem.stop();
                check("scale " + rows, rows, my.count("bench"));
                System.out.printf("%,d rows in %.1f s; heap peak %,d MB, live (max after a GC) %,d MB, RSS peak %,d MB%n", rows, seconds,
                        peak.heapMb(), peak.liveMb(), peak.rssMb());
                results.add("scale", "PG→MariaDB " + rows / 1000 + "k rows: seconds", "s", seconds, null, null);
                results.add("scale", "PG→MariaDB " + rows / 1000 + "k rows: live heap (max after a GC)", "MB", peak.liveMb(), null, rows >= 5_000_000 ? 512.0 : null);
                results.add("scale", "PG→MariaDB " + rows / 1000 + "k rows: heap peak", "MB", peak.heapMb(), null, null);
                results.add("scale", "PG→MariaDB " + rows / 1000 + "k rows: RSS peak", "MB", peak.rssMb(), null, null);
                results.add("scale", "PG→MariaDB " + rows / 1000 + "k rows: retained after a full GC at the end", "MB", peak.retainedMb(), null, null);
            }
        }
    }

    private void check(String what, long expected, long actual) {
        if (expected != actual) results.fail(what + ": " + actual + " rows, expected " + expected);
        else System.out.printf("  check %s: %,d rows%n", what, actual);
    }

    /** CPU time of this whole process (all threads, JIT and GC included). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static int intArg(List<String> a, String name, int dflt) {
        int i = a.indexOf(name);
        return i < 0 ? dflt : Integer.parseInt(a.get(i + 1).replace("_", ""));
    }

    private static String stringArg(List<String> a, String name, String dflt) {
        int i = a.indexOf(name);
        return i < 0 ? dflt : a.get(i + 1);
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** One two-way sync of the bench table between a PostgreSQL and a MariaDB database, with its own state store. */
    static final class Sync implements AutoCloseable {
        final SyncEngine engine;
        final Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
        final Map<String, Connector> connectors = new LinkedHashMap<>();
        final SqliteStateStore store;
        EngineRuntime runtime;

        Sync(Path dir, BenchDatabase pg, BenchDatabase my, TableConfig table) throws java.io.IOException {
            this(dir, pg, my, table, false);
        }

        /** @param oneWay PostgreSQL is only read ({@link Direction#SOURCE}), MariaDB only written ({@link Direction#TARGET}) */
        Sync(Path dir, BenchDatabase pg, BenchDatabase my, TableConfig table, boolean oneWay) throws java.io.IOException {
            Files.createDirectories(dir);
            connectors.put("pg", new SqlConnector(new Database("pg", pg.url, pg.user, null, null), Map.of("bench", table), dir));
            connectors.put("my", new SqlConnector(new Database("my", my.url, my.user, null, null), Map.of("bench", table), dir));
            EndpointMapping mapping = EndpointMapping.identity(Set.copyOf(COLUMNS));
            SyncDefinition sync = new SyncDefinition("bench", List.of(
                    new EndpointDefinition("pg", "bench", oneWay ? Direction.SOURCE : Direction.BOTH, mapping, null),
                    new EndpointDefinition("my", "bench", oneWay ? Direction.TARGET : Direction.BOTH, mapping, null)),
                    ConflictSettings.lastWriteWins(ENDPOINTS), List.of("id"));
            for (String e : ENDPOINTS) {
                Connector c = connectors.get(e);
                io.put(e, new SyncEngine.EndpointIo(c.source("bench"), c.sink("bench")));
            }
            store = SqliteStateStore.open(dir.resolve("state.db"));
            engine = new SyncEngine(sync, io, store, EngineOptions.defaults());
        }

        /** Drives the engine by hand until a whole round moves nothing; returns the seconds until then. */
        double drive() {
            long t0 = System.nanoTime();
            boolean quiet;
            do {
                quiet = true;
                for (String e : ENDPOINTS) {
                    SyncEngine.CaptureReport r;
                    do {
                        r = engine.captureOnce(e);
                        if (r.resolved() > 0) quiet = false;
                    } while (!r.caughtUp());
                }
                for (String e : ENDPOINTS) {
                    SyncEngine.DeliveryReport d;
                    do {
                        d = engine.deliverOnce(e);
                        if (d.due() > 0) quiet = false;
                        if (d.targetUnavailable()) throw new IllegalStateException("endpoint " + e + " unavailable");
                    } while (d.due() > 0);
                }
            } while (!quiet);
            return seconds(t0);
        }

        /** Starts the realtime runtime as {@code twoway run} would, with the configuration's default intervals. */
        void runtime(boolean poll) {
            Map<String, SyncEngine.EndpointIo> byName = new LinkedHashMap<>();
            io.forEach((e, x) -> byName.put("bench/" + e, x));
            runtime = new EngineRuntime(List.of(engine), byName, connectors, new EngineRuntime.Options(Duration.ofSeconds(1),
                    Duration.ofSeconds(1), new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30)), Duration.ofMinutes(5)));
            runtime.start();
        }

        /** Writes queued in the outbox, all endpoints. */
        long queued() {
            return engine.status().endpoints().stream().mapToLong(SyncEngine.EndpointStatus::queued).sum();
        }

        void stopRuntime() {
            runtime.stop(Duration.ofSeconds(30));
            runtime.failure().ifPresent(f -> {
                throw new IllegalStateException("the runtime failed: " + f, f);
            });
            runtime = null;
        }

        @Override
        public void close() {
            if (runtime != null) runtime.stop(Duration.ofSeconds(30));
            for (SyncEngine.EndpointIo e : io.values()) {
                e.source().close();
                e.sink().close();
            }
            store.close();
        }
    }
}
