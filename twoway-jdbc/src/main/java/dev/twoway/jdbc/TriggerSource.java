package dev.twoway.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.model.NativeKey;
import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.SystemUnavailableException;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trigger capture: triggers on the table write the key of every inserted, updated or deleted row to the
 * database's change log ({@value Dialect#CHANGE_LOG}); this source reads the log, fetches each changed row's
 * current values ("fetch latest": several changes of a row collapse into one) and prunes the entries once the
 * engine has committed them.
 *
 * <h2>Positions</h2>
 * The snapshot pages through the table in key order ({@code {"m":"snap","after":KEY}}); the triggers are installed
 * before it starts, so nothing made during the snapshot is missed. After it, a position lists the log ids of the
 * batch it ends ({@code {"m":"log","ids":[[lo,hi],…]}}). The next poll deletes exactly those entries and reads the
 * oldest ones left. Because consumed entries are deleted rather than skipped by an id watermark, an entry whose
 * transaction commits after a higher id was read is still found: sequence order is not commit order.
 *
 * <h2>Wake-ups</h2>
 * On PostgreSQL the triggers {@code NOTIFY twoway_changes} with the table's name; {@link #awaitChanges} listens,
 * so the engine reacts at commit rather than at the next poll.
 */
final class TriggerSource implements ChangeSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TableAccess t;
    private final Runnable ensureInstalled;
    private final String logTable;
    private Connection conn;
    private Connection listener;

    TriggerSource(TableAccess table, String logSchema, Runnable ensureInstalled) {
        this.t = table;
        this.ensureInstalled = ensureInstalled;
        this.logTable = table.dialect.table(logSchema, Dialect.CHANGE_LOG);
    }

    private Connection connection() throws SQLException {
        if (conn == null) {
            conn = t.db.open();
            conn.setAutoCommit(true);
        }
        return conn;
    }

    @Override
    public ChangeBatch poll(String afterPosition, int maxChanges) {
        ensureInstalled.run();
        int limit = Math.max(1, Math.min(maxChanges, t.config.pageSize()));
        try {
            JsonNode pos = afterPosition == null ? null : JSON.readTree(afterPosition);
            if (pos == null || "snap".equals(pos.path("m").asText())) return snapshot(pos, limit);
            return readLog(pos, limit);
        } catch (SQLException e) {
            throw failure("reading changes of " + t.table.label(), e);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable capture position for " + t.table.label() + ": " + afterPosition, e);
        }
    }

    private ChangeBatch snapshot(JsonNode pos, int limit) throws SQLException {
        NativeKey after = pos == null || pos.path("after").isNull() || pos.path("after").isMissingNode() ? null : new NativeKey(pos.get("after").asText());
        Connection c = connection();
        Instant now = t.dialect.now(c);
        List<TableAccess.Image> page = t.page(c, after, limit);
        List<Change> changes = new ArrayList<>(page.size());
        for (TableAccess.Image img : page) changes.add(Change.upsert(img.key(), img.row(), now, img.externalId()));
        ObjectNode next = JSON.createObjectNode();
        if (page.size() < limit) {
            next.put("m", "log");
            next.putArray("ids");
        } else {
            next.put("m", "snap");
            next.put("after", page.getLast().key().value());
        }
        return new ChangeBatch(changes, next.toString(), false);
    }

    private ChangeBatch readLog(JsonNode pos, int limit) throws SQLException {
        Connection c = connection();
        prune(c, pos.path("ids"));
        List<Long> ids = new ArrayList<>();
        Map<NativeKey, Instant> latest = new LinkedHashMap<>();
        String sql = "SELECT id, key_text, changed_at FROM " + logTable + " WHERE table_name = ? ORDER BY id LIMIT " + limit;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, t.table.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                    NativeKey key = ValueCodec.normalizeKeyText(rs.getString(2), t.key.size());
                    latest.remove(key); // keep the order of each key's last change
                    latest.put(key, changedAt(rs, 3));
                }
            }
        }
        Map<NativeKey, TableAccess.Image> rows = t.readByKeys(c, latest.keySet());
        List<Change> changes = new ArrayList<>(latest.size());
        for (var e : latest.entrySet()) {
            TableAccess.Image img = rows.get(e.getKey());
            changes.add(img == null ? Change.delete(e.getKey(), e.getValue())
                    : Change.upsert(e.getKey(), img.row(), e.getValue(), img.externalId()));
        }
        ObjectNode next = JSON.createObjectNode();
        next.put("m", "log");
        ArrayNode ranges = next.putArray("ids");
        for (int i = 0; i < ids.size(); ) {
            int j = i;
            while (j + 1 < ids.size() && ids.get(j + 1) == ids.get(j) + 1) j++;
            ranges.addArray().add(ids.get(i)).add(ids.get(j));
            i = j + 1;
        }
        return new ChangeBatch(changes, next.toString(), ids.size() < limit);
    }

    private Instant changedAt(ResultSet rs, int index) throws SQLException {
        return switch (t.dialect) {
            case Dialect.Postgres p -> rs.getObject(index, java.time.OffsetDateTime.class).toInstant();
            case Dialect.MariaDb m -> rs.getObject(index, java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC);
            case Dialect.Sqlite s -> Instant.parse(rs.getString(index));
        };
    }

    /** Deletes the log entries of the batch the engine has committed (the ids listed in its position). */
    private void prune(Connection c, JsonNode ranges) throws SQLException {
        if (ranges == null || ranges.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + logTable + " WHERE table_name = ? AND id BETWEEN ? AND ?")) {
            for (JsonNode r : ranges) {
                ps.setString(1, t.table.name());
                ps.setLong(2, r.get(0).asLong());
                ps.setLong(3, r.get(1).asLong());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public boolean awaitChanges(Duration timeout) throws InterruptedException {
        if (!(t.dialect instanceof Dialect.Postgres)) return ChangeSource.super.awaitChanges(timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (listener == null) {
                listener = t.db.open();
                listener.setAutoCommit(true);
                try (Statement s = listener.createStatement()) {
                    s.execute("LISTEN " + Dialect.Postgres.CHANNEL);
                }
            }
            PGConnection pg = listener.unwrap(PGConnection.class);
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) return false;
                if (Thread.interrupted()) throw new InterruptedException();
                PGNotification[] got = pg.getNotifications((int) Math.min(left, 500));
                if (got == null) continue;
                for (PGNotification n : got) if (t.table.name().equals(n.getParameter())) return true;
            }
        } catch (SQLException e) {
            closeQuietly(listener);
            listener = null;
            // No wake-ups for now: wait out the timeout; the next poll reports the outage if there is one.
            ChangeSource.super.awaitChanges(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            return false;
        }
    }

    private RuntimeException failure(String what, SQLException e) {
        RuntimeException r = t.db.translate(what, e);
        if (r instanceof SystemUnavailableException) {
            closeQuietly(conn);
            conn = null;
        }
        return r;
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // already broken
        }
    }

    @Override
    public void close() {
        closeQuietly(conn);
        closeQuietly(listener);
        conn = null;
        listener = null;
    }
}
