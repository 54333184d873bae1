package dev.twoway.connector.memory;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One in-memory table: rows by key with generated integer keys, an external-id column the engine uses to find
 * rows it inserted, and a change log of keys. All methods are synchronized on the table: each is one
 * "transaction".
 */
public final class MemoryTable {

    /** A stored row: values, the engine's record id if the engine created it, and when it last changed. */
    record Stored(Row values, String externalId, Instant modifiedAt) {
    }

    /** One change-log entry: which row changed, and whether the engine made the change. */
    record Logged(long seq, NativeKey key, boolean byEngine) {
    }

    private final MemorySystem system;
    private final String name;
    private final TreeMap<NativeKey, Stored> rows = new TreeMap<>(MemoryTable::compareKeys);
    private final Map<NativeKey, Stored> deleted = new LinkedHashMap<>();
    /** External id → key: the engine's find-or-create looks rows up by it on every insert. */
    private final Map<String, NativeKey> byExternalId = new java.util.HashMap<>();
    private final List<Logged> log = new ArrayList<>();
    private final List<Row> archive = new ArrayList<>();
    private long nextKey = 1;
    private long engineWrites;

    MemoryTable(MemorySystem system, String name) {
        this.system = system;
        this.name = name;
    }

    /** Numeric keys sort numerically, so snapshot pages are stable and readable. */
    static int compareKeys(NativeKey a, NativeKey b) {
        boolean na = a.value().chars().allMatch(Character::isDigit) && !a.value().isEmpty();
        boolean nb = b.value().chars().allMatch(Character::isDigit) && !b.value().isEmpty();
        if (na && nb) {
            int c = Integer.compare(a.value().length(), b.value().length());
            return c != 0 ? c : a.value().compareTo(b.value());
        }
        return na != nb ? (na ? -1 : 1) : a.value().compareTo(b.value());
    }

    public String name() {
        return name;
    }

    void systemCheck() {
        system.checkAvailable();
    }

    WriteFaults faults() {
        return system.faults();
    }

    // ---- what users of the system do ------------------------------------------------------------------------

    /** Inserts a row as a user of the system would; returns its generated key. */
    public synchronized NativeKey insert(Row values) {
        return insert(values, null, false);
    }

    /** Changes some columns of a row as a user would; returns false if the row does not exist. */
    public synchronized boolean update(NativeKey key, Row changes) {
        Stored s = rows.get(key);
        if (s == null) return false;
        put(key, new Stored(s.values().withAll(changes), s.externalId(), system.now()), false);
        return true;
    }

    /** Deletes a row as a user would; returns false if it did not exist. */
    public synchronized boolean delete(NativeKey key) {
        return remove(key, false);
    }

    public synchronized Optional<Row> get(NativeKey key) {
        Stored s = rows.get(key);
        return s == null ? Optional.empty() : Optional.of(s.values());
    }

    public synchronized Map<NativeKey, Row> snapshot() {
        Map<NativeKey, Row> m = new LinkedHashMap<>();
        rows.forEach((k, s) -> m.put(k, s.values()));
        return m;
    }

    public synchronized List<Row> archived() {
        return List.copyOf(archive);
    }

    public synchronized int logSize() {
        return log.size();
    }

    /** How many log entries were made by the engine's writes (the echoes a connector could tag away). */
    public synchronized long engineLogEntries() {
        return log.stream().filter(Logged::byEngine).count();
    }

    /** How many writes of the engine took effect here (inserts, updates, deletes), found rows not counted. */
    public synchronized long engineWrites() {
        return engineWrites;
    }

    // ---- used by the sink and the source ------------------------------------------------------------------

    synchronized NativeKey insert(Row values, String externalId, boolean byEngine) {
        NativeKey key = new NativeKey(Long.toString(nextKey++));
        put(key, new Stored(values, externalId, system.now()), byEngine);
        return key;
    }

    synchronized Optional<NativeKey> findByExternalId(String externalId) {
        return Optional.ofNullable(byExternalId.get(externalId));
    }

    synchronized Optional<NativeKey> findByValues(Row match) {
        if (match.size() == 0) return Optional.empty();
        return rows.entrySet().stream().filter(e -> matches(e.getValue().values(), match)).map(Map.Entry::getKey).findFirst();
    }

    /** Applies {@code changes} if the row's {@code expected} columns hold the expected values. */
    synchronized Precondition updateIf(NativeKey key, Row changes, Row expected) {
        Stored s = rows.get(key);
        if (s == null) return Precondition.MISSING;
        if (!matches(s.values(), expected)) return Precondition.FAILED;
        put(key, new Stored(s.values().withAll(changes), s.externalId(), system.now()), true);
        return Precondition.HELD;
    }

    synchronized Precondition deleteIf(NativeKey key, Row expected, boolean archiveFirst) {
        Stored s = rows.get(key);
        if (s == null) return Precondition.MISSING;
        if (!matches(s.values(), expected)) return Precondition.FAILED;
        if (archiveFirst) archive.add(s.values());
        remove(key, true);
        return Precondition.HELD;
    }

    enum Precondition { HELD, FAILED, MISSING }

    private static boolean matches(Row values, Row expected) {
        for (String c : expected.names()) {
            Value have = values.has(c) ? values.get(c) : Value.NULL;
            if (!have.equals(expected.get(c))) return false;
        }
        return true;
    }

    /** Log entries after {@code afterSeq}, at most {@code max}. */
    synchronized List<Logged> logAfter(long afterSeq, int max) {
        int from = (int) Math.min(afterSeq, log.size());
        return List.copyOf(log.subList(from, Math.min(log.size(), from + max)));
    }

    /** Rows after {@code afterKey} in key order, at most {@code max}: snapshot pages. */
    synchronized List<Map.Entry<NativeKey, Stored>> page(NativeKey afterKey, int max) {
        var tail = afterKey == null ? rows : rows.tailMap(afterKey, false);
        List<Map.Entry<NativeKey, Stored>> out = new ArrayList<>();
        for (var e : tail.entrySet()) {
            if (out.size() >= max) break;
            out.add(Map.entry(e.getKey(), e.getValue()));
        }
        return out;
    }

    synchronized Optional<Stored> stored(NativeKey key) {
        return Optional.ofNullable(rows.get(key));
    }

    /** The last state of a deleted row, with the time of its delete as {@code modifiedAt}. */
    synchronized Stored deleted(NativeKey key) {
        return deleted.get(key);
    }

    private void put(NativeKey key, Stored s, boolean byEngine) {
        if (byEngine) engineWrites++;
        rows.put(key, s);
        if (s.externalId() != null) byExternalId.put(s.externalId(), key);
        deleted.remove(key);
        appendLog(key, byEngine);
    }

    private boolean remove(NativeKey key, boolean byEngine) {
        Stored old = rows.remove(key);
        if (old == null) return false;
        if (old.externalId() != null) byExternalId.remove(old.externalId());
        if (byEngine) engineWrites++;
        deleted.put(key, new Stored(old.values(), old.externalId(), system.now()));
        appendLog(key, byEngine);
        return true;
    }

    private void appendLog(NativeKey key, boolean byEngine) {
        if (byEngine && system.tagOwnWrites()) return;
        log.add(new Logged(log.size() + 1, key, byEngine));
    }
}
