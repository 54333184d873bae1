package dev.twoway.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.clock.HlcTimestamp;
import dev.twoway.clock.HybridLogicalClock;
import dev.twoway.merge.Base;
import dev.twoway.merge.FieldVersion;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.RecordSink;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.StateStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine of one sync: capture → resolve → outbox → deliver.
 *
 * <ul>
 *   <li>{@link #captureOnce} reads a batch of changes from one endpoint and resolves them against the records'
 *       bases in ONE state-store transaction, which also stores the new bases, the outbox entries, conflicts,
 *       audit entries and the capture position. A crash before the commit loses nothing: the batch is read
 *       again from the old position.</li>
 *   <li>{@link #deliverOnce} takes due outbox entries of one endpoint, computes each record's write from its
 *       current state (so queued changes coalesce), applies them in one sink call, and records the outcome.
 *       A crash between the sink call and the record of its outcome is repaired on the next attempt: the
 *       precondition fails (the row already holds the new values), the engine reads the row, recognizes its
 *       own write and has nothing left to do; a retried insert finds its row by match key or external id.</li>
 * </ul>
 *
 * <p>Threading: one thread at a time per endpoint for capture and one for delivery; captures of different
 * endpoints and deliveries run in parallel. Each record's state is only changed inside a store transaction
 * (serializable), so a record is never resolved twice at once; different records proceed in the same batch.
 * The runtime ({@link EngineRuntime}) runs these loops; tests call the steps directly. The work itself is in
 * {@link Resolver} (capture → resolve) and {@link Delivery} (outbox → deliver); this class wires them and
 * offers the operations people use: resolve a conflict, retry a dead letter, read the status.
 */
public final class SyncEngine {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The connector side of one endpoint. */
    public record EndpointIo(ChangeSource source, RecordSink sink) {
        public EndpointIo {
            Objects.requireNonNull(source);
            Objects.requireNonNull(sink);
        }
    }

    /** What one capture step did. */
    public record CaptureReport(int changes, int resolved, boolean caughtUp) {
    }

    /** What one delivery step did. */
    public record DeliveryReport(int due, int applied, int retried, int deadLettered, boolean targetUnavailable) {
        static final DeliveryReport NOTHING = new DeliveryReport(0, 0, 0, 0, false);
    }

    private final SyncDefinition sync;
    private final StateStore store;
    private final EngineOptions options;
    private final AuditRecorder audit;
    private final Map<String, HybridLogicalClock> clocks = new ConcurrentHashMap<>();
    private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
    /** Per endpoint, why its last capture step failed; removed by the next step that works. */
    private final Map<String, String> captureErrors = new ConcurrentHashMap<>();
    /** Per endpoint, the sequence number taken before the latest capture that read everything there was. */
    private final Map<String, Long> caughtUpAt = new ConcurrentHashMap<>();
    private final AtomicLong sequence;
    private final Resolver resolver;
    private final Delivery delivery;
    private final EngineEvents events;

    public SyncEngine(SyncDefinition sync, Map<String, EndpointIo> io, StateStore store, EngineOptions options) {
        this(sync, io, store, options, EngineListener.NONE);
    }

    /** @param listener told what the engine does (for metrics); see {@link EngineListener} for when and how */
    public SyncEngine(SyncDefinition sync, Map<String, EndpointIo> io, StateStore store, EngineOptions options, EngineListener listener) {
        this.sync = sync;
        this.events = new EngineEvents(java.util.Objects.requireNonNull(listener, "listener"));
        this.store = store;
        this.options = options;
        for (EndpointDefinition e : sync.endpoints()) {
            if (!io.containsKey(e.name())) {
                throw new IllegalArgumentException("sync '" + sync.name() + "': no connection for endpoint '" + e.name() + "'");
            }
        }
        this.audit = new AuditRecorder(sync.name(), options.clock());
        this.sequence = new AtomicLong(store.inTransaction(tx -> {
            for (EndpointDefinition e : sync.endpoints()) {
                HlcTimestamp last = tx.meta(Resolver.hlcKey(sync.name(), e.name())).map(HlcTimestamp::decode).orElse(HlcTimestamp.ZERO);
                clocks.put(e.name(), new HybridLogicalClock(last));
            }
            return tx.meta(Resolver.sequenceKey(sync.name())).map(Long::parseLong).orElse(0L);
        }));
        this.resolver = new Resolver(sync, Map.copyOf(io), options, audit, clocks, sequence, events);
        this.delivery = new Delivery(resolver, store, caughtUpAt, lastErrors);
    }

    public SyncDefinition definition() {
        return sync;
    }

    // ---- capture → resolve ------------------------------------------------------------------------------

    /** Reads and resolves one batch of changes of {@code endpoint}. */
    public CaptureReport captureOnce(String endpoint) {
        try {
            CaptureReport r = capture(endpoint);
            captureErrors.remove(endpoint);
            return r;
        } catch (RuntimeException e) {
            captureErrors.put(endpoint, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            if (!(e instanceof dev.twoway.store.StateStoreException)) {
                boolean unavailable = e instanceof dev.twoway.spi.SystemUnavailableException;
                events.tell(l -> l.error(sync.name(), endpoint, EngineListener.Stage.CAPTURE, unavailable));
            }
            throw e;
        }
    }

    private CaptureReport capture(String endpoint) {
        EndpointDefinition def = sync.endpoint(endpoint);
        if (!def.direction().captured()) return new CaptureReport(0, 0, true);
        String position = store.inTransaction(tx -> tx.checkpoint(sync.name(), endpoint).orElse(null));
        resolver.captureStarted(endpoint); // before the read sequence number: deliveries from here on leave hints
        try {
            return capture(def, position);
        } finally {
            resolver.captureEnded(endpoint);
        }
    }

    private CaptureReport capture(EndpointDefinition def, String position) {
        String endpoint = def.name();
        // Taken before reading: any image read from here on may predate a write confirmed after this value.
        long readSeq = sequence.get();
        ChangeBatch batch = resolver.io.get(endpoint).source().poll(position, options.batchSize());
        Instant capturedAt = options.clock().instant();
        // A source may return several states of one row in a batch; the last one is the newest, and resolving
        // only it gives the same result as resolving each in turn (every merge compares against the shadow).
        Map<NativeKey, Change> latest = new LinkedHashMap<>();
        for (Change c : batch.changes()) {
            latest.remove(c.key());
            latest.put(c.key(), c);
        }
        Map<NativeKey, Resolver.Fresh> fresh = resolver.readAgain(endpoint, latest.keySet(), readSeq);
        int resolved = events.inTransaction(store, tx -> {
            int n = 0;
            for (Change c : latest.values()) {
                if (resolver.resolveChange(tx, def, c, readSeq, capturedAt, fresh)) n++;
            }
            tx.saveCheckpoint(sync.name(), endpoint, batch.position());
            tx.putMeta(Resolver.hlcKey(sync.name(), endpoint), clocks.get(endpoint).last().encode());
            return n;
        });
        if (batch.caughtUp()) caughtUpAt.merge(endpoint, readSeq, Math::max);
        events.tell(l -> l.captured(sync.name(), endpoint, batch.changes().size(), batch.caughtUp()));
        return new CaptureReport(batch.changes().size(), resolved, batch.caughtUp());
    }

    /**
     * Applies a person's decision on a parked conflict: the chosen value becomes the base (audited with the
     * actor and comment) and is written to every endpoint that holds something else.
     */
    public void resolveConflict(long conflictId, ConflictChoice choice, String actor, String comment) {
        events.run(store, tx -> {
            ConflictRecord c = tx.conflict(conflictId).filter(x -> x.sync().equals(sync.name()))
                    .orElseThrow(() -> new IllegalArgumentException("sync '" + sync.name() + "' has no conflict " + conflictId));
            if (!c.open()) throw new IllegalStateException("conflict " + conflictId + " is already resolved");
            RecordState state = tx.loadRecord(sync.name(), c.recordId()).orElseThrow(
                    () -> new IllegalStateException("conflict " + conflictId + " refers to unknown record " + c.recordId()));
            HlcTimestamp now = HlcTimestamp.of(options.clock().instant());
            FieldVersion version = new FieldVersion(now, "user:" + actor);
            RecordState next = switch (choice) {
                case ConflictChoice.TakeValue t -> {
                    if (c.field().equals(RecordState.RECORD)) {
                        throw new IllegalArgumentException("conflict " + conflictId + " is about deleting the record: choose delete or keep, not a value");
                    }
                    yield state.withBase(state.base().withField(c.field(), t.value(), version)).release(c.field());
                }
                case ConflictChoice.Delete d -> {
                    requireRecordConflict(c);
                    Base b = state.base().deleted() ? state.base() : state.base().tombstone(version);
                    yield state.withBase(b).release(RecordState.RECORD);
                }
                case ConflictChoice.Keep k -> {
                    requireRecordConflict(c);
                    yield state.withBase(keepBase(state, version)).release(RecordState.RECORD);
                }
            };
            resolver.persist(tx, next);
            Value chosen = choice instanceof ConflictChoice.TakeValue t ? t.value() : Value.str(choice instanceof ConflictChoice.Delete ? "delete" : "keep");
            ObjectNode resolution = JSON.createObjectNode().put("actor", actor).put("comment", comment);
            resolution.set("chosen", ValueJson.encode(chosen));
            tx.resolveConflict(conflictId, resolution.toString(), options.clock().instant());
            audit.decided(tx, state.id(), "user:" + actor, c.field(), chosen, comment, null);
            events.tell(l -> l.conflict(sync.name(), c.field(), Resolver.parkedPolicy(c.kind()), "resolved"));
        });
    }

    private static void requireRecordConflict(ConflictRecord c) {
        if (!c.field().equals(RecordState.RECORD)) {
            throw new IllegalArgumentException("conflict " + c.id() + " is about field '" + c.field() + "': choose a value, not delete or keep");
        }
    }

    /** Keeping a deleted record revives it with the values of the endpoint whose update met the delete. */
    private static Base keepBase(RecordState state, FieldVersion version) {
        Base base = state.base();
        if (!base.deleted()) return base;
        Base revived = base.revived();
        for (Shadow s : state.shadows().values()) {
            if (s.status() != Shadow.Status.PRESENT) continue;
            for (String f : s.values().names()) revived = revived.withField(f, s.values().get(f), version);
        }
        return revived;
    }

    public List<ConflictRecord> openConflicts() {
        return store.inTransaction(tx -> tx.openConflicts(sync.name(), Integer.MAX_VALUE));
    }

    // ---- outbox → deliver ---------------------------------------------------------------------------------

    /** Delivers one batch of due writes to {@code endpoint}. */
    public DeliveryReport deliverOnce(String endpoint) {
        try {
            return delivery.deliverOnce(endpoint);
        } catch (dev.twoway.store.StateStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            boolean unavailable = e instanceof dev.twoway.spi.SystemUnavailableException;
            events.tell(l -> l.error(sync.name(), endpoint, EngineListener.Stage.DELIVERY, unavailable));
            throw e;
        }
    }


    /** Puts a dead letter's write back in the outbox (or re-reads a row whose capture failed). */
    public void retryDeadLetter(long id) {
        events.run(store, tx -> {
            DeadLetter letter = tx.deadLetter(id).filter(d -> d.sync().equals(sync.name()))
                    .orElseThrow(() -> new IllegalArgumentException("sync '" + sync.name() + "' has no dead letter " + id));
            tx.removeDeadLetter(id);
            String prefix = "capture:" + letter.target() + ":";
            if (letter.recordId().value().startsWith(prefix)) {
                NativeKey key = new NativeKey(letter.recordId().value().substring(prefix.length()));
                Optional<Row> row = resolver.readRow(letter.target(), key);
                Change change = row.map(r -> Change.upsert(key, r, null)).orElse(Change.delete(key, null));
                resolver.resolveChange(tx, sync.endpoint(letter.target()), change, sequence.get(), options.clock().instant());
            } else {
                tx.enqueue(sync.name(), letter.target(), letter.recordId(), options.clock().instant());
            }
            audit.event(tx, letter.recordId(), letter.target(), "engine", "dead-letter-retry", Map.of("deadLetter", Long.toString(id)));
        });
    }

    /**
     * Gives a dead letter up: removes it (its write is not made) and records who did it and why in the audit trail
     * (action {@code dead-letter-discarded}, with the target and the error it had), in one transaction.
     *
     * @param actor  who, e.g. {@code user:alice}
     * @param reason why; required, so the trail says why a write was never made
     */
    public DeadLetter discardDeadLetter(long id, String actor, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("say why dead letter " + id + " is discarded (a reason); it is kept in the audit trail");
        }
        return store.inTransaction(tx -> {
            DeadLetter letter = tx.deadLetter(id).filter(d -> d.sync().equals(sync.name()))
                    .orElseThrow(() -> new IllegalArgumentException("sync '" + sync.name() + "' has no dead letter " + id));
            tx.removeDeadLetter(id);
            Map<String, String> detail = new java.util.LinkedHashMap<>();
            detail.put("deadLetter", Long.toString(id));
            detail.put("reason", reason.strip());
            detail.put("sync", letter.sync());
            detail.put("target", letter.target());
            detail.put("error", letter.error());
            detail.put("attempts", Integer.toString(letter.attempts()));
            audit.event(tx, letter.recordId(), letter.target(), actor, "dead-letter-discarded", detail);
            return letter;
        });
    }

    // ---- clocks and status ---------------------------------------------------------------------------------

    /**
     * Measures a system's clock offset, used to correct its source times, and tells the listeners. Returns the
     * measurement ({@link dev.twoway.clock.ClockOffsets.Offset#NONE} or the previous one if the system has no
     * readable clock); a clock that cannot be read throws what the connector threw.
     */
    public dev.twoway.clock.ClockOffsets.Offset measureClock(String system, java.util.function.Supplier<Optional<Instant>> systemClock) {
        dev.twoway.clock.ClockOffsets.Offset o = options.offsets().measure(system, systemClock);
        if (!o.measuredAt().equals(Instant.EPOCH)) events.tell(l -> l.clockMeasured(system, o.offset(), o.uncertainty()));
        return o;
    }

    /**
     * Per endpoint: queued writes, whether it is unavailable, the last delivery error (cleared by a batch that goes
     * through whole), why capture is failing now (cleared by the next capture step that works), and how long the
     * oldest write that is due has waited (zero when none is due).
     */
    public record EndpointStatus(String endpoint, long queued, boolean unavailable, String lastError, String captureError,
                                 String position, java.time.Duration oldestDueWait) {
        public EndpointStatus(String endpoint, long queued, boolean unavailable, String lastError, String captureError, String position) {
            this(endpoint, queued, unavailable, lastError, captureError, position, java.time.Duration.ZERO);
        }
    }

    public record SyncStatus(String sync, List<EndpointStatus> endpoints, int openConflicts, int deadLetters) {
    }

    /**
     * The delivery lag of an endpoint: how long the oldest write that is due at {@code now} has waited (zero when none
     * is due). One definition for {@code twoway status}, the API, the UI and the metrics.
     */
    public static java.time.Duration oldestDueWait(dev.twoway.store.StateTransaction tx, String sync, String endpoint, Instant now) {
        List<dev.twoway.store.OutboxEntry> oldest = tx.dueOutbox(sync, endpoint, now, 1);
        return oldest.isEmpty() || oldest.getFirst().dueAt().isAfter(now)
                ? java.time.Duration.ZERO : java.time.Duration.between(oldest.getFirst().dueAt(), now);
    }

    public SyncStatus status() {
        return store.inTransaction(tx -> {
            List<EndpointStatus> eps = new ArrayList<>();
            Instant now = options.clock().instant();
            for (EndpointDefinition e : sync.endpoints()) {
                eps.add(new EndpointStatus(e.name(), tx.outboxDepth(sync.name(), e.name()),
                        delivery.unavailable(e.name(), now), lastErrors.get(e.name()), captureErrors.get(e.name()),
                        tx.checkpoint(sync.name(), e.name()).orElse(null), oldestDueWait(tx, sync.name(), e.name(), now)));
            }
            return new SyncStatus(sync.name(), eps, tx.openConflicts(sync.name(), Integer.MAX_VALUE).size(),
                    tx.deadLetters(sync.name(), Integer.MAX_VALUE).size());
        });
    }

    /** For tests and tools: the stored state of a record. */
    public Optional<RecordState> record(RecordId id) {
        return store.inTransaction(tx -> tx.loadRecord(sync.name(), id));
    }
}
