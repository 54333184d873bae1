package dev.twoway.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.SystemUnavailableException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Poll capture: reads rows whose modification column ({@code updated_at}) moved past a watermark, in
 * {@code (updated_at, key)} order so that rows sharing a timestamp are never skipped at a page boundary.
 *
 * <h2>Late commits</h2>
 * A transaction can set {@code updated_at} and commit later, after rows with a later {@code updated_at} were
 * read. So a row is only read once it is older than the overlap window ({@link TableConfig#overlap()}, by the
 * database's clock): a transaction that commits within that window after it stamped its rows is never missed.
 * The price is latency: changes show up one window late. Transactions longer than the window can be missed;
 * use trigger capture for such tables.
 *
 * <h2>Deletes</h2>
 * A row whose soft-delete column is true is reported as deleted. Hard deletes are invisible to polling: pair it
 * with a soft-delete column, or use trigger or checksum capture.
 */
final class PollSource implements ChangeSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TableAccess t;
    private final Column updatedAt;
    private final Column softDelete;
    private Connection conn;

    PollSource(TableAccess table) {
        this.t = table;
        this.updatedAt = table.table.require(table.config.updatedAt());
        this.softDelete = table.config.softDelete() == null ? null : table.table.require(table.config.softDelete());
    }

    private Connection connection() {
        if (conn == null) conn = t.db.open();
        return conn;
    }

    @Override
    public ChangeBatch poll(String afterPosition, int maxChanges) {
        int limit = Math.max(1, Math.min(maxChanges, t.config.pageSize()));
        try {
            JsonNode pos = afterPosition == null ? null : JSON.readTree(afterPosition);
            Connection c = connection();
            c.setAutoCommit(true);
            if (pos == null || "snap".equals(pos.path("m").asText())) return snapshot(c, pos, limit);
            return incremental(c, pos, limit);
        } catch (SQLException e) {
            RuntimeException r = t.db.translate("polling " + t.table.label(), e);
            if (r instanceof SystemUnavailableException) close();
            throw r;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable capture position for " + t.table.label() + ": " + afterPosition, e);
        }
    }

    private ChangeBatch snapshot(Connection c, JsonNode pos, int limit) throws SQLException {
        Instant now = t.dialect.now(c);
        // Rows changed while the snapshot runs are read again by polling from the moment it started.
        JsonNode since = pos == null ? ValueJson.encode(watermark(now)) : pos.get("since");
        NativeKey after = pos == null || !pos.hasNonNull("after") ? null : new NativeKey(pos.get("after").asText());
        List<TableAccess.Image> page = t.page(c, after, limit);
        List<Change> changes = new ArrayList<>(page.size());
        for (TableAccess.Image img : page) changes.add(change(img, now));
        ObjectNode next = JSON.createObjectNode();
        if (page.size() < limit) {
            next.put("m", "poll");
            next.set("ts", since);
            next.putNull("key");
        } else {
            next.put("m", "snap");
            next.set("since", since);
            next.put("after", page.getLast().key().value());
        }
        return new ChangeBatch(changes, next.toString(), false);
    }

    /** The watermark a snapshot starts polling from: the overlap window before now (integers: from the start). */
    private Value watermark(Instant now) {
        return updatedAt.kind() == SqlKind.INTEGER ? Value.integer(Long.MIN_VALUE) : new Value.Timestamp(now.minus(t.config.overlap()));
    }

    private ChangeBatch incremental(Connection c, JsonNode pos, int limit) throws SQLException {
        Value ts = ValueJson.decode(pos.get("ts"));
        NativeKey afterKey = pos.hasNonNull("key") ? new NativeKey(pos.get("key").asText()) : null;
        String col = t.dialect.quote(updatedAt.name());
        boolean bounded = updatedAt.kind() != SqlKind.INTEGER;
        String where = afterKey == null ? col + " >= ?" : "(" + col + " > ? OR (" + col + " = ? AND " + t.keyAfter() + "))";
        String sql = t.select() + " WHERE " + where + (bounded ? " AND " + col + " <= ?" : "")
                + " ORDER BY " + col + ", " + t.keyList() + " LIMIT " + limit;
        Instant now = t.dialect.now(c);
        List<TableAccess.Image> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            t.codec.bind(ps, i++, updatedAt, ts);
            if (afterKey != null) {
                t.codec.bind(ps, i++, updatedAt, ts);
                i = t.bindKey(ps, i, afterKey);
            }
            if (bounded) t.codec.bind(ps, i, updatedAt, new Value.Timestamp(now.minus(t.config.overlap())));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) rows.add(t.image(rs));
            }
        }
        List<Change> changes = new ArrayList<>(rows.size());
        for (TableAccess.Image img : rows) changes.add(change(img, now));
        ObjectNode next = JSON.createObjectNode();
        next.put("m", "poll");
        if (rows.isEmpty()) {
            next.set("ts", pos.get("ts"));
            next.set("key", pos.get("key"));
        } else {
            TableAccess.Image last = rows.getLast();
            next.set("ts", ValueJson.encode(last.row().get(updatedAt.name())));
            next.put("key", last.key().value());
        }
        return new ChangeBatch(changes, next.toString(), rows.size() < limit);
    }

    private Change change(TableAccess.Image img, Instant now) {
        Value stamp = img.row().get(updatedAt.name());
        Instant sourceTime = stamp instanceof Value.Timestamp ts ? ts.value() : now;
        if (softDelete != null) {
            Value flag = img.row().get(softDelete.name());
            boolean deleted = flag instanceof Value.Bool b ? b.value() : flag instanceof Value.Int n && n.value() != 0;
            if (deleted) return Change.delete(img.key(), sourceTime, img.externalId());
        }
        return Change.upsert(img.key(), img.row(), sourceTime, img.externalId());
    }

    @Override
    public void close() {
        if (conn == null) return;
        try {
            conn.close();
        } catch (SQLException ignored) {
            // already broken
        }
        conn = null;
    }
}
