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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * A row whose soft-delete column is true is reported as deleted. Hard deletes are invisible to polling itself; with
 * {@link TableConfig#deleteScan()} set, the source keeps every key it reported in a file of twoway's and, that
 * often, checks them against the table in pages ({@code IN} lists, so memory stays bounded) and reports the
 * missing ones as deleted. Without either, use trigger or checksum capture for tables whose rows are deleted.
 */
final class PollSource implements ChangeSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TableAccess t;
    private final Column updatedAt;
    private final Column softDelete;
    private final KeyStore keys;
    private Connection conn;

    /** @param keyFile where the keys for delete scans are kept; unused without {@link TableConfig#deleteScan()} */
    PollSource(TableAccess table, java.nio.file.Path keyFile) {
        this.t = table;
        this.keys = table.config.deleteScan() == null ? null : new KeyStore(keyFile);
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
            long batch = pos == null ? 0 : pos.path("batch").asLong(0);
            if (keys != null) keys.settle(batch);
            ChangeBatch out;
            boolean scanning = keys != null && pos != null && pos.has("scan");
            if (pos == null || "snap".equals(pos.path("m").asText())) out = snapshot(c, pos, limit);
            else if (scanning) out = scanForDeletes(c, pos, limit, batch + 1);
            else out = incremental(c, pos, limit);
            if (keys == null) return out;
            // Remember the keys reported (and forget deleted ones) once the engine commits this batch.
            Map<String, byte[]> staged = new LinkedHashMap<>();
            for (Change ch : out.changes()) staged.put(ch.key().value(), ch.isDelete() ? null : KeyStore.NO_HASH);
            keys.stage(batch + 1, staged);
            ObjectNode next = (ObjectNode) JSON.readTree(out.position());
            next.put("batch", batch + 1);
            if (!next.has("scanAt")) next.put("scanAt", pos != null && pos.has("scanAt") ? pos.get("scanAt").asLong()
                    : System.currentTimeMillis() + t.config.deleteScan().toMillis());
            boolean scanDue = !scanning && "poll".equals(next.path("m").asText()) && out.caughtUp()
                    && System.currentTimeMillis() >= next.get("scanAt").asLong();
            if (scanDue) {
                next.putNull("scan"); // the next poll starts a delete scan from the first key
                return new ChangeBatch(out.changes(), next.toString(), false);
            }
            return new ChangeBatch(out.changes(), next.toString(), out.caughtUp());
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

    /** One page of the delete scan: stored keys no longer in the table are reported as deleted. */
    private ChangeBatch scanForDeletes(Connection c, JsonNode pos, int limit, long batch) throws SQLException {
        Instant now = t.dialect.now(c);
        String after = pos.get("scan").isNull() ? null : pos.get("scan").asText();
        List<String> page = keys.keysAfter(after, limit);
        Map<NativeKey, TableAccess.Image> present = t.readByKeys(c, page.stream().map(NativeKey::new).toList());
        List<Change> changes = new ArrayList<>();
        for (String k : page) if (!present.containsKey(new NativeKey(k))) changes.add(Change.delete(new NativeKey(k), now));
        ObjectNode next = pos.deepCopy();
        if (page.size() < limit) {
            next.remove("scan");
            next.put("scanAt", System.currentTimeMillis() + t.config.deleteScan().toMillis());
            return new ChangeBatch(changes, next.toString(), true);
        }
        next.put("scan", page.getLast());
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
        ObjectNode next = pos.deepCopy();
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
        if (keys != null) keys.close();
        if (conn == null) return;
        try {
            conn.close();
        } catch (SQLException ignored) {
            // already broken
        }
        conn = null;
    }
}
