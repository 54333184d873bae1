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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
    private final Path file;
    private Connection conn;
    private Connection store;

    ChecksumSource(TableAccess table, Path file) {
        this.t = table;
        this.file = file;
    }

    private Connection store() throws SQLException {
        if (store == null) {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
            } catch (java.io.IOException e) {
                throw new SqlConfigException("cannot create the directory of the checksum file " + file + ": " + e.getMessage(), e);
            }
            store = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = store.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("CREATE TABLE IF NOT EXISTS hashes (key TEXT PRIMARY KEY, hash BLOB NOT NULL) WITHOUT ROWID");
                s.execute("CREATE TABLE IF NOT EXISTS staged (batch INTEGER NOT NULL, key TEXT NOT NULL, hash BLOB, PRIMARY KEY (batch, key))");
            }
        }
        return store;
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
            settle(batch);
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

    /** The engine committed every batch up to {@code committed}: their hashes become the stored ones; later ones are void. */
    private void settle(long committed) throws SQLException {
        Connection s = store();
        s.setAutoCommit(false);
        try (PreparedStatement up = s.prepareStatement("INSERT INTO hashes (key, hash) SELECT key, hash FROM staged WHERE batch <= ? AND hash IS NOT NULL"
                + " ORDER BY batch ON CONFLICT (key) DO UPDATE SET hash = excluded.hash");
             PreparedStatement del = s.prepareStatement("DELETE FROM hashes WHERE key IN (SELECT key FROM staged WHERE batch <= ? AND hash IS NULL)");
             PreparedStatement clear = s.prepareStatement("DELETE FROM staged")) {
            up.setLong(1, committed);
            up.executeUpdate();
            del.setLong(1, committed);
            del.executeUpdate();
            clear.executeUpdate();
            s.commit();
        } catch (SQLException e) {
            s.rollback();
            throw e;
        } finally {
            s.setAutoCommit(true);
        }
    }

    private ChangeBatch scan(Connection c, long pass, long batch, NativeKey after, int limit) throws SQLException {
        Instant now = t.dialect.now(c);
        List<TableAccess.Image> page = t.page(c, after, limit);
        Map<String, byte[]> stored = storedHashes(page.stream().map(i -> i.key().value()).toList());
        List<Change> changes = new ArrayList<>();
        List<Object[]> staged = new ArrayList<>();
        for (TableAccess.Image img : page) {
            byte[] h = hash(img);
            if (!Arrays.equals(h, stored.get(img.key().value()))) {
                changes.add(Change.upsert(img.key(), img.row(), now, img.externalId()));
                staged.add(new Object[]{img.key().value(), h});
            }
        }
        stage(batch, staged);
        ObjectNode next = position(pass, batch, page.size() < limit ? "gone" : "scan", page.size() < limit ? null : page.getLast().key());
        return new ChangeBatch(changes, next.toString(), false);
    }

    private ChangeBatch gone(Connection c, long pass, long batch, NativeKey after, int limit) throws SQLException {
        Instant now = t.dialect.now(c);
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = store().prepareStatement("SELECT key FROM hashes WHERE ? IS NULL OR key > ? ORDER BY key LIMIT " + limit)) {
            ps.setString(1, after == null ? null : after.value());
            ps.setString(2, after == null ? null : after.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) keys.add(rs.getString(1));
            }
        }
        Map<NativeKey, TableAccess.Image> present = t.readByKeys(c, keys.stream().map(NativeKey::new).toList());
        List<Change> changes = new ArrayList<>();
        List<Object[]> staged = new ArrayList<>();
        for (String k : keys) {
            if (present.containsKey(new NativeKey(k))) continue;
            changes.add(Change.delete(new NativeKey(k), now));
            staged.add(new Object[]{k, null});
        }
        stage(batch, staged);
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

    private Map<String, byte[]> storedHashes(List<String> keys) throws SQLException {
        Map<String, byte[]> out = new HashMap<>();
        for (int from = 0; from < keys.size(); from += 500) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 500));
            String sql = "SELECT key, hash FROM hashes WHERE key IN (" + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ")";
            try (PreparedStatement ps = store().prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) ps.setString(i + 1, chunk.get(i));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.put(rs.getString(1), rs.getBytes(2));
                }
            }
        }
        return out;
    }

    private void stage(long batch, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) return;
        Connection s = store();
        s.setAutoCommit(false);
        try (PreparedStatement ps = s.prepareStatement("INSERT OR REPLACE INTO staged (batch, key, hash) VALUES (?, ?, ?)")) {
            for (Object[] r : rows) {
                ps.setLong(1, batch);
                ps.setString(2, (String) r[0]);
                ps.setBytes(3, (byte[]) r[1]);
                ps.addBatch();
            }
            ps.executeBatch();
            s.commit();
        } catch (SQLException e) {
            s.rollback();
            throw e;
        } finally {
            s.setAutoCommit(true);
        }
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
        if (store != null) {
            try {
                store.close();
            } catch (SQLException ignored) {
                // nothing left to release
            }
            store = null;
        }
    }

}
