package dev.twoway.jdbc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys (and row hashes) a capture source has reported, in a small SQLite file of twoway's: what checksum
 * capture compares against, and what a key scan checks for deleted rows. Nothing is installed in the database.
 *
 * <p>Updates are staged under the number of the batch that reported them and become the stored state only when
 * the source is asked for a batch after it ({@link #settle}) — that is, once the engine has committed that batch's
 * position. After a crash, the engine asks again from its last committed position; staged updates of batches it
 * never committed are dropped and the batch is computed again.
 */
final class KeyStore implements AutoCloseable {
    /** A stored key whose row hash is not tracked (key scans only). */
    static final byte[] NO_HASH = new byte[0];

    private final Path file;
    private Connection store;

    KeyStore(Path file) {
        this.file = file;
    }

    private Connection store() throws SQLException {
        if (store == null) {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
            } catch (java.io.IOException e) {
                throw new SqlConfigException("cannot create the directory of the capture key file " + file + ": " + e.getMessage(), e);
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

    /** The engine committed every batch up to {@code committed}: their updates become stored; later ones are void. */
    void settle(long committed) throws SQLException {
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

    /** The stored hashes of these keys (absent: not stored). */
    Map<String, byte[]> hashes(List<String> keys) throws SQLException {
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

    /** Stored keys after {@code after} ({@code null}: from the first) in the file's order. */
    List<String> keysAfter(String after, int limit) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = store().prepareStatement("SELECT key FROM hashes WHERE ? IS NULL OR key > ? ORDER BY key LIMIT " + limit)) {
            ps.setString(1, after);
            ps.setString(2, after);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) keys.add(rs.getString(1));
            }
        }
        return keys;
    }

    /** Stages updates of one batch: key → hash ({@link #NO_HASH} for a key-only entry, {@code null} to remove the key). */
    void stage(long batch, Map<String, byte[]> updates) throws SQLException {
        if (updates.isEmpty()) return;
        Connection s = store();
        s.setAutoCommit(false);
        try (PreparedStatement ps = s.prepareStatement("INSERT OR REPLACE INTO staged (batch, key, hash) VALUES (?, ?, ?)")) {
            for (var e : updates.entrySet()) {
                ps.setLong(1, batch);
                ps.setString(2, e.getKey());
                ps.setBytes(3, e.getValue());
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

    @Override
    public void close() {
        if (store == null) return;
        try {
            store.close();
        } catch (SQLException ignored) {
            // nothing left to release
        }
        store = null;
    }
}
