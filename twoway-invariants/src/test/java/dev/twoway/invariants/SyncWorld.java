package dev.twoway.invariants;

import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.connector.memory.WriteFaults;
import dev.twoway.engine.Backoff;
import dev.twoway.engine.ConflictChoice;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.StateStore;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A small world for invariant tests: N in-memory systems holding a {@code customer} table, one sync between
 * them, the real embedded SQLite state store, and an engine that can be killed and restarted at any step.
 * Every user edit is recorded, so that after quiescence the outcome can be checked against DESIGN.md's
 * invariants.
 */
final class SyncWorld implements AutoCloseable {
    static final String ENTITY = "customer";
    static final List<String> FIELDS = List.of("uid", "name", "phone", "score");
    static final List<String> EDITABLE = List.of("name", "phone", "score");

    /**
     * A user's edit of one field of one record in one system, in the order they happened.
     *
     * @param before what the field held in that system when the user changed it (null for an insert): the user saw
     *               it and replaced it
     */
    record Edit(long seq, String system, String uid, String field, Value value, Value before) {
    }

    final TestClock clock = new TestClock();
    final List<MemorySystem> systems = new ArrayList<>();
    final SyncDefinition definition;
    private final Path storeFile;
    private final Random random;
    private final int batchSize;
    private CrashingStore store;
    SyncEngine engine;

    final List<Edit> edits = new ArrayList<>();
    final Map<String, List<Long>> deletes = new HashMap<>(); // "system/uid" -> seq of user deletes
    private long editSeq;
    private int uidSeq;
    int crashes;

    SyncWorld(int systemCount, ConflictSettings settings, Path dir, long seed, int batchSize) {
        this.random = new Random(seed);
        this.batchSize = batchSize;
        this.storeFile = dir.resolve("state.db");
        List<EndpointDefinition> endpoints = new ArrayList<>();
        for (int i = 0; i < systemCount; i++) {
            MemorySystem s = new MemorySystem(name(i), clock);
            systems.add(s);
            endpoints.add(new EndpointDefinition(s.system(), ENTITY, Direction.BOTH,
                    EndpointMapping.identity(Set.copyOf(FIELDS)), null));
        }
        List<String> priority = endpoints.stream().map(EndpointDefinition::name).toList();
        this.definition = new SyncDefinition("customers", endpoints,
                new ConflictSettings(settings.defaultPolicy(), settings.fieldPolicies(), settings.deleteVsUpdate(),
                        settings.deletes(), priority, settings.skewWindow()), List.of());
        startEngine();
    }

    static String name(int i) {
        return "sys" + (char) ('a' + i);
    }

    // ---- the engine's life ------------------------------------------------------------------------------

    private void startEngine() {
        store = new CrashingStore(SqliteStateStore.open(storeFile));
        Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
        for (MemorySystem s : systems) io.put(s.system(), new SyncEngine.EndpointIo(s.source(ENTITY), s.sink(ENTITY)));
        EngineOptions options = EngineOptions.defaults().withClock(clock).withBatchSize(batchSize)
                .withMaxAttempts(1_000_000).withRandom(new Random(random.nextLong()))
                .withBackoff(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5)),
                        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5)));
        engine = new SyncEngine(definition, io, store, options);
        for (MemorySystem s : systems) {
            if (s.available()) engine.measureClock(s.system(), s::currentTime);
        }
    }

    /** kill -9: the engine object and its store connection are dropped mid-flight; a new one starts from the file. */
    void crash() {
        crashes++;
        store.close();
        startEngine();
    }

    void armStoreCrash(int afterTransactions) {
        store.crashAfter(afterTransactions);
    }

    void armCrashAfterApply(int system) {
        systems.get(system).setFaults(new WriteFaults() {
            boolean fired;

            @Override
            public void afterApply(int writes) {
                if (!fired) {
                    fired = true;
                    throw new SimulatedCrash("after the target committed " + writes + " writes");
                }
            }
        });
    }

    void failSomeWrites(int system, double probability) {
        Random r = new Random(random.nextLong());
        systems.get(system).setFaults(new WriteFaults() {
            @Override
            public boolean failTransiently(dev.twoway.spi.Write write) {
                return r.nextDouble() < probability;
            }
        });
    }

    void capture(int system) {
        try {
            engine.captureOnce(name(system));
        } catch (SimulatedCrash e) {
            crash();
        } catch (dev.twoway.spi.SystemUnavailableException e) {
            // the runtime backs off and polls again later; nothing was consumed
        }
    }

    void deliver(int system) {
        try {
            engine.deliverOnce(name(system));
        } catch (SimulatedCrash e) {
            crash();
        }
    }

    /**
     * A delivery to {@code system} while the world goes on: while the sink applies the writes, or after delivery
     * read rows again and before it records the answers, or both, a user there edits a row and that system's
     * capture (its own thread in a running engine) merges it. An answer or a read older than what capture merged
     * must not undo it.
     */
    void deliverWhileCaptureGoesOn(int system, int pick, int field) {
        MemorySystem s = systems.get(system);
        // The user's edit and its capture land while the write is applied, or after the engine read the row again
        // following the sink's answer and before it records the outcome, or both.
        int when = random.nextInt(3); // 0: while applying, 1: after the read, 2: both
        s.setFaults(new WriteFaults() {
            boolean applied, read, busy;

            @Override
            public void afterApply(int writes) {
                if (when != 1 && !applied && !busy) {
                    applied = true;
                    editAndCapture();
                }
            }

            @Override
            public void afterRead(int rows) {
                if (when != 0 && !read && !busy) {
                    read = true;
                    editAndCapture();
                }
            }

            private void editAndCapture() {
                busy = true; // the capture's own reads are not the delivery's
                try {
                    userUpdate(system, pick, field);
                    engine.captureOnce(name(system));
                } catch (dev.twoway.spi.SystemUnavailableException e) {
                    // the capture thread backs off; nothing was consumed
                } finally {
                    busy = false;
                }
            }
        });
        try {
            deliver(system);
        } finally {
            s.setFaults(WriteFaults.NONE);
        }
    }

    /**
     * A capture of {@code system} during which deliveries go on: after the capture read its batch and before it
     * merges it (and sometimes again after it read rows again ahead of its transaction), delivery to that system
     * applies and confirms writes (its own thread in a running engine), so the batch, or the rows read again, may
     * show rows as they were before writes confirmed meanwhile. Those must be read again, not merged as read.
     */
    void captureWhileDeliveriesGoOn(int system) {
        MemorySystem s = systems.get(system);
        // Also, sometimes, after the capture read rows again ahead of its transaction (a read that is then outdated).
        boolean afterRead = random.nextBoolean();
        s.setFaults(new WriteFaults() {
            boolean polled, read, busy;

            @Override
            public void afterPoll(int changes) {
                if (polled || busy) return;
                polled = true;
                deliver();
            }

            @Override
            public void afterRead(int rows) {
                if (!afterRead || !polled || read || busy || !aheadOfTheTransaction()) return;
                read = true;
                deliver();
            }

            /**
             * Whether this read is the capture's read ahead of its state transaction. A read inside that transaction
             * (where a running engine's delivery would wait for the store) is left alone.
             */
            private boolean aheadOfTheTransaction() {
                return StackWalker.getInstance().walk(f -> f.anyMatch(x -> x.getMethodName().equals("readAgain")));
            }

            private void deliver() {
                busy = true; // the delivery's own reads are not the capture's
                try {
                    engine.deliverOnce(name(system)); // a simulated crash in it ends the capture too, and capture() handles it
                } finally {
                    busy = false;
                }
            }
        });
        try {
            capture(system);
        } finally {
            s.setFaults(WriteFaults.NONE);
        }
    }

    // ---- what users do ----------------------------------------------------------------------------------

    void userInsert(int system) {
        MemorySystem s = systems.get(system);
        String uid = "u" + (++uidSeq);
        Row row = Row.of("uid", uid, "name", unique("n"), "phone", unique("p"), "score", (long) random.nextInt(1_000_000));
        clock.advance(Duration.ofMillis(1 + random.nextInt(50)));
        s.table(ENTITY).insert(row);
        for (String f : FIELDS) edits.add(new Edit(++editSeq, s.system(), uid, f, row.get(f), null));
    }

    void userUpdate(int system, int pick, int field) {
        MemorySystem s = systems.get(system);
        List<NativeKey> keys = new ArrayList<>(s.rows(ENTITY).keySet());
        if (keys.isEmpty()) return;
        NativeKey key = keys.get(Math.floorMod(pick, keys.size()));
        String f = EDITABLE.get(Math.floorMod(field, EDITABLE.size()));
        Value v = newValue(f);
        clock.advance(Duration.ofMillis(1 + random.nextInt(50)));
        Row before = s.rows(ENTITY).get(key);
        if (s.table(ENTITY).update(key, Row.of(f, v))) {
            edits.add(new Edit(++editSeq, s.system(), before.get("uid") instanceof Value.Str u ? u.value() : "?", f, v, before.get(f)));
        }
    }

    /** A value no user has given any field before. */
    private Value newValue(String field) {
        return field.equals("score") ? Value.integer(1_000_000L + (++editSeq)) : Value.str(unique(field.substring(0, 1)));
    }

    /**
     * An update in flight when the engine dies, then edited in its target: a user of {@code from} edits two fields
     * of a record, the engine captures that and sends both to {@code to}, and dies once {@code to} applied the write,
     * before recording its outcome. Then a user of {@code to} edits one of the two fields, and a user of {@code from}
     * the other one again (captured). After the restart the target's row shows one field as the engine wrote it and
     * the other as edited since: the write landed, and the value it brought is not a new edit made in {@code to}.
     */
    void writeLandsThenEdited(int from, int to, int pick, int field) {
        if (from == to) to = (from + 1) % systems.size();
        List<String> both = new ArrayList<>();
        for (Row r : systems.get(from).rows(ENTITY).values()) {
            String uid = ((Value.Str) r.get("uid")).value();
            if (row(to, uid) != null) both.add(uid);
        }
        if (both.isEmpty()) return;
        both.sort(null);
        String uid = both.get(Math.floorMod(pick, both.size()));
        String f = EDITABLE.get(Math.floorMod(field, EDITABLE.size()));
        String g = EDITABLE.get(Math.floorMod(field + 1, EDITABLE.size()));
        clock.advance(Duration.ofMillis(1 + random.nextInt(50)));
        set(from, uid, f, newValue(f));
        set(from, uid, g, newValue(g));
        capture(from);
        armCrashAfterApply(to);
        deliver(to);
        systems.get(to).setFaults(WriteFaults.NONE);
        clock.advance(Duration.ofMillis(1 + random.nextInt(50)));
        if (row(to, uid) != null) set(to, uid, g, newValue(g));
        clock.advance(Duration.ofMillis(1 + random.nextInt(50)));
        if (row(from, uid) != null) set(from, uid, f, newValue(f));
        capture(from);
    }

    void userDelete(int system, int pick) {
        MemorySystem s = systems.get(system);
        List<NativeKey> keys = new ArrayList<>(s.rows(ENTITY).keySet());
        if (keys.isEmpty()) return;
        NativeKey key = keys.get(Math.floorMod(pick, keys.size()));
        Row before = s.rows(ENTITY).get(key);
        clock.advance(Duration.ofMillis(1 + random.nextInt(50)));
        if (s.table(ENTITY).delete(key)) {
            deletes.computeIfAbsent(s.system() + "/" + ((Value.Str) before.get("uid")).value(), k -> new ArrayList<>()).add(++editSeq);
        }
    }

    /** Sets one field of record {@code uid} in one system, as a user there would. */
    void set(int system, String uid, String field, Value v) {
        MemorySystem s = systems.get(system);
        NativeKey key = keyOf(system, uid);
        Value before = s.rows(ENTITY).get(key).get(field);
        if (!s.table(ENTITY).update(key, Row.of(field, v))) throw new AssertionError("no row " + uid + " in " + s.system());
        edits.add(new Edit(++editSeq, s.system(), uid, field, v, before));
    }

    NativeKey keyOf(int system, String uid) {
        return systems.get(system).rows(ENTITY).entrySet().stream()
                .filter(e -> e.getValue().get("uid").equals(Value.str(uid))).map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + uid + " in " + name(system)));
    }

    /** Record {@code uid} as system {@code system} holds it, or null. */
    Row row(int system, String uid) {
        return systems.get(system).rows(ENTITY).values().stream()
                .filter(r -> r.get("uid").equals(Value.str(uid))).findFirst().orElse(null);
    }

    /** Inserts a record in one system and returns its uid. */
    String insert(int system, Row values) {
        String uid = "u" + (++uidSeq);
        Row row = values.with("uid", Value.str(uid));
        systems.get(system).table(ENTITY).insert(row);
        for (String f : row.names()) edits.add(new Edit(++editSeq, name(system), uid, f, row.get(f), null));
        return uid;
    }

    private String unique(String prefix) {
        return prefix + "-" + (++editSeq);
    }

    // ---- quiescence -------------------------------------------------------------------------------------

    /** Heals every fault and runs capture and delivery everywhere until nothing moves. Returns rounds used. */
    int quiesce(int maxRounds) {
        store.crashAfter(-1);
        for (MemorySystem s : systems) {
            s.setAvailable(true);
            s.setFaults(WriteFaults.NONE);
        }
        for (int round = 1; round <= maxRounds; round++) {
            boolean moved = false;
            for (int i = 0; i < systems.size(); i++) {
                while (true) {
                    SyncEngine.CaptureReport r = engine.captureOnce(name(i));
                    if (r.resolved() > 0) moved = true;
                    if (r.caughtUp() && r.changes() == 0) break;
                }
            }
            for (int i = 0; i < systems.size(); i++) {
                SyncEngine.DeliveryReport r = engine.deliverOnce(name(i));
                if (r.due() > 0) moved = true;
            }
            clock.advance(Duration.ofSeconds(10)); // past any backoff
            if (!moved && queued() == 0) return round;
        }
        if (Boolean.getBoolean("model.debug")) {
            audit().forEach(e -> System.out.println(e.seq() + " " + e.system() + " " + e.action() + " " + e.recordId() + " " + e.detail()));
            for (MemorySystem s : systems) {
                store.run(tx -> tx.dueOutbox(definition.name(), s.system(), clock.instant().plusSeconds(3600), 100).forEach(o -> {
                    System.out.println("OUTBOX " + o + "\n  STATE " + tx.loadRecord(definition.name(), o.recordId()));
                }));
                System.out.println("ROWS " + s.system() + " " + s.rows(ENTITY));
            }
        }
        throw new AssertionError("no quiescence after " + maxRounds + " rounds; status: " + engine.status());
    }

    long queued() {
        return engine.status().endpoints().stream().mapToLong(SyncEngine.EndpointStatus::queued).sum();
    }

    /** Decides every parked conflict by picking one of the versions shown, as a person would. */
    int resolveParkedConflicts() {
        int n = 0;
        for (ConflictRecord c : engine.openConflicts()) {
            ConflictChoice choice;
            if (c.field().equals("__record__")) {
                choice = random.nextBoolean() ? new ConflictChoice.Delete() : new ConflictChoice.Keep();
            } else {
                var versions = ValueJsonTree.versions(c.candidates());
                List<Value> values = new ArrayList<>(versions.values());
                choice = new ConflictChoice.TakeValue(values.get(random.nextInt(values.size())));
            }
            engine.resolveConflict(c.id(), choice, "tester", "picked in the model test");
            n++;
        }
        return n;
    }

    List<AuditEntry> audit() {
        return store.inTransaction(tx -> tx.audit(0, Integer.MAX_VALUE));
    }

    AuditChain.Verification verifyAudit() {
        return AuditChain.verify(audit());
    }

    StateStore store() {
        return store;
    }

    /** The JSON form a value has in the audit trail, to search for it. */
    static String auditForm(Value v) {
        return ValueJson.encode(v).toString();
    }

    @Override
    public void close() {
        store.close();
    }
}
