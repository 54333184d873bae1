package dev.twoway.bench;

import io.debezium.embedded.Connect;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The peer of issue 9 item 4: the same one-way PostgreSQL → MariaDB replication of the bench table done by Debezium's
 * embedded engine (PostgreSQL connector, {@code pgoutput}) and applied to MariaDB with plain JDBC.
 *
 * <p>The connector gets a replication slot and a publication of its own (unique names, {@code twbench_dbz_…}),
 * snapshots the table ({@code snapshot.mode=initial}) and then streams the changes; offsets go to a file in a
 * temporary directory. {@link #close()} stops the engine and then drops the slot and the publication, also when the
 * engine failed. The applier receives the engine's batches as Kafka Connect {@link SourceRecord}s (no JSON
 * serialization in between), reduces each batch to the last state per primary key, and writes it in one MariaDB
 * transaction: one JDBC batch of {@code DELETE … WHERE id = ?} and one JDBC batch of
 * {@code INSERT … ON DUPLICATE KEY UPDATE} (rewritten into multi-row statements by Connector/J), then marks the batch
 * processed. Everything else is Debezium's default configuration unless overridden (the suite also runs it with
 * {@code poll.interval.ms=10}); {@link #configuration()} lists what was set. The constructor fails with the fix in its
 * message when the server's {@code wal_level} is not {@code logical}.
 */
final class DebeziumPeer implements AutoCloseable {
    private static final List<String> COLUMNS = SqlSyncBenchmark.COLUMNS;
    private static final String UPSERT = "INSERT INTO bench (" + String.join(", ", COLUMNS) + ") VALUES ("
            + COLUMNS.stream().map(c -> "?").collect(Collectors.joining(", ")) + ") ON DUPLICATE KEY UPDATE "
            + COLUMNS.stream().filter(c -> !c.equals("id")).map(c -> c + " = VALUES(" + c + ")").collect(Collectors.joining(", "));
    private static final String DELETE = "DELETE FROM bench WHERE id = ?";

    private final BenchDatabase pg;
    private final String slot;
    private final Properties props;
    private final Connection target;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long firstAppliedNanos;
    private volatile long lastAppliedNanos;
    private DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine;
    private ExecutorService executor;

    DebeziumPeer(BenchDatabase pg, BenchDatabase my, Path dir) throws SQLException {
        this(pg, my, dir, Map.of());
    }

    /** @param overrides connector properties set on top of (or instead of) the ones above */
    DebeziumPeer(BenchDatabase pg, BenchDatabase my, Path dir, Map<String, String> overrides) throws SQLException {
        requireLogicalDecoding(pg);
        this.pg = pg;
        this.slot = "twbench_dbz_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        this.target = my.connectForBulk();
        target.setAutoCommit(false);
        props = new Properties();
        props.setProperty("name", slot);
        props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        props.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        props.setProperty("offset.storage.file.filename", dir.resolve(slot + ".offsets").toString());
        props.setProperty("offset.flush.interval.ms", "10000");
        props.setProperty("database.hostname", pg.server.substring(0, pg.server.lastIndexOf(':')));
        props.setProperty("database.port", pg.server.substring(pg.server.lastIndexOf(':') + 1));
        props.setProperty("database.user", pg.user);
        props.setProperty("database.password", "");
        props.setProperty("database.dbname", pg.name);
        props.setProperty("topic.prefix", slot);
        props.setProperty("plugin.name", "pgoutput");
        props.setProperty("slot.name", slot);
        props.setProperty("publication.name", slot);
        props.setProperty("publication.autocreate.mode", "filtered");
        props.setProperty("table.include.list", "public.bench");
        props.setProperty("snapshot.mode", "initial");
        overrides.forEach(props::setProperty);
    }

    /** Fails with the fix in the message when the server cannot do logical decoding. */
    static void requireLogicalDecoding(BenchDatabase pg) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement(); var rs = s.executeQuery("SHOW wal_level")) {
            rs.next();
            if (!rs.getString(1).equals("logical")) {
                throw new IllegalStateException("the PostgreSQL server at " + pg.server + " runs with wal_level = " + rs.getString(1)
                        + "; Debezium needs wal_level = logical. Point the comparison at a server that has it with --peer-pg HOST:PORT"
                        + " (docs/performance.md shows how to start a private one), or set it and restart that server, or run with --no-peer");
            }
        }
    }

    /** The connector properties that were set (everything else is Debezium's default), for the docs and the log. */
    String configuration() {
        return props.stringPropertyNames().stream().sorted()
                .filter(k -> !k.startsWith("database.password") && !k.equals("offset.storage.file.filename"))
                .map(k -> k + "=" + props.getProperty(k)).collect(Collectors.joining(", "));
    }

    /** Starts the engine on a thread of its own; returns at once. */
    void start() {
        engine = DebeziumEngine.create(Connect.class)
                .using(props)
                .notifying(this::apply)
                .using((success, message, error) -> {
                    if (!success) failure.compareAndSet(null, error != null ? error : new IllegalStateException(message));
                })
                .build();
        executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("debezium-peer").unstarted(r));
        executor.execute(engine);
    }

    /** Rows (change events) written to MariaDB so far. */
    long applied() {
        return applied.get();
    }

    long batches() {
        return batches.get();
    }

    /** {@link System#nanoTime()} of the commit of the first batch, 0 before it. */
    long firstAppliedNanos() {
        return firstAppliedNanos;
    }

    /** {@link System#nanoTime()} of the commit of the last batch so far. */
    long lastAppliedNanos() {
        return lastAppliedNanos;
    }

    /** Waits until {@code count} change events have been applied; fails if the engine failed or it takes too long. */
    void awaitApplied(long count, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (applied.get() < count) {
            Throwable f = failure.get();
            if (f != null) throw new IllegalStateException("the Debezium engine failed: " + f, f);
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Debezium applied " + applied.get() + " of " + count + " change events within " + max.toSeconds() + " s");
            }
            Thread.sleep(5);
        }
    }

    private void apply(List<ChangeEvent<SourceRecord, SourceRecord>> records, DebeziumEngine.RecordCommitter<ChangeEvent<SourceRecord, SourceRecord>> committer)
            throws InterruptedException {
        Map<Long, Struct> last = new LinkedHashMap<>(); // id → row after the change, null for a delete
        int events = 0;
        for (ChangeEvent<SourceRecord, SourceRecord> e : records) {
            SourceRecord r = e.value();
            if (r.value() instanceof Struct v && r.key() instanceof Struct k && v.schema().field("op") != null) {
                String op = v.getString("op");
                long id = k.getInt64("id");
                switch (op) {
                    case "c", "r", "u" -> last.put(id, v.getStruct("after"));
                    case "d" -> last.put(id, null);
                    default -> throw new IllegalStateException("unexpected Debezium operation '" + op + "' for id " + id);
                }
                events++;
            }
        }
        if (!last.isEmpty()) {
            try (PreparedStatement del = target.prepareStatement(DELETE); PreparedStatement up = target.prepareStatement(UPSERT)) {
                int deletes = 0;
                int upserts = 0;
                for (var x : last.entrySet()) {
                    if (x.getValue() == null) {
                        del.setLong(1, x.getKey());
                        del.addBatch();
                        deletes++;
                    } else {
                        Struct after = x.getValue();
                        for (int i = 0; i < COLUMNS.size(); i++) up.setObject(i + 1, toJdbc(after, COLUMNS.get(i)));
                        up.addBatch();
                        upserts++;
                    }
                }
                if (deletes > 0) del.executeBatch();
                if (upserts > 0) up.executeBatch();
                target.commit();
            } catch (SQLException ex) {
                try {
                    target.rollback();
                } catch (SQLException ignored) {
                    // the original failure is the one to report
                }
                throw new IllegalStateException("applying a Debezium batch of " + records.size() + " events to MariaDB failed: " + ex.getMessage(), ex);
            }
            long now = System.nanoTime();
            if (firstAppliedNanos == 0) firstAppliedNanos = now;
            lastAppliedNanos = now;
            batches.incrementAndGet();
            applied.addAndGet(events);
        }
        for (ChangeEvent<SourceRecord, SourceRecord> e : records) committer.markProcessed(e);
        committer.markBatchFinished();
    }

    /** A Debezium value as JDBC wants it: its logical time types are numbers (micros since the epoch, days). */
    static Object toJdbc(Struct row, String column) {
        Field f = row.schema().field(column);
        Object v = row.get(f);
        if (v == null) return null;
        String logical = f.schema().name();
        if (logical == null) return v;
        return switch (logical) {
            case "io.debezium.time.MicroTimestamp" -> {
                long micros = (Long) v;
                yield LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), (int) Math.floorMod(micros, 1_000_000L) * 1_000, ZoneOffset.UTC);
            }
            case "io.debezium.time.Timestamp" -> LocalDateTime.ofEpochSecond(Math.floorDiv((Long) v, 1_000L), (int) Math.floorMod((Long) v, 1_000L) * 1_000_000, ZoneOffset.UTC);
            case "io.debezium.time.Date" -> LocalDate.ofEpochDay((Integer) v);
            default -> v; // Decimal arrives as BigDecimal
        };
    }

    /** Stops the engine, then drops the slot and the publication (also when the engine failed or never started). */
    @Override
    public void close() throws Exception {
        Exception first = null;
        try {
            if (engine != null) {
                try {
                    engine.close();
                } catch (IllegalStateException e) {
                    if (failure.get() == null) throw e; // else the engine has shut itself down after the failure
                }
            }
            if (executor != null) {
                executor.shutdown();
                if (!executor.awaitTermination(60, TimeUnit.SECONDS)) first = new IllegalStateException("the Debezium engine did not stop within 60 s");
            }
        } catch (Exception e) {
            first = e;
        }
        try {
            target.close();
        } catch (SQLException e) {
            if (first == null) first = e;
        }
        try {
            dropSlotAndPublication();
        } catch (Exception e) {
            if (first == null) first = e;
            else first.addSuppressed(e);
        }
        Throwable f = failure.get();
        if (f != null) {
            IllegalStateException e = new IllegalStateException("the Debezium engine failed: " + f, f);
            if (first != null) e.addSuppressed(first);
            throw e;
        }
        if (first != null) throw first;
    }

    private void dropSlotAndPublication() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            while (true) {
                try {
                    // the walsender may take a moment to let go of the slot after the engine stopped
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
                    break;
                } catch (SQLException e) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("could not drop the replication slot " + slot
                            + " (drop it by hand: SELECT pg_drop_replication_slot('" + slot + "')): " + e.getMessage(), e);
                    s.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND active_pid IS NOT NULL");
                    Thread.sleep(200);
                }
            }
            s.execute("DROP PUBLICATION IF EXISTS " + slot);
        }
    }
}
