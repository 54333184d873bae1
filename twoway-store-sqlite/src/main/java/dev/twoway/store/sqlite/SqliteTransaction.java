package dev.twoway.store.sqlite;

import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditQuery;
import dev.twoway.clock.HlcTimestamp;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.RecordStateCodec;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.store.ConflictQuery;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.OutboxEntry;
import dev.twoway.store.StateTransaction;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The store's operations on its one connection. Used only inside {@link SqliteStateStore#inTransaction}, under
 * the store's lock; prepared statements are cached because the engine calls the same few thousands of times
 * per transaction.
 */
final class SqliteTransaction implements StateTransaction {
    private final Connection c;
    private final Supplier<String> store;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    /**
     * Record states as last read or saved through this connection, decoded, with their links once saved, the least
     * recently used dropped beyond {@code CACHED_STATES}: the engine loads and saves a record several times while
     * syncing it (capture, planning, the recording of the write, …), and reading and decoding it, and reading its
     * links before each save, was about a fifth of an initial sync's CPU time (docs/performance.md). Kept right by
     * {@link SqliteStateStore}: emptied when another connection committed to the file (a CLI command), and for the
     * records a transaction saved, when it rolls back; the links of all are forgotten when a key moves between records.
     */
    private final Map<String, Cached> states = new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > CACHED_STATES;
        }
    };

    /**
     * A record's state and, once it was saved through this connection, its rows in {@code links} (endpoint → native
     * key; {@code null}: not known, read them before changing them).
     */
    private record Cached(RecordState state, Map<String, String> links) {
    }

    static final int CACHED_STATES = 2_000;
    /** The audit chain's last entry as this transaction knows it ({@code null}: not read yet in this transaction). */
    private AuditHead auditHead;

    private record AuditHead(long seq, String hash) {
    }

    /** Keys of {@link #states} saved by the open transaction: forgotten if it rolls back. */
    private final java.util.Set<String> savedInTransaction = new java.util.HashSet<>();

    SqliteTransaction(Connection c, Supplier<String> store) {
        this.c = c;
        this.store = store;
    }

    // ---- records and links --------------------------------------------------------------------------------

    @Override
    public Optional<RecordId> findLinked(String sync, String endpoint, NativeKey key) {
        return one("SELECT record_id FROM links WHERE sync = ? AND endpoint = ? AND native_key = ?",
                rs -> new RecordId(rs.getString(1)), sync, endpoint, key.value());
    }

    @Override
    public Optional<RecordId> findByMatchKey(String sync, String matchKey) {
        return one("SELECT record_id FROM records WHERE sync = ? AND match_key = ? ORDER BY record_id LIMIT 1",
                rs -> new RecordId(rs.getString(1)), sync, matchKey);
    }

    @Override
    public Optional<RecordState> loadRecord(String sync, RecordId id) {
        String key = cacheKey(sync, id.value());
        Cached cached = states.get(key);
        if (cached != null) return Optional.of(cached.state());
        Optional<RecordState> read = one("SELECT state FROM records WHERE sync = ? AND record_id = ?",
                rs -> RecordStateCodec.decode(id, rs.getString(1)), sync, id.value());
        read.ifPresent(st -> states.put(key, new Cached(st, null)));
        return read;
    }

    @Override
    public void saveRecord(String sync, RecordState state, String matchKey) {
        String id = state.id().value();
        String key = cacheKey(sync, id);
        // Out of the cache until this save is complete: a statement that fails half way leaves nothing cached to trust.
        Cached before = states.remove(key);
        savedInTransaction.add(key);
        update("INSERT INTO records (sync, record_id, state, match_key) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (sync, record_id) DO UPDATE SET state = excluded.state, match_key = excluded.match_key",
                sync, id, RecordStateCodec.encode(state), matchKey);
        // The links change rarely (a record is saved several times per sync, its keys once): write only the
        // difference to the links the record has, as known from its last save through this connection, or else read.
        Map<String, String> wanted = new HashMap<>();
        for (Map.Entry<String, Shadow> e : state.shadows().entrySet()) {
            if (e.getValue().key() != null) wanted.put(e.getKey(), e.getValue().key().value());
        }
        Map<String, String> linked = before != null && before.links() != null ? before.links() : links(sync, id);
        Map<String, String> missing = new HashMap<>(wanted);
        for (Map.Entry<String, String> link : linked.entrySet()) {
            if (link.getValue().equals(wanted.get(link.getKey()))) {
                missing.remove(link.getKey());
            } else {
                update("DELETE FROM links WHERE sync = ? AND endpoint = ? AND native_key = ? AND record_id = ?", sync, link.getKey(), link.getValue(), id);
            }
        }
        boolean moved = false;
        for (Map.Entry<String, String> e : missing.entrySet()) {
            if (update("INSERT INTO links (sync, endpoint, native_key, record_id) VALUES (?, ?, ?, ?) ON CONFLICT (sync, endpoint, native_key) DO NOTHING",
                    sync, e.getKey(), e.getValue(), id) == 0) {
                // A key already linked to another record moves to this one: the latest link wins.
                update("UPDATE links SET record_id = ? WHERE sync = ? AND endpoint = ? AND native_key = ?", id, sync, e.getKey(), e.getValue());
                moved = true;
            }
        }
        if (moved) forgetLinks(); // the record that had the key no longer has the links its cache entry says
        states.put(key, new Cached(state, Map.copyOf(wanted)));
    }

    private Map<String, String> links(String sync, String recordId) {
        Map<String, String> out = new HashMap<>();
        for (String[] link : many("SELECT endpoint, native_key FROM links WHERE sync = ? AND record_id = ?",
                rs -> new String[]{rs.getString(1), rs.getString(2)}, sync, recordId)) {
            out.put(link[0], link[1]);
        }
        return out;
    }

    @Override
    public List<RecordId> recordIds(String sync, RecordId afterId, int limit) {
        return many("SELECT record_id FROM records WHERE sync = ? AND record_id > ? ORDER BY record_id LIMIT ?",
                rs -> new RecordId(rs.getString(1)), sync, afterId == null ? "" : afterId.value(), limit);
    }

    // ---- outbox --------------------------------------------------------------------------------------------

    @Override
    public void enqueue(String sync, String target, RecordId id, Instant dueAt) {
        update("INSERT INTO outbox (sync, target, record_id, version, attempts, due_at, last_error) VALUES (?, ?, ?, 1, 0, ?, NULL) "
                + "ON CONFLICT (sync, target, record_id) DO UPDATE SET version = outbox.version + 1, due_at = MIN(outbox.due_at, excluded.due_at)",
                sync, target, id.value(), micros(dueAt));
    }

    private static final String OUTBOX_COLUMNS = "SELECT sync, target, record_id, version, attempts, due_at, last_error FROM outbox ";

    @Override
    public List<OutboxEntry> dueOutbox(String sync, String target, Instant now, int limit) {
        return many(OUTBOX_COLUMNS + "WHERE sync = ? AND target = ? AND due_at <= ? ORDER BY due_at, record_id LIMIT ?",
                SqliteTransaction::outboxEntry, sync, target, micros(now), limit);
    }

    @Override
    public Optional<OutboxEntry> outboxEntry(String sync, String target, RecordId id) {
        return one(OUTBOX_COLUMNS + "WHERE sync = ? AND target = ? AND record_id = ?", SqliteTransaction::outboxEntry,
                sync, target, id.value());
    }

    private static OutboxEntry outboxEntry(ResultSet rs) throws SQLException {
        return new OutboxEntry(rs.getString(1), rs.getString(2), new RecordId(rs.getString(3)), rs.getLong(4), rs.getInt(5),
                fromMicros(rs.getLong(6)), rs.getString(7));
    }

    @Override
    public boolean completeOutbox(OutboxEntry e) {
        return update("DELETE FROM outbox WHERE sync = ? AND target = ? AND record_id = ? AND version = ?",
                e.sync(), e.target(), e.recordId().value(), e.version()) > 0;
    }

    @Override
    public void rescheduleOutbox(OutboxEntry e, int attempts, Instant dueAt, String error) {
        update("UPDATE outbox SET attempts = ?, due_at = ?, last_error = ? WHERE sync = ? AND target = ? AND record_id = ?",
                attempts, micros(dueAt), error, e.sync(), e.target(), e.recordId().value());
    }

    @Override
    public void dropOutbox(String sync, String target, RecordId id) {
        update("DELETE FROM outbox WHERE sync = ? AND target = ? AND record_id = ?", sync, target, id.value());
    }

    @Override
    public long outboxDepth(String sync, String target) {
        return one("SELECT COUNT(*) FROM outbox WHERE sync = ? AND target = ?", rs -> rs.getLong(1), sync, target).orElse(0L);
    }

    // ---- checkpoints ---------------------------------------------------------------------------------------

    @Override
    public Optional<String> checkpoint(String sync, String endpoint) {
        return one("SELECT position FROM checkpoints WHERE sync = ? AND endpoint = ?", rs -> rs.getString(1), sync, endpoint);
    }

    @Override
    public void saveCheckpoint(String sync, String endpoint, String position) {
        update("INSERT INTO checkpoints (sync, endpoint, position) VALUES (?, ?, ?) "
                + "ON CONFLICT (sync, endpoint) DO UPDATE SET position = excluded.position", sync, endpoint, position);
    }

    @Override
    public void clearCheckpoint(String sync, String endpoint) {
        update("DELETE FROM checkpoints WHERE sync = ? AND endpoint = ?", sync, endpoint);
    }

    // ---- conflicts -----------------------------------------------------------------------------------------

    private static final String CONFLICT_COLUMNS =
            "SELECT id, sync, record_id, field, kind, candidates, created_at, status, resolution, resolved_at FROM conflicts ";

    @Override
    public ConflictRecord addConflict(ConflictRecord c) {
        update("INSERT INTO conflicts (sync, record_id, field, kind, candidates, created_at, status) VALUES (?, ?, ?, ?, ?, ?, 'open')",
                c.sync(), c.recordId().value(), c.field(), c.kind(), c.candidates(), c.createdAt().toString());
        long id = one("SELECT last_insert_rowid()", rs -> rs.getLong(1)).orElseThrow();
        return conflict(id).orElseThrow();
    }

    @Override
    public void updateConflictCandidates(long id, String candidates) {
        update("UPDATE conflicts SET candidates = ? WHERE id = ? AND status = 'open'", candidates, id);
    }

    @Override
    public Optional<ConflictRecord> conflict(long id) {
        return one(CONFLICT_COLUMNS + "WHERE id = ?", SqliteTransaction::conflictRecord, id);
    }

    @Override
    public List<ConflictRecord> openConflicts(String sync, int limit) {
        return sync == null
                ? many(CONFLICT_COLUMNS + "WHERE status = 'open' ORDER BY id LIMIT ?", SqliteTransaction::conflictRecord, limit)
                : many(CONFLICT_COLUMNS + "WHERE sync = ? AND status = 'open' ORDER BY id LIMIT ?", SqliteTransaction::conflictRecord, sync, limit);
    }

    @Override
    public List<ConflictRecord> conflicts(ConflictQuery q) {
        StringBuilder sql = new StringBuilder(CONFLICT_COLUMNS + "WHERE id > ?");
        List<Object> args = new ArrayList<>();
        args.add(q.afterId());
        if (q.sync() != null) { sql.append(" AND sync = ?"); args.add(q.sync()); }
        if (q.status() != null) { sql.append(" AND status = ?"); args.add(q.status()); }
        if (q.recordId() != null) { sql.append(" AND record_id = ?"); args.add(q.recordId()); }
        if (q.field() != null) { sql.append(" AND field = ?"); args.add(q.field()); }
        sql.append(" ORDER BY id LIMIT ?");
        args.add(q.limit());
        return many(sql.toString(), SqliteTransaction::conflictRecord, args.toArray());
    }

    @Override
    public List<ConflictRecord> openConflicts(String sync, RecordId id) {
        return many(CONFLICT_COLUMNS + "WHERE sync = ? AND status = 'open' AND record_id = ? ORDER BY id",
                SqliteTransaction::conflictRecord, sync, id.value());
    }

    @Override
    public void resolveConflict(long id, String resolution, Instant at) {
        update("UPDATE conflicts SET status = 'resolved', resolution = ?, resolved_at = ? WHERE id = ?", resolution, at.toString(), id);
    }

    private static ConflictRecord conflictRecord(ResultSet rs) throws SQLException {
        String resolvedAt = rs.getString(10);
        return new ConflictRecord(rs.getLong(1), rs.getString(2), new RecordId(rs.getString(3)), rs.getString(4), rs.getString(5),
                rs.getString(6), Instant.parse(rs.getString(7)), rs.getString(8), rs.getString(9),
                resolvedAt == null ? null : Instant.parse(resolvedAt));
    }

    // ---- dead letters --------------------------------------------------------------------------------------

    private static final String LETTER_COLUMNS = "SELECT id, sync, target, record_id, error, attempts, created_at FROM dead_letters ";

    @Override
    public DeadLetter addDeadLetter(DeadLetter d) {
        update("INSERT INTO dead_letters (sync, target, record_id, error, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (sync, target, record_id) DO UPDATE SET error = excluded.error, attempts = dead_letters.attempts + excluded.attempts",
                d.sync(), d.target(), d.recordId().value(), d.error(), d.attempts(), d.createdAt().toString());
        return one(LETTER_COLUMNS + "WHERE sync = ? AND target = ? AND record_id = ?", SqliteTransaction::deadLetter,
                d.sync(), d.target(), d.recordId().value()).orElseThrow();
    }

    @Override
    public Optional<DeadLetter> deadLetter(long id) {
        return one(LETTER_COLUMNS + "WHERE id = ?", SqliteTransaction::deadLetter, id);
    }

    @Override
    public Optional<DeadLetter> deadLetter(String sync, String target, RecordId recordId) {
        return one(LETTER_COLUMNS + "WHERE sync = ? AND target = ? AND record_id = ?", SqliteTransaction::deadLetter, sync, target, recordId.value());
    }

    @Override
    public List<DeadLetter> deadLetters(String sync, int limit) {
        return sync == null
                ? many(LETTER_COLUMNS + "ORDER BY id LIMIT ?", SqliteTransaction::deadLetter, limit)
                : many(LETTER_COLUMNS + "WHERE sync = ? ORDER BY id LIMIT ?", SqliteTransaction::deadLetter, sync, limit);
    }

    @Override
    public void removeDeadLetter(long id) {
        update("DELETE FROM dead_letters WHERE id = ?", id);
    }

    private static DeadLetter deadLetter(ResultSet rs) throws SQLException {
        return new DeadLetter(rs.getLong(1), rs.getString(2), rs.getString(3), new RecordId(rs.getString(4)), rs.getString(5),
                rs.getInt(6), Instant.parse(rs.getString(7)));
    }

    // ---- audit ---------------------------------------------------------------------------------------------

    @Override
    public AuditEntry appendAudit(AuditEntry.Draft draft) {
        // The chain's head is read once per transaction, then kept here as entries are appended: never across
        // transactions, so nothing of it outlives a rollback or misses another process's entries.
        if (auditHead == null) {
            auditHead = one("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", rs -> new AuditHead(rs.getLong(1), rs.getString(2)))
                    .orElse(new AuditHead(0, AuditChain.GENESIS));
        }
        AuditEntry e = AuditChain.seal(auditHead.seq() + 1, auditHead.hash(), draft);
        update("INSERT INTO audit (seq, time, sync, record_id, system, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                e.seq(), e.time().toString(), e.sync(), e.recordId(), e.system(), e.actor(), e.action(), e.detail(), e.prevHash(), e.hash());
        auditHead = new AuditHead(e.seq(), e.hash());
        return e;
    }

    @Override
    public List<AuditEntry> audit(long afterSeq, int limit) {
        return many("SELECT seq, time, sync, record_id, system, actor, action, detail, prev_hash, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                SqliteTransaction::auditEntry, afterSeq, limit);
    }

    @Override
    public List<AuditEntry> audit(AuditQuery q) {
        StringBuilder sql = new StringBuilder("SELECT seq, time, sync, record_id, system, actor, action, detail, prev_hash, hash FROM audit WHERE seq > ?");
        List<Object> args = new ArrayList<>();
        args.add(q.afterSeq());
        // Times are stored as ISO-8601 UTC text from Instant.toString, whose fraction length varies: compare as instants in Java.
        if (q.sync() != null) { sql.append(" AND sync = ?"); args.add(q.sync()); }
        if (q.recordId() != null) { sql.append(" AND record_id = ?"); args.add(q.recordId()); }
        if (q.system() != null) { sql.append(" AND system = ?"); args.add(q.system()); }
        if (q.actor() != null) { sql.append(" AND actor = ?"); args.add(q.actor()); }
        if (q.action() != null) { sql.append(" AND action = ?"); args.add(q.action()); }
        sql.append(" ORDER BY seq");
        List<AuditEntry> out = new ArrayList<>();
        long after = q.afterSeq();
        while (out.size() < q.limit()) {
            args.set(0, after);
            List<AuditEntry> page = many(sql + " LIMIT 1000", SqliteTransaction::auditEntry, args.toArray());
            for (AuditEntry e : page) {
                if (q.matches(e)) out.add(e);
                if (out.size() == q.limit()) break;
            }
            if (page.size() < 1000) break;
            after = page.getLast().seq();
        }
        return out;
    }

    @Override
    public long lastAuditSeq() {
        return one("SELECT max(seq) FROM audit", rs -> rs.getLong(1)).orElse(0L); // max of no rows is NULL, read as 0
    }

    private static AuditEntry auditEntry(ResultSet rs) throws SQLException {
        return new AuditEntry(rs.getLong(1), Instant.parse(rs.getString(2)), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10));
    }

    // ---- meta ----------------------------------------------------------------------------------------------

    @Override
    public Optional<String> meta(String key) {
        return one("SELECT value FROM meta WHERE key = ?", rs -> rs.getString(1), key);
    }

    @Override
    public void putMeta(String key, String value) {
        update("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    }

    // ---- the cache of record states -------------------------------------------------------------------------

    private static String cacheKey(String sync, String recordId) {
        return sync + '\u0000' + recordId;
    }

    /** A transaction begins; {@code othersCommitted}: another connection committed to the file since the last one. */
    void begin(boolean othersCommitted) {
        auditHead = null;
        savedInTransaction.clear();
        if (othersCommitted) states.clear();
    }

    /** The transaction rolled back: what it saved is not in the file. */
    void rolledBack() {
        states.keySet().removeAll(savedInTransaction);
        savedInTransaction.clear();
    }

    /** Forgets the links of every cached state: a key moved from one record to another. */
    private void forgetLinks() {
        states.replaceAll((k, c) -> c.links() == null ? c : new Cached(c.state(), null));
    }

    // ---- JDBC plumbing -------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = c.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    private void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            switch (a) {
                case null -> ps.setNull(i + 1, Types.VARCHAR);
                case String s -> ps.setString(i + 1, s);
                case Long l -> ps.setLong(i + 1, l);
                case Integer n -> ps.setInt(i + 1, n);
                default -> throw new IllegalArgumentException("cannot bind " + a.getClass());
            }
        }
    }

    private <T> Optional<T> one(String sql, RowReader<T> reader, Object... args) {
        List<T> rows = many(sql, reader, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    private <T> List<T> many(String sql, RowReader<T> reader, Object... args) {
        try {
            PreparedStatement ps = prepare(sql);
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) out.add(reader.read(rs));
                return out;
            }
        } catch (SQLException e) {
            throw SqliteStateStore.translate(store.get(), e);
        }
    }

    private int update(String sql, Object... args) {
        try {
            PreparedStatement ps = prepare(sql);
            bind(ps, args);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw SqliteStateStore.translate(store.get(), e);
        }
    }

    void closeStatements() throws SQLException {
        for (PreparedStatement ps : statements.values()) ps.close();
        statements.clear();
    }

    private static long micros(Instant t) {
        return HlcTimestamp.micros(t);
    }

    private static Instant fromMicros(long micros) {
        return new HlcTimestamp(micros, 0).instant();
    }
}
