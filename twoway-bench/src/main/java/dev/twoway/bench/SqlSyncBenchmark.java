package dev.twoway.bench;

import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.jdbc.Database;
import dev.twoway.jdbc.SqlConnector;
import dev.twoway.jdbc.TableConfig;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * PostgreSQL → MariaDB throughput of twoway's JDBC connectors, beside a plain JDBC copy measured in the same run.
 * A plain {@code main}, not JMH: each phase moves N rows once and is timed with the wall clock.
 *
 * <p>Phases, all on one 15-column table {@code bench} (bigint key, text, integers, decimals, boolean, timestamp,
 * date; some NULLs) filled in PostgreSQL with {@code generate_series}:
 * <ol>
 *   <li><b>baseline</b>: plain JDBC reads the N rows from PostgreSQL (autocommit off, fetch size 10,000) and inserts
 *       them into an empty MariaDB table ({@code bench_baseline}) in JDBC batches of 1,000 rows, committing per
 *       batch ({@code rewriteBatchedStatements=true}).</li>
 *   <li><b>initial</b>: a two-way sync (trigger capture on both sides, shared key {@code id}, last writer wins)
 *       copies the N rows into the empty MariaDB table {@code bench}: snapshot capture of PostgreSQL, resolve,
 *       delivery to MariaDB, then a capture of MariaDB (whose triggers log none of twoway's own writes), until quiet.</li>
 *   <li><b>incremental</b>: one {@code UPDATE bench SET qty = qty + 1} in PostgreSQL changes every row; timed from
 *       its commit until twoway has brought every change to MariaDB (the trigger log is captured, resolved and
 *       delivered).</li>
 * </ol>
 * The engine is driven by hand in rounds (capture each endpoint until caught up, then deliver each endpoint until
 * nothing is due) until a round resolves nothing and has nothing due. "seconds" is the time until the last write
 * reached MariaDB; "settled" adds the rounds that follow it until nothing moves. After each phase the MariaDB table is
 * compared with PostgreSQL (row count and aggregates over every column); a mismatch prints a {@code FAILED} line
 * and makes the exit status 1. The table is also written to {@code twoway-bench/target/sql-sync-benchmark.csv}.
 *
 * <p>Needs PostgreSQL at 127.0.0.1:5432 (user {@code postgres}, trust) and MariaDB at 127.0.0.1:3306 (user
 * {@code root}, no password); creates and finally drops the databases {@value #PG_DB} and {@value #MY_DB}.
 *
 * <pre>./mvnw -B -Pbench -DskipTests package -pl twoway-bench -am
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *      -cp twoway-bench/target/benchmarks.jar dev.twoway.bench.SqlSyncBenchmark [rows, default 100000]</pre>
 */
public final class SqlSyncBenchmark {
    static final String PG_DB = "twbench_pg";
    static final String MY_DB = "twbench_my";
    private static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/" + PG_DB;
    private static final String PG_USER = "postgres";
    private static final String MY_ADMIN_URL = "jdbc:mariadb://127.0.0.1:3306/";
    private static final String MY_URL = "jdbc:mariadb://127.0.0.1:3306/" + MY_DB;
    private static final String MY_USER = "root";
    private static final Path CSV = Path.of("twoway-bench", "target", "sql-sync-benchmark.csv");

    private static final int FETCH_SIZE = 10_000;
    private static final int BASELINE_BATCH = 1_000;
    private static final int PAGE_SIZE = 2_000;
    private static final long PROGRESS_NANOS = 10_000_000_000L;
    private static final long GIVE_UP_NANOS = 60L * 60 * 1_000_000_000L;
    private static final List<String> ENDPOINTS = List.of("pg", "my");

    static final List<String> COLUMNS = List.of("id", "name", "email", "qty", "price", "active", "created", "note",
            "c1", "c2", "c3", "c4", "c5", "c6", "c7");

    static final String PG_TABLE = """
            CREATE TABLE %s (id bigint PRIMARY KEY, name varchar(100), email varchar(100), qty integer, price numeric(12,2),
              active boolean, created timestamp(6), note text, c1 varchar(50), c2 varchar(50), c3 integer, c4 bigint,
              c5 numeric(10,3), c6 date, c7 varchar(20))""";
    static final String MY_TABLE = """
            CREATE TABLE %s (id BIGINT PRIMARY KEY, name VARCHAR(100), email VARCHAR(100), qty INT, price DECIMAL(12,2),
              active BOOLEAN, created DATETIME(6), note TEXT, c1 VARCHAR(50), c2 VARCHAR(50), c3 INT, c4 BIGINT,
              c5 DECIMAL(10,3), c6 DATE, c7 VARCHAR(20)) ENGINE=InnoDB""";
    static final String PG_FILL = """
            INSERT INTO bench
            SELECT g, 'name ' || g, 'user' || g || '@example.com', (g %% 1000)::int, round((g %% 100000) / 7.0, 2),
                   g %% 2 = 0, timestamp '2024-01-01 00:00:00' + g * interval '1.234567 second',
                   CASE WHEN g %% 7 = 0 THEN NULL ELSE repeat('note ', 1 + (g %% 10)::int) || g END,
                   'c1-' || g, md5(g::text), ((g * 7) %% 100000)::int, g * 1000003,
                   round((g %% 1000000) / 1000.0, 3), date '2020-01-01' + (g %% 3650)::int,
                   CASE WHEN g %% 11 = 0 THEN NULL ELSE 'k' || (g %% 97) END
            FROM generate_series(1::bigint, %d) g""";

    /**
     * Aggregates over every column, in the same order for both databases; equal results mean equal tables for all
     * practical purposes here (the generated values differ per row in every column).
     */
    static final String PG_CHECK = """
            SELECT count(*), coalesce(sum(id), 0), coalesce(sum(qty), 0), coalesce(sum(price), 0),
                   count(*) FILTER (WHERE active), coalesce(sum(c3), 0), coalesce(sum(c4), 0), coalesce(sum(c5), 0),
                   coalesce(sum(length(name) + length(email) + coalesce(length(note), 0) + length(c1) + length(c2)
                                + coalesce(length(c7), 0)), 0),
                   count(note), count(c7),
                   to_char(min(created), 'YYYY-MM-DD HH24:MI:SS.US'), to_char(max(created), 'YYYY-MM-DD HH24:MI:SS.US'),
                   coalesce(sum(extract(microseconds FROM created)), 0),
                   min(c6)::text, max(c6)::text, coalesce(sum(c6 - date '2000-01-01'), 0)
            FROM %s""";
    static final String MY_CHECK = """
            SELECT count(*), coalesce(sum(id), 0), coalesce(sum(qty), 0), coalesce(sum(price), 0),
                   coalesce(sum(active = TRUE), 0), coalesce(sum(c3), 0), coalesce(sum(c4), 0), coalesce(sum(c5), 0),
                   coalesce(sum(char_length(name) + char_length(email) + coalesce(char_length(note), 0) + char_length(c1)
                                + char_length(c2) + coalesce(char_length(c7), 0)), 0),
                   count(note), count(c7),
                   date_format(min(created), '%%Y-%%m-%%d %%H:%%i:%%s.%%f'), date_format(max(created), '%%Y-%%m-%%d %%H:%%i:%%s.%%f'),
                   coalesce(sum(microsecond(created) + 1000000 * second(created)), 0),
                   cast(min(c6) AS CHAR), cast(max(c6) AS CHAR), coalesce(sum(datediff(c6, '2000-01-01')), 0)
            FROM %s""";
    /**
     * Per row, in id order, the md5 of the text columns the sums above cannot see (their content, not just their
     * length); {@link #contents} hashes the list. It was a {@code GROUP_CONCAT} in {@link #MY_CHECK}, which MariaDB
     * cuts at {@code max_allowed_packet} (16 MiB by default: 524,288 rows), so every 1M-row check failed.
     */
    static final String PG_ROWS = "SELECT md5(coalesce(note, '') || c2 || coalesce(c7, '')) FROM %s ORDER BY id";
    static final String MY_ROWS = "SELECT md5(concat(coalesce(note, ''), c2, coalesce(c7, ''))) FROM %s ORDER BY id";

    /** One line of the result table. */
    record Result(String phase, long rows, double seconds, double settledSeconds) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }

    /** Totals of one twoway run, per endpoint, and where its time went. */
    static final class Totals {
        final Map<String, long[]> perEndpoint = new LinkedHashMap<>(); // captured, resolved, applied, retried, dead-lettered
        final Map<String, Long> nanos = new LinkedHashMap<>();          // "capture pg" → time spent
        long lastWriteNanos;                                            // when the last write was applied (System.nanoTime)
        int rounds;

        long[] of(String endpoint) {
            return perEndpoint.computeIfAbsent(endpoint, e -> new long[5]);
        }

        void time(String step, long from) {
            nanos.merge(step, System.nanoTime() - from, Long::sum);
        }
    }

    private static boolean failed;

    private SqlSyncBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 100_000;
        System.out.printf("SQL sync benchmark: %,d rows of %d columns, PostgreSQL → MariaDB%n", n, COLUMNS.size());
        System.out.printf("twoway: capture mode %s, page size %,d, engine batch size %,d, SQLite state store%n%n",
                TableConfig.of("bench").capture(), PAGE_SIZE, EngineOptions.defaults().batchSize());

        createDatabases();
        List<Result> results = new ArrayList<>();
        Path work = Files.createTempDirectory("twbench");
        try {
            fillPostgres(n);
            results.add(baseline(n));
            results.addAll(twoway(n, work));
        } finally {
            deleteRecursively(work);
            dropDatabases();
        }
        print(results);
        writeCsv(results);
        if (failed) {
            System.out.println("\nFAILED: at least one correctness check failed (see above)");
            System.exit(1);
        }
    }

    // ---- setup ----------------------------------------------------------------------------------------------

    private static Connection pgAdmin() throws SQLException {
        return DriverManager.getConnection(PG_ADMIN_URL, PG_USER, null);
    }

    private static Connection pg() throws SQLException {
        return DriverManager.getConnection(PG_URL, PG_USER, null);
    }

    private static Connection myAdmin() throws SQLException {
        return DriverManager.getConnection(MY_ADMIN_URL, MY_USER, null);
    }

    private static Connection my() throws SQLException {
        return DriverManager.getConnection(MY_URL, MY_USER, null);
    }

    private static void createDatabases() throws SQLException {
        dropDatabases();
        try (Connection c = pgAdmin(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + PG_DB);
        }
        try (Connection c = myAdmin(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + MY_DB);
        }
        try (Connection c = pg(); Statement s = c.createStatement()) {
            s.execute(PG_TABLE.formatted("bench"));
        }
        try (Connection c = my(); Statement s = c.createStatement()) {
            s.execute(MY_TABLE.formatted("bench"));
            s.execute(MY_TABLE.formatted("bench_baseline"));
        }
    }

    private static void dropDatabases() throws SQLException {
        try (Connection c = pgAdmin(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + PG_DB + " WITH (FORCE)");
        }
        try (Connection c = myAdmin(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + MY_DB);
        }
    }

    private static void fillPostgres(int n) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = pg(); Statement s = c.createStatement()) {
            s.execute(PG_FILL.formatted(n));
            s.execute("VACUUM ANALYZE bench");
        }
        System.out.printf("filled PostgreSQL with %,d rows in %.1f s%n", n, secondsSince(t0));
    }

    // ---- (1) baseline: plain JDBC batch copy ---------------------------------------------------------------

    private static Result baseline(int n) throws SQLException {
        System.out.println("\n[baseline] plain JDBC batch copy PostgreSQL → MariaDB (bench_baseline)");
        String insert = "INSERT INTO bench_baseline (" + String.join(", ", COLUMNS) + ") VALUES ("
                + String.join(", ", COLUMNS.stream().map(c -> "?").toList()) + ")";
        long t0 = System.nanoTime();
        long nextReport = t0 + PROGRESS_NANOS;
        long copied = 0;
        try (Connection src = pg(); Connection dst = DriverManager.getConnection(MY_URL + "?rewriteBatchedStatements=true", MY_USER, null)) {
            src.setAutoCommit(false);
            dst.setAutoCommit(false);
            try (Statement read = src.createStatement(); PreparedStatement write = dst.prepareStatement(insert)) {
                read.setFetchSize(FETCH_SIZE);
                try (ResultSet rs = read.executeQuery("SELECT " + String.join(", ", COLUMNS) + " FROM bench")) {
                    int inBatch = 0;
                    while (rs.next()) {
                        for (int i = 1; i <= COLUMNS.size(); i++) {
                            Object v = switch (COLUMNS.get(i - 1)) {
                                case "created" -> rs.getObject(i, LocalDateTime.class);
                                case "c6" -> rs.getObject(i, LocalDate.class);
                                default -> rs.getObject(i);
                            };
                            write.setObject(i, v);
                        }
                        write.addBatch();
                        if (++inBatch == BASELINE_BATCH) {
                            write.executeBatch();
                            dst.commit();
                            copied += inBatch;
                            inBatch = 0;
                            if (System.nanoTime() > nextReport) {
                                System.out.printf("  %,d rows copied (%.0f s)%n", copied, secondsSince(t0));
                                nextReport = System.nanoTime() + PROGRESS_NANOS;
                            }
                        }
                    }
                    if (inBatch > 0) {
                        write.executeBatch();
                        dst.commit();
                        copied += inBatch;
                    }
                }
            }
            src.commit();
        }
        double seconds = secondsSince(t0);
        System.out.printf("  %,d rows copied in %.2f s%n", copied, seconds);
        verify("baseline", n, "bench_baseline");
        return new Result("baseline: plain JDBC batch copy", n, seconds, seconds);
    }

    // ---- (2) and (3): twoway --------------------------------------------------------------------------------

    private static List<Result> twoway(int n, Path work) throws SQLException {
        Database pgDb = new Database("pg", PG_URL, PG_USER, null, null);
        Database myDb = new Database("my", MY_URL, MY_USER, null, null);
        TableConfig table = TableConfig.of("bench").withPageSize(PAGE_SIZE);
        SqlConnector pgConn = new SqlConnector(pgDb, Map.of("bench", table), work);
        SqlConnector myConn = new SqlConnector(myDb, Map.of("bench", table), work);
        EndpointMapping mapping = EndpointMapping.identity(Set.copyOf(COLUMNS));
        SyncDefinition sync = new SyncDefinition("bench", List.of(
                new EndpointDefinition("pg", "bench", Direction.BOTH, mapping, null),
                new EndpointDefinition("my", "bench", Direction.BOTH, mapping, null)),
                ConflictSettings.lastWriteWins(ENDPOINTS), List.of("id"));
        Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
        io.put("pg", new SyncEngine.EndpointIo(pgConn.source("bench"), pgConn.sink("bench")));
        io.put("my", new SyncEngine.EndpointIo(myConn.source("bench"), myConn.sink("bench")));
        SqliteStateStore store = SqliteStateStore.open(work.resolve("state.db"));
        try {
            SyncEngine engine = new SyncEngine(sync, io, store, EngineOptions.defaults());
            List<Result> results = new ArrayList<>();

            System.out.println("\n[initial] twoway initial sync PostgreSQL → MariaDB (bench)");
            results.add(runSync("twoway: initial sync", engine, n, System.nanoTime()));
            verify("initial", n, "bench");

            System.out.println("\n[incremental] UPDATE bench SET qty = qty + 1 in PostgreSQL, then twoway");
            long u0 = System.nanoTime();
            int updated;
            try (Connection c = pg(); Statement s = c.createStatement()) {
                updated = s.executeUpdate("UPDATE bench SET qty = qty + 1");
            }
            long committed = System.nanoTime();
            System.out.printf("  UPDATE of %,d rows committed in %.2f s (with twoway's capture triggers; not part of the timing)%n",
                    updated, (committed - u0) / 1e9);
            results.add(runSync("twoway: incremental (1 column, all rows)", engine, n, committed));
            verify("incremental", n, "bench");
            return results;
        } finally {
            for (SyncEngine.EndpointIo e : io.values()) {
                e.source().close();
                e.sink().close();
            }
            store.close();
        }
    }

    /**
     * Drives the engine in rounds until one round resolves nothing and finds nothing due; {@code start} is when
     * the phase began (for the incremental phase, the commit of the UPDATE).
     */
    private static Result runSync(String phase, SyncEngine engine, int n, long start) {
        Totals totals = new Totals();
        long nextReport = start + PROGRESS_NANOS;
        boolean quiet;
        do {
            quiet = true;
            totals.rounds++;
            for (String e : ENDPOINTS) {
                SyncEngine.CaptureReport r;
                do {
                    long t = System.nanoTime();
                    r = engine.captureOnce(e);
                    totals.time("capture " + e, t);
                    totals.of(e)[0] += r.changes();
                    totals.of(e)[1] += r.resolved();
                    if (r.resolved() > 0) quiet = false;
                    nextReport = progress(totals, start, nextReport);
                } while (!r.caughtUp());
            }
            for (String e : ENDPOINTS) {
                SyncEngine.DeliveryReport d;
                do {
                    long t = System.nanoTime();
                    d = engine.deliverOnce(e);
                    totals.time("deliver " + e, t);
                    long[] c = totals.of(e);
                    c[2] += d.applied();
                    c[3] += d.retried();
                    c[4] += d.deadLettered();
                    if (d.applied() > 0) totals.lastWriteNanos = System.nanoTime();
                    if (d.due() > 0) quiet = false;
                    if (d.targetUnavailable()) System.out.printf("  WARNING: endpoint %s reported unavailable%n", e);
                    nextReport = progress(totals, start, nextReport);
                } while (d.due() > 0 && !d.targetUnavailable());
            }
            if (System.nanoTime() - start > GIVE_UP_NANOS) {
                System.out.println("  FAILED: the sync did not settle within an hour; giving up");
                failed = true;
                break;
            }
        } while (!quiet);
        long end = System.nanoTime();
        double settled = (end - start) / 1e9;
        double seconds = totals.lastWriteNanos == 0 ? settled : (totals.lastWriteNanos - start) / 1e9;
        report(engine, totals, settled);
        return new Result(phase, n, seconds, settled);
    }

    private static long progress(Totals totals, long start, long nextReport) {
        if (System.nanoTime() < nextReport) return nextReport;
        System.out.printf("  %.0f s: %s%n", secondsSince(start), counts(totals));
        return System.nanoTime() + PROGRESS_NANOS;
    }

    private static String counts(Totals totals) {
        List<String> parts = new ArrayList<>();
        for (var e : totals.perEndpoint.entrySet()) {
            long[] c = e.getValue();
            parts.add(String.format("%s captured %,d resolved %,d applied %,d", e.getKey(), c[0], c[1], c[2])
                    + (c[3] + c[4] > 0 ? String.format(" retried %,d dead-lettered %,d", c[3], c[4]) : ""));
        }
        return String.join(" | ", parts);
    }

    private static void report(SyncEngine engine, Totals totals, double settled) {
        System.out.printf("  settled after %.2f s in %d rounds: %s%n", settled, totals.rounds, counts(totals));
        StringBuilder where = new StringBuilder("  time per step:");
        totals.nanos.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> where.append(String.format(" %s %.2f s (%.0f%%),", e.getKey(), e.getValue() / 1e9,
                        100.0 * e.getValue() / 1e9 / settled)));
        System.out.println(where.substring(0, where.length() - 1));
        var status = engine.status();
        if (status.openConflicts() > 0 || status.deadLetters() > 0) {
            System.out.printf("  FAILED: %d open conflicts, %d dead letters%n", status.openConflicts(), status.deadLetters());
            failed = true;
        }
    }

    // ---- correctness ----------------------------------------------------------------------------------------

    private static void verify(String phase, int n, String myTable) throws SQLException {
        List<Object> expected = contents(pg(), PG_CHECK.formatted("bench"), PG_ROWS.formatted("bench"));
        List<Object> actual = contents(my(), MY_CHECK.formatted(myTable), MY_ROWS.formatted(myTable));
        List<String> diffs = new ArrayList<>();
        if (((Number) actual.getFirst()).longValue() != n) diffs.add("MariaDB has " + actual.getFirst() + " rows, expected " + n);
        for (int i = 0; i < expected.size(); i++) {
            if (!same(expected.get(i), actual.get(i))) {
                diffs.add("aggregate #" + (i + 1) + ": PostgreSQL " + expected.get(i) + ", MariaDB " + actual.get(i));
            }
        }
        if (diffs.isEmpty()) {
            System.out.printf("  check %s: OK (%,d rows, sum(qty) %s, all column aggregates equal)%n", phase, n, expected.get(2));
        } else {
            failed = true;
            System.out.printf("  FAILED check %s: %s%n", phase, String.join("; ", diffs));
        }
    }

    /**
     * What a table holds, to compare two tables: the values of {@code aggregatesSql} (one row), then the md5 of the
     * values {@code rowsSql} returns (one text per row, in a fixed order), concatenated — as
     * {@code md5(string_agg(…))} would give, but streamed, so it works for any number of rows.
     */
    static List<Object> contents(Connection connection, String aggregatesSql, String rowsSql) throws SQLException {
        try (Connection c = connection; Statement s = c.createStatement()) {
            List<Object> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(aggregatesSql)) {
                rs.next();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) out.add(rs.getObject(i));
            }
            c.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
            java.security.MessageDigest md5;
            try {
                md5 = java.security.MessageDigest.getInstance("MD5");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            try (Statement rows = c.createStatement()) {
                rows.setFetchSize(10_000);
                try (ResultSet rs = rows.executeQuery(rowsSql)) {
                    while (rs.next()) md5.update(rs.getString(1).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
            c.commit();
            out.add(java.util.HexFormat.of().formatHex(md5.digest()));
            return out;
        }
    }

    static boolean same(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        return Objects.equals(a == null ? null : a.toString(), b == null ? null : b.toString());
    }

    // ---- output ---------------------------------------------------------------------------------------------

    private static void print(List<Result> results) {
        double base = results.getFirst().rowsPerSecond();
        System.out.printf("%n%-42s %10s %10s %12s %12s %11s%n", "phase", "rows", "seconds", "rows/s", "vs baseline", "settled s");
        for (Result r : results) {
            System.out.printf("%-42s %,10d %10.2f %,12.0f %12.3f %11.2f%n", r.phase(), r.rows(), r.seconds(), r.rowsPerSecond(),
                    r.rowsPerSecond() / base, r.settledSeconds());
        }
        System.out.println("seconds: until the last row reached MariaDB; settled s: until a whole round of twoway moved nothing");
    }

    private static void writeCsv(List<Result> results) throws IOException {
        double base = results.getFirst().rowsPerSecond();
        List<String> lines = new ArrayList<>();
        lines.add("phase,rows,seconds,rows_per_second,ratio_vs_baseline,settled_seconds");
        for (Result r : results) {
            lines.add(String.format(Locale.ROOT, "\"%s\",%d,%.3f,%.1f,%.4f,%.3f", r.phase(), r.rows(), r.seconds(),
                    r.rowsPerSecond(), r.rowsPerSecond() / base, r.settledSeconds()));
        }
        Files.createDirectories(CSV.getParent());
        Files.write(CSV, lines);
        System.out.println("written " + CSV.toAbsolutePath());
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
