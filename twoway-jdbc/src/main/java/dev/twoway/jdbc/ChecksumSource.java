package dev.twoway.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.model.NativeKey;
import dev.twoway.model.ValueJson;
import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.SystemUnavailableException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checksum capture, for tables with neither triggers nor a modification column: each pass reads the table in key
 * ranges (pages of {@link TableConfig#pageSize()} rows, so memory stays bounded however large the table), hashes
 * every row and compares with the hash stored for its key; then walks the stored keys in ranges and reports
 * those no longer in the table as deleted.
 *
 * <p>The hashes live in a small SQLite file of twoway's (nothing is installed in the database). A batch's new
 * hashes are staged under the batch number and only become the stored hashes when the engine asks for the next
 * batch after it — that is, once the engine has committed this one. A crash in between re-reports the batch.
 *
 * <p>Deleted keys are found by asking the database whether each stored key still exists, never by comparing the
 * two orders of keys: the database's collation and the hash file's byte order may disagree.
 */
final class ChecksumSource implements ChangeSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TableAccess t;
    private final KeyStore store;
    private Connection conn;

    ChecksumSource(TableAccess table, Path file) {
        this.t = table;
        this.store = new KeyStore(file);
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
            long batch = pos == null ? 0 : pos.get("batch").asLong();
            long pass = pos == null ? 1 : pos.get("pass").asLong();
            store.settle(batch);
            Connection c = connection();
            c.setAutoCommit(true);
            String phase = pos == null ? "scan" : pos.get("m").asText();
            NativeKey after = pos == null || !pos.hasNonNull("after") ? null : new NativeKey(pos.get("after").asText());
            return "scan".equals(phase) ? scan(c, pass, batch + 1, after, limit) : gone(c, pass, batch + 1, after, limit);
        } catch (SQLException e) {
            RuntimeException r = t.db.translate("scanning " + t.table.label(), e);
            if (r instanceof SystemUnavailableException) closeSource();
            throw r;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("unreadable capture position for " + t.table.label() + ": " + afterPosition, e);
        }
    }

    private ChangeBatch scan(Connection c, long pass, long batch, NativeKey after, int limit) throws SQLException {
        Instant now = t.dialect.now(c);
        List<TableAccess.Image> page = t.page(c, after, limit);
        Map<String, byte[]> stored = store.hashes(page.stream().map(i -> i.key().value()).toList());
        List<Change> changes = new ArrayList<>();
        Map<String, byte[]> staged = new LinkedHashMap<>();
        for (TableAccess.Image img : page) {
            byte[] h = hash(img);
            if (!Arrays.equals(h, stored.get(img.key().value()))) {
                changes.add(Change.upsert(img.key(), img.row(), now, img.externalId()));
                staged.put(img.key().value(), h);
            }
        }
        store.stage(batch, staged);
        ObjectNode next = position(pass, batch, page.size() < limit ? "gone" : "scan", page.size() < limit ? null : page.getLast().key());
        return new ChangeBatch(changes, next.toString(), false);
    }

    private ChangeBatch gone(Connection c, long pass, long batch, NativeKey after, int limit) throws SQLException {
        Instant now = t.dialect.now(c);
        List<String> keys = store.keysAfter(after == null ? null : after.value(), limit);
        Map<NativeKey, TableAccess.Image> present = t.readByKeys(c, keys.stream().map(NativeKey::new).toList());
        List<Change> changes = new ArrayList<>();
        Map<String, byte[]> staged = new LinkedHashMap<>();
        for (String k : keys) {
            if (present.containsKey(new NativeKey(k))) continue;
            changes.add(Change.delete(new NativeKey(k), now));
            staged.put(k, null);
        }
        store.stage(batch, staged);
        boolean done = keys.size() < limit;
        ObjectNode next = done ? position(pass + 1, batch, "scan", null) : position(pass, batch, "gone", new NativeKey(keys.getLast()));
        return new ChangeBatch(changes, next.toString(), done);
    }

    private static ObjectNode position(long pass, long batch, String phase, NativeKey after) {
        ObjectNode n = JSON.createObjectNode();
        n.put("pass", pass).put("batch", batch).put("m", phase);
        if (after == null) n.putNull("after");
        else n.put("after", after.value());
        return n;
    }

    /** SHA-256 of the row's canonical JSON (and external id): equal values hash equally whatever the driver returned. */
    private static byte[] hash(TableAccess.Image img) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(ValueJson.encode(img.row()).toString().getBytes(StandardCharsets.UTF_8));
            if (img.externalId() != null) md.update(img.externalId().getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(md.digest(), 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void closeSource() {
        if (conn == null) return;
        try {
            conn.close();
        } catch (SQLException ignored) {
            // already broken
        }
        conn = null;
    }

    @Override
    public void close() {
        closeSource();
        store.close();
    }

}
