package dev.twoway.jdbc;

import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.spi.RecordSink;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Applies the engine's writes to one table: all writes of a call in one transaction, statements of the same
 * shape sent as one JDBC batch, every update and delete guarded by its precondition
 * ({@code col IS NOT DISTINCT FROM ?} for each expected column), inserts as find-or-create.
 *
 * <p>A write the database refuses (a constraint, a value that does not fit) is answered {@link WriteResult.Rejected}
 * and does not stop the others: a failing batch is rolled back to its savepoint and replayed one write at a time,
 * each under its own savepoint. Values are checked against the column's type before anything is sent, so nothing
 * is truncated or rounded by the database.
 */
final class SqlSink implements RecordSink {
    private final TableAccess t;
    private final Dialect dialect;
    private final boolean changeLogInstalled;
    private Connection conn;
    /**
     * Reads have their own connection: the engine reads rows from the capture thread too (a row image that may
     * predate one of its writes is read again), while the delivery thread may be in the middle of a write
     * transaction on {@link #conn}. Guarded by {@link #readLock}.
     */
    private Connection readConn;
    private final Object readLock = new Object();
    private boolean archiveReady;

    SqlSink(TableAccess table, boolean changeLogInstalled) {
        this.t = table;
        this.dialect = table.dialect;
        this.changeLogInstalled = changeLogInstalled;
    }

    private Connection connection() {
        if (conn == null) conn = t.db.open();
        return conn;
    }

    private void dropConnection() {
        closeQuietly(conn);
        conn = null;
    }

    /** The connection for reads; call with {@link #readLock} held. */
    private Connection readConnection() throws SQLException {
        if (readConn == null) {
            readConn = t.db.open();
            readConn.setAutoCommit(true);
        }
        return readConn;
    }

    private void dropReadConnection() {
        closeQuietly(readConn);
        readConn = null;
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // the connection is already broken; nothing to release
        }
    }

    @Override
    public List<WriteResult> apply(List<Write> writes) {
        WriteResult[] results = new WriteResult[writes.size()];
        for (int i = 0; i < writes.size(); i++) {
            String misfit = validate(writes.get(i));
            if (misfit != null) results[i] = new WriteResult.Rejected(t.table.label() + ": " + misfit);
        }
        Connection c = connection();
        try {
            c.setAutoCommit(false);
            dialect.tagOwnWrites(c, changeLogInstalled);
            List<Integer> inserts = new ArrayList<>(), updates = new ArrayList<>(), deletes = new ArrayList<>();
            for (int i = 0; i < writes.size(); i++) {
                if (results[i] != null) continue;
                switch (writes.get(i)) {
                    case Write.Insert x -> inserts.add(i);
                    case Write.Update x when x.values().size() == 0 -> results[i] = WriteResult.Applied.of(x.key()); // nothing to set
                    case Write.Update x -> updates.add(i);
                    case Write.Delete x -> deletes.add(i);
                }
            }
            // Inserts first: a row referenced by another row of the same batch exists before it.
            if (!inserts.isEmpty()) applyInserts(c, writes, inserts, results);
            if (!updates.isEmpty()) applyGrouped(c, writes, updates, results);
            if (!deletes.isEmpty()) applyGrouped(c, writes, deletes, results);
            settlePreconditions(c, writes, results);
            dialect.untagOwnWrites(c, changeLogInstalled);
            c.commit();
            return List.of(results);
        } catch (SQLException e) {
            rollbackQuietly(c);
            RuntimeException r = t.db.translate("writing to " + t.table.label(), e);
            if (r instanceof dev.twoway.spi.SystemUnavailableException) dropConnection();
            throw r;
        } catch (RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        }
    }

    private void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            dropConnection();
        }
    }

    /** Why a write cannot be sent as it is, or {@code null}. */
    private String validate(Write w) {
        Row values = switch (w) {
            case Write.Insert i -> i.values();
            case Write.Update u -> u.values();
            case Write.Delete d -> Row.empty();
        };
        Row expected = switch (w) {
            case Write.Insert i -> i.match();
            case Write.Update u -> u.expected();
            case Write.Delete d -> d.expected();
        };
        for (String name : values.names()) {
            Optional<Column> col = t.table.column(name);
            if (col.isEmpty()) return "no column \"" + name + "\" (the mapping names a column the table does not have)";
            String misfit = t.codec.misfit(col.get(), values.get(name));
            if (misfit != null) return misfit;
        }
        for (String name : expected.names()) {
            if (t.table.column(name).isEmpty()) return "no column \"" + name + "\" (the mapping names a column the table does not have)";
        }
        return null;
    }

    // ---- inserts ---------------------------------------------------------------------------------------------

    private void applyInserts(Connection c, List<Write> writes, List<Integer> idx, WriteResult[] results) throws SQLException {
        // Find-or-create, first half: rows this engine inserted before (external id), rows with the same key
        // (shared keys), rows with the same match values.
        Map<Integer, NativeKey> found = new LinkedHashMap<>();
        if (t.externalId != null) found.putAll(findByExternalIds(c, writes, idx));
        List<Integer> withKey = new ArrayList<>(), generated = new ArrayList<>();
        Map<Integer, NativeKey> keyOf = new LinkedHashMap<>();
        for (int i : idx) {
            if (found.containsKey(i)) continue;
            Write.Insert ins = (Write.Insert) writes.get(i);
            NativeKey k = keyOf(ins.values());
            if (k != null) {
                keyOf.put(i, k);
                withKey.add(i);
            } else {
                Optional<NativeKey> m = ins.match().size() == 0 ? Optional.empty() : findByMatch(c, ins.match());
                if (m.isPresent()) found.put(i, m.get());
                else generated.add(i);
            }
        }
        if (!keyOf.isEmpty()) {
            Map<NativeKey, TableAccess.Image> existing = t.readByKeys(c, keyOf.values());
            for (var e : keyOf.entrySet()) if (existing.containsKey(e.getValue())) found.put(e.getKey(), e.getValue());
            withKey.removeIf(found::containsKey);
        }
        if (!found.isEmpty()) {
            Map<NativeKey, TableAccess.Image> current = t.readByKeys(c, found.values());
            for (var e : found.entrySet()) {
                TableAccess.Image img = current.get(e.getValue());
                results[e.getKey()] = new WriteResult.Applied(e.getValue(), true, Optional.ofNullable(img).map(TableAccess.Image::row));
            }
        }
        // Second half: create. Rows whose key is given go in batches of one shape.
        Map<String, List<Integer>> shapes = new LinkedHashMap<>();
        for (int i : withKey) shapes.computeIfAbsent(String.join("\u0000", insertColumns((Write.Insert) writes.get(i))), k -> new ArrayList<>()).add(i);
        for (List<Integer> shape : shapes.values()) {
            Write.Insert first = (Write.Insert) writes.get(shape.getFirst());
            List<String> cols = insertColumns(first);
            String sql = dialect instanceof Dialect.MariaDb
                    ? "INSERT INTO " + t.name + " (" + quoted(cols) + ") VALUES (" + marks(cols.size()) + ")"
                    : dialect.insertIfAbsent(t.name, cols.stream().map(dialect::quote).toList(), t.key.stream().map(k -> dialect.quote(k.name())).toList());
            runBatch(c, sql, shape, writes, results, (ps, w) -> bindInsert(ps, cols, (Write.Insert) w), (w, count) -> {
                NativeKey k = keyOf((Write.Insert) w);
                return count > 0 ? WriteResult.Applied.of(k) : null; // 0: inserted meanwhile by someone else; settled below
            }, true);
        }
        // Rows whose key the database generates: the key comes back with RETURNING.
        for (int i : generated) {
            if (results[i] != null) continue;
            Write.Insert ins = (Write.Insert) writes.get(i);
            List<String> cols = insertColumns(ins);
            String sql = "INSERT INTO " + t.name + (cols.isEmpty() ? " DEFAULT VALUES" : " (" + quoted(cols) + ") VALUES (" + marks(cols.size()) + ")")
                    + " RETURNING " + t.keyList();
            results[i] = single(c, ins, () -> {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    bindInsert(ps, cols, ins);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        List<Value> k = new ArrayList<>();
                        for (int j = 0; j < t.key.size(); j++) k.add(t.codec.read(rs, j + 1, t.key.get(j)));
                        return WriteResult.Applied.of(ValueCodec.encodeKey(k));
                    }
                }
            });
        }
        // An insert that found its key taken meanwhile: the row exists, so this is find-or-create's "found".
        List<Integer> raced = withKey.stream().filter(i -> results[i] == null).toList();
        if (!raced.isEmpty()) {
            Map<Integer, NativeKey> keys = new LinkedHashMap<>();
            for (int i : raced) keys.put(i, keyOf((Write.Insert) writes.get(i)));
            Map<NativeKey, TableAccess.Image> now = t.readByKeys(c, keys.values());
            for (var e : keys.entrySet()) {
                TableAccess.Image img = now.get(e.getValue());
                results[e.getKey()] = img != null ? new WriteResult.Applied(e.getValue(), true, Optional.of(img.row()))
                        : new WriteResult.Rejected(t.table.label() + ": the insert of key " + e.getValue()
                        + " was refused as a duplicate, but no row has that key: another unique key of the table holds the same value");
            }
        }
    }

    private List<String> insertColumns(Write.Insert ins) {
        List<String> cols = new ArrayList<>(ins.values().names());
        if (t.externalId != null) cols.add(t.externalId.name());
        return cols;
    }

    private void bindInsert(PreparedStatement ps, List<String> cols, Write.Insert ins) throws SQLException {
        for (int j = 0; j < cols.size(); j++) {
            String name = cols.get(j);
            Value v = t.externalId != null && name.equals(t.externalId.name()) && !ins.values().has(name)
                    ? Value.str(ins.recordId().value()) : ins.values().get(name);
            t.codec.bind(ps, j + 1, t.table.require(name), v);
        }
    }

    /** The native key held in an insert's values, or {@code null} when the database generates it. */
    private NativeKey keyOf(Row values) {
        List<Value> parts = new ArrayList<>();
        for (Column k : t.key) {
            if (!values.has(k.name()) || values.get(k.name()).isNull()) return null;
            parts.add(values.get(k.name()));
        }
        return ValueCodec.encodeKey(parts);
    }

    private NativeKey keyOf(Write.Insert ins) {
        return keyOf(ins.values());
    }

    private Map<Integer, NativeKey> findByExternalIds(Connection c, List<Write> writes, List<Integer> idx) throws SQLException {
        Map<String, Integer> byId = new LinkedHashMap<>();
        for (int i : idx) byId.put(writes.get(i).recordId().value(), i);
        Map<Integer, NativeKey> out = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>(byId.keySet());
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            String sql = "SELECT " + t.keyList() + ", " + dialect.quote(t.externalId.name()) + " FROM " + t.name
                    + " WHERE " + dialect.quote(t.externalId.name()) + " IN (" + marks(chunk.size()) + ")";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int j = 0; j < chunk.size(); j++) ps.setString(j + 1, chunk.get(j));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<Value> k = new ArrayList<>();
                        for (int j = 0; j < t.key.size(); j++) k.add(t.codec.read(rs, j + 1, t.key.get(j)));
                        out.put(byId.get(rs.getString(t.key.size() + 1)), ValueCodec.encodeKey(k));
                    }
                }
            }
        }
        return out;
    }

    private Optional<NativeKey> findByMatch(Connection c, Row match) throws SQLException {
        List<String> names = new ArrayList<>(match.names());
        String sql = "SELECT " + t.keyList() + " FROM " + t.name + " WHERE "
                + names.stream().map(n -> dialect.nullSafeEquals(dialect.quote(n))).collect(Collectors.joining(" AND "))
                + " ORDER BY " + t.keyList() + " LIMIT 1";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int j = 0; j < names.size(); j++) t.codec.bind(ps, j + 1, t.table.require(names.get(j)), match.get(names.get(j)));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                List<Value> k = new ArrayList<>();
                for (int j = 0; j < t.key.size(); j++) k.add(t.codec.read(rs, j + 1, t.key.get(j)));
                return Optional.of(ValueCodec.encodeKey(k));
            }
        }
    }

    // ---- updates and deletes ---------------------------------------------------------------------------------

    private void applyGrouped(Connection c, List<Write> writes, List<Integer> idx, WriteResult[] results) throws SQLException {
        Map<String, List<Integer>> shapes = new LinkedHashMap<>();
        for (int i : idx) shapes.computeIfAbsent(sql(writes.get(i)), k -> new ArrayList<>()).add(i);
        for (var shape : shapes.entrySet()) {
            Write first = writes.get(shape.getValue().getFirst());
            if (first instanceof Write.Delete d && d.archive()) {
                ensureArchive(c);
                for (int i : shape.getValue()) results[i] = single(c, writes.get(i), () -> archiveAndDelete(c, (Write.Delete) writes.get(i)));
                continue;
            }
            runBatch(c, shape.getKey(), shape.getValue(), writes, results, this::bindGuarded,
                    (w, count) -> count > 0 ? WriteResult.Applied.of(keyOf(w)) : null);
        }
    }

    private static NativeKey keyOf(Write w) {
        return switch (w) {
            case Write.Update u -> u.key();
            case Write.Delete d -> d.key();
            case Write.Insert i -> throw new IllegalArgumentException("insert has no key yet");
        };
    }

    private String sql(Write w) {
        return switch (w) {
            case Write.Update u -> "UPDATE " + t.name + " SET " + u.values().names().stream().map(n -> dialect.quote(n) + " = ?")
                    .collect(Collectors.joining(", ")) + " WHERE " + guard(u.expected());
            case Write.Delete d -> (d.archive() ? "ARCHIVE " : "") + "DELETE FROM " + t.name + " WHERE " + guard(d.expected());
            case Write.Insert i -> throw new IllegalArgumentException();
        };
    }

    private String guard(Row expected) {
        StringBuilder sb = new StringBuilder(t.keyEquals());
        for (String n : expected.names()) sb.append(" AND ").append(dialect.nullSafeEquals(dialect.quote(n)));
        return sb.toString();
    }

    private void bindGuarded(PreparedStatement ps, Write w) throws SQLException {
        int i = 1;
        Row expected;
        NativeKey key;
        if (w instanceof Write.Update u) {
            for (String n : u.values().names()) t.codec.bind(ps, i++, t.table.require(n), u.values().get(n));
            expected = u.expected();
            key = u.key();
        } else {
            Write.Delete d = (Write.Delete) w;
            expected = d.expected();
            key = d.key();
        }
        i = t.bindKey(ps, i, key);
        for (String n : expected.names()) t.codec.bind(ps, i++, t.table.require(n), expected.get(n));
    }

    private void ensureArchive(Connection c) throws SQLException {
        if (archiveReady) return;
        String archive = dialect.table(t.table.schema(), archiveName());
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + archive + " AS SELECT * FROM " + t.name + " WHERE 1 = 0");
        }
        archiveReady = true;
    }

    private String archiveName() {
        return t.config.archiveTable() != null ? t.config.archiveTable() : t.table.name() + "_archive";
    }

    private WriteResult archiveAndDelete(Connection c, Write.Delete d) throws SQLException {
        String archive = dialect.table(t.table.schema(), archiveName());
        try (PreparedStatement copy = c.prepareStatement("INSERT INTO " + archive + " SELECT * FROM " + t.name + " WHERE " + guard(d.expected()));
             PreparedStatement del = c.prepareStatement("DELETE FROM " + t.name + " WHERE " + guard(d.expected()))) {
            bindGuarded(copy, d);
            if (copy.executeUpdate() == 0) return null;
            bindGuarded(del, d);
            return del.executeUpdate() > 0 ? WriteResult.Applied.of(d.key()) : null;
        }
    }

    // ---- batches, savepoints, outcomes -----------------------------------------------------------------------

    private interface Binder {
        void bind(PreparedStatement ps, Write w) throws SQLException;
    }

    private interface Outcome {
        /** The result for an update count; {@code null}: the precondition did not hold (settled afterwards). */
        WriteResult of(Write w, int count);
    }

    private interface Single {
        WriteResult run() throws SQLException;
    }

    /** Sends writes of one shape as one JDBC batch; if the database refuses one, replays them one by one. */
    private void runBatch(Connection c, String sql, List<Integer> idx, List<Write> writes, WriteResult[] results,
                          Binder binder, Outcome outcome) throws SQLException {
        runBatch(c, sql, idx, writes, results, binder, outcome, false);
    }

    /** Whether update counts decide the outcome (guarded updates and deletes, insert-if-absent). */
    private static boolean guarded(String sql) {
        return !sql.startsWith("INSERT") || sql.contains("ON CONFLICT");
    }

    private void runBatch(Connection c, String sql, List<Integer> idx, List<Write> writes, WriteResult[] results,
                          Binder binder, Outcome outcome, boolean keyGiven) throws SQLException {
        boolean guarded = guarded(sql);
        Savepoint sp = c.setSavepoint();
        int[] counts;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i : idx) {
                binder.bind(ps, writes.get(i));
                ps.addBatch();
            }
            counts = ps.executeBatch();
            if (guarded && java.util.Arrays.stream(counts).anyMatch(n -> n == Statement.SUCCESS_NO_INFO)) {
                // The driver did not say which statements matched: a precondition must not pass for unknown.
                throw new SQLException("batch answered without update counts; replaying one by one", "01000");
            }
        } catch (SQLException e) {
            if (dialect.connectionLost(e)) throw e;
            c.rollback(sp);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i : idx) {
                    Write w = writes.get(i);
                    results[i] = single(c, w, keyGiven, () -> {
                        binder.bind(ps, w);
                        return outcome.of(w, ps.executeUpdate());
                    });
                }
            }
            return;
        }
        c.releaseSavepoint(sp);
        for (int j = 0; j < idx.size(); j++) {
            int count = counts[j] == Statement.SUCCESS_NO_INFO ? 1 : counts[j];
            results[idx.get(j)] = outcome.of(writes.get(idx.get(j)), count);
        }
    }

    /** Runs one write under its own savepoint: a refusal becomes this write's result, not the batch's failure. */
    private WriteResult single(Connection c, Write w, Single body) throws SQLException {
        return single(c, w, false, body);
    }

    /** @param keyGiven an insert of a given key: a duplicate key means the row exists, settled afterwards as found */
    private WriteResult single(Connection c, Write w, boolean keyGiven, Single body) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try {
            WriteResult r = body.run();
            c.releaseSavepoint(sp);
            return r;
        } catch (SQLException e) {
            if (dialect.connectionLost(e)) throw e;
            c.rollback(sp);
            if (keyGiven && duplicateKey(e)) return null; // someone inserted this key meanwhile: settled as found
            String reason = t.table.label() + ": " + firstLine(e) + (e.getSQLState() == null ? "" : " [SQLState " + e.getSQLState() + "]");
            return dialect.transientFailure(e) ? new WriteResult.Failed(reason) : new WriteResult.Rejected(reason);
        }
    }

    private static boolean duplicateKey(SQLException e) {
        String state = e.getSQLState();
        return "23505".equals(state) || e.getErrorCode() == 1062 || e.getErrorCode() == 1555 || e.getErrorCode() == 2067
                || (e.getMessage() != null && e.getMessage().contains("UNIQUE constraint failed"));
    }

    private static String firstLine(SQLException e) {
        SQLException cause = e instanceof BatchUpdateException b && b.getNextException() != null ? b.getNextException() : e;
        String m = String.valueOf(cause.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Updates and deletes whose precondition did not hold: answer with the row as it is now (empty: gone). */
    private void settlePreconditions(Connection c, List<Write> writes, WriteResult[] results) throws SQLException {
        Map<Integer, NativeKey> pending = new LinkedHashMap<>();
        for (int i = 0; i < writes.size(); i++) {
            if (results[i] == null && !(writes.get(i) instanceof Write.Insert)) pending.put(i, keyOf(writes.get(i)));
        }
        if (pending.isEmpty()) return;
        Map<NativeKey, TableAccess.Image> now = t.readByKeys(c, pending.values());
        for (var e : pending.entrySet()) {
            results[e.getKey()] = new WriteResult.PreconditionFailed(Optional.ofNullable(now.get(e.getValue())).map(TableAccess.Image::row));
        }
    }

    private String quoted(List<String> cols) {
        return cols.stream().map(dialect::quote).collect(Collectors.joining(", "));
    }

    private static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    // ---- reads -----------------------------------------------------------------------------------------------

    @Override
    public Map<NativeKey, Row> read(Collection<NativeKey> keys) {
        synchronized (readLock) {
            try {
                Map<NativeKey, Row> out = new LinkedHashMap<>();
                t.readByKeys(readConnection(), keys).forEach((k, img) -> out.put(k, img.row()));
                return out;
            } catch (SQLException e) {
                RuntimeException r = t.db.translate("reading " + t.table.label(), e);
                if (r instanceof dev.twoway.spi.SystemUnavailableException) dropReadConnection();
                throw r;
            }
        }
    }

    @Override
    public Optional<NativeKey> find(RecordId recordId, Row match) {
        synchronized (readLock) {
            try {
                Connection c = readConnection();
                if (t.externalId != null) {
                    Map<Integer, NativeKey> byExt = findByExternalIds(c, List.of(new Write.Insert(recordId, Row.empty(), match)), List.of(0));
                    if (byExt.containsKey(0)) return Optional.of(byExt.get(0));
                }
                return match.size() == 0 ? Optional.empty() : findByMatch(c, match);
            } catch (SQLException e) {
                RuntimeException r = t.db.translate("looking up a row in " + t.table.label(), e);
                if (r instanceof dev.twoway.spi.SystemUnavailableException) dropReadConnection();
                throw r;
            }
        }
    }

    @Override
    public void close() {
        dropConnection();
        synchronized (readLock) {
            dropReadConnection();
        }
    }
}
