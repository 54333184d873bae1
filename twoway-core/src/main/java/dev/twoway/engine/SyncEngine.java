package dev.twoway.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.clock.HlcTimestamp;
import dev.twoway.clock.HybridLogicalClock;
import dev.twoway.mapping.MappingException;
import dev.twoway.merge.Base;
import dev.twoway.merge.Decision;
import dev.twoway.merge.FieldVersion;
import dev.twoway.merge.Incoming;
import dev.twoway.merge.MergeOutcome;
import dev.twoway.merge.Merger;
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
import dev.twoway.spi.SystemUnavailableException;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.OutboxEntry;
import dev.twoway.store.StateStore;
import dev.twoway.store.StateTransaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
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
 * The runtime ({@link EngineRuntime}) runs these loops; tests call the steps directly.
 */
public final class SyncEngine {
    private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
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
    private final Map<String, EndpointIo> io;
    private final StateStore store;
    private final EngineOptions options;
    private final Merger merger;
    private final DeliveryPlanner planner;
    private final AuditRecorder audit;
    private final Map<String, HybridLogicalClock> clocks = new ConcurrentHashMap<>();
    private final Map<String, Instant> offlineUntil = new ConcurrentHashMap<>();
    private final Map<String, Integer> outages = new ConcurrentHashMap<>();
    private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
    private final java.util.Set<String> capturing = ConcurrentHashMap.newKeySet();
    /** Per endpoint, the sequence number taken before the latest capture that read everything there was. */
    private final Map<String, Long> caughtUpAt = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger planningDeadLetters = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong sequence;

    public SyncEngine(SyncDefinition sync, Map<String, EndpointIo> io, StateStore store, EngineOptions options) {
        this.sync = sync;
        this.io = Map.copyOf(io);
        this.store = store;
        this.options = options;
        for (EndpointDefinition e : sync.endpoints()) {
            if (!io.containsKey(e.name())) {
                throw new IllegalArgumentException("sync '" + sync.name() + "': no connection for endpoint '" + e.name() + "'");
            }
        }
        this.merger = new Merger(sync.conflicts(), options.offsets()::uncertainty);
        this.planner = new DeliveryPlanner(sync);
        this.audit = new AuditRecorder(sync.name(), options.clock());
        this.sequence = new AtomicLong(store.inTransaction(tx -> {
            for (EndpointDefinition e : sync.endpoints()) {
                HlcTimestamp last = tx.meta(hlcKey(e.name())).map(HlcTimestamp::decode).orElse(HlcTimestamp.ZERO);
                clocks.put(e.name(), new HybridLogicalClock(last));
            }
            return tx.meta(sequenceKey()).map(Long::parseLong).orElse(0L);
        }));
    }

    public SyncDefinition definition() {
        return sync;
    }

    // ---- capture → resolve ------------------------------------------------------------------------------

    /** Reads and resolves one batch of changes of {@code endpoint}. */
    public CaptureReport captureOnce(String endpoint) {
        EndpointDefinition def = sync.endpoint(endpoint);
        if (!def.direction().captured()) return new CaptureReport(0, 0, true);
        String position = store.inTransaction(tx -> tx.checkpoint(sync.name(), endpoint).orElse(null));
        // Taken before reading: any image read from here on may predate a write confirmed after this value.
        long readSeq = sequence.get();
        ChangeBatch batch = io.get(endpoint).source().poll(position, options.batchSize());
        Instant capturedAt = options.clock().instant();
        // A source may return several states of one row in a batch; the last one is the newest, and resolving
        // only it gives the same result as resolving each in turn (every merge compares against the shadow).
        Map<NativeKey, Change> latest = new LinkedHashMap<>();
        for (Change c : batch.changes()) {
            latest.remove(c.key());
            latest.put(c.key(), c);
        }
        int resolved = store.inTransaction(tx -> {
            int n = 0;
            for (Change c : latest.values()) {
                if (resolveChange(tx, def, c, readSeq, capturedAt)) n++;
            }
            tx.saveCheckpoint(sync.name(), endpoint, batch.position());
            tx.putMeta(hlcKey(endpoint), clocks.get(endpoint).last().encode());
            return n;
        });
        if (batch.caughtUp()) caughtUpAt.merge(endpoint, readSeq, Math::max);
        return new CaptureReport(batch.changes().size(), resolved, batch.caughtUp());
    }

    private boolean resolveChange(StateTransaction tx, EndpointDefinition def, Change change, long readSeq, Instant capturedAt) {
        String endpoint = def.name();
        Row image;
        try {
            image = change.isDelete() ? null : def.mapping().toCanonical(change.key(), change.row());
        } catch (MappingException e) {
            captureFailed(tx, endpoint, change.key(), e.getMessage());
            return false;
        }
        RecordId id = tx.findLinked(sync.name(), endpoint, change.key()).orElse(null);
        RecordState state = null;
        boolean relinked = false;
        if (id == null) {
            state = ownInsert(tx, def, change);
            relinked = state != null;
            if (relinked) id = state.id();
        }
        if (id == null && image != null) id = matchExisting(tx, endpoint, image);
        if (id == null) {
            if (image == null) return false; // a delete of a row the engine never knew
            id = RecordId.random(options.random());
        }
        if (state == null) state = tx.loadRecord(sync.name(), id).orElse(RecordState.fresh(id));
        Shadow shadow = state.shadow(endpoint);
        if (shadow != null && readSeq < shadow.confirmedSeq()) {
            // The image was read before one of our writes to this row was confirmed, so it may show the row as
            // it was before that write. Read the row again rather than merge a state that may be outdated.
            Optional<Row> now = readRow(endpoint, change.key());
            try {
                image = now.map(r -> def.mapping().toCanonical(change.key(), r)).orElse(null);
            } catch (MappingException e) {
                captureFailed(tx, endpoint, change.key(), e.getMessage());
                return false;
            }
        }
        Instant sourceTime = change.sourceTime() == null ? capturedAt : options.offsets().correct(endpoint, change.sourceTime());
        HlcTimestamp time = clocks.get(endpoint).stamp(sourceTime);
        return apply(tx, state, new Incoming(endpoint, change.key(), image, time), relinked);
    }

    /**
     * A row not linked yet that carries the id of one of our records: the engine inserted it, and the process
     * died before it recorded the link. It is that record, not a new one; its ancestor is what the engine
     * inserted (the base as this endpoint sees it), so later edits of the row, or its delete, merge normally.
     */
    private RecordState ownInsert(StateTransaction tx, EndpointDefinition def, Change change) {
        if (change.externalId() == null) return null;
        Optional<RecordState> found = tx.loadRecord(sync.name(), new RecordId(change.externalId()));
        if (found.isEmpty() || !found.get().hasBase()) return null;
        RecordState state = found.get();
        Shadow shadow = state.shadow(def.name());
        if (shadow != null && shadow.holdsRow()) return change.key().equals(shadow.key()) ? state : null;
        Row inserted = state.base().values().only(def.mapping().canonicalFields());
        // The insert took effect but was never recorded: audit it now, once, as found.
        audit.event(tx, state.id(), def.name(), "engine", "agreed",
                Map.of("found", "the engine's own insert, recognized by its external id", "key", change.key().value()));
        return state.withShadow(def.name(), new Shadow(change.key(), Shadow.Status.PRESENT, inserted, 0));
    }

    /** A row not linked yet: is it a record already known from another endpoint (same match key)? */
    private RecordId matchExisting(StateTransaction tx, String endpoint, Row image) {
        String key = matchKey(image);
        if (key == null) return null;
        Optional<RecordId> found = tx.findByMatchKey(sync.name(), key);
        if (found.isEmpty()) return null;
        RecordState other = tx.loadRecord(sync.name(), found.get()).orElse(null);
        if (other != null && other.shadow(endpoint) != null && other.shadow(endpoint).holdsRow()) {
            // The match key already belongs to another row of this endpoint: a duplicate, not the same record.
            audit.event(tx, found.get(), endpoint, "engine", "duplicate-match",
                    Map.of("matchKey", key, "linkedKey", String.valueOf(other.shadow(endpoint).key())));
            return null;
        }
        return found.get();
    }

    private Optional<Row> readRow(String endpoint, NativeKey key) {
        return Optional.ofNullable(io.get(endpoint).sink().read(List.of(key)).get(key));
    }

    /**
     * Merges one incoming state into a record, persists the outcome and queues the writes it needs.
     *
     * @param unsaved {@code state} differs from the stored one already (a link was just recovered): save it
     *                even if the merge changes nothing
     */
    private boolean apply(StateTransaction tx, RecordState state, Incoming incoming, boolean unsaved) {
        RecordState start = adoptLandedWrite(tx, state, incoming);
        MergeOutcome out = merger.merge(start, incoming);
        RecordState next = settlePending(tx, start, out.state(), incoming);
        if (!unsaved && start == state && out.decisions().isEmpty() && next.equals(state)) return false; // echo of our own write
        persist(tx, next);
        for (Decision d : out.decisions()) {
            audit.decision(tx, state.id(), d);
            if (d instanceof Decision.Parked p) park(tx, state.id(), p);
            if (d instanceof Decision.HeldUpdated h) updateParked(tx, state.id(), h);
        }
        return true;
    }

    /**
     * The row shows exactly the values of our update whose outcome was unknown: it landed. Record it before
     * merging, so that the merge's ancestor is what we wrote — otherwise our own (possibly outdated) values
     * would pass for an edit made in that system and could overrule a newer edit made elsewhere.
     */
    private RecordState adoptLandedWrite(StateTransaction tx, RecordState state, Incoming incoming) {
        Shadow shadow = state.shadow(incoming.endpoint());
        if (shadow == null || !shadow.holdsRow() || shadow.pending() == null || incoming.values() == null) return state;
        Row pending = shadow.pending();
        if (!incoming.values().only(pending.names()).equals(pending) || pending.equals(shadow.values())) return state;
        EndpointDefinition def = sync.endpoint(incoming.endpoint());
        audit.write(tx, def.name(), new Write.Update(state.id(), shadow.key(), def.mapping().toNative(state.id().value(), pending),
                def.mapping().toNative(state.id().value(), shadow.values())), shadow.key().value());
        return state.withShadow(def.name(), new Shadow(shadow.key(), shadow.status(), pending, shadow.confirmedSeq(), null));
    }

    /**
     * A row seen while one of our updates to it was in flight with unknown outcome: if the row shows the update's
     * values, the update landed (the merge records that as agreed); if it shows something else, nobody can ever
     * tell whether the update landed before being overwritten, and the audit trail says exactly that.
     */
    private RecordState settlePending(StateTransaction tx, RecordState before, RecordState after, Incoming incoming) {
        Shadow was = before.shadow(incoming.endpoint());
        Shadow now = after.shadow(incoming.endpoint());
        if (was == null || was.pending() == null || now == null || now.pending() == null) return after;
        Row pending = now.pending();
        boolean landed = incoming.values() != null && incoming.values().only(pending.names()).equals(pending);
        if (!landed) {
            audit.event(tx, before.id(), incoming.endpoint(), "engine", "unconfirmed-write",
                    Map.of("values", ValueJson.encode(pending).toString(),
                            "note", "sent before a restart; its outcome is unknown and the row has changed since"));
        }
        return after.withShadow(incoming.endpoint(), now.withPending(null));
    }

    private void persist(StateTransaction tx, RecordState state) {
        tx.saveRecord(sync.name(), state, state.hasBase() && !state.base().deleted() ? matchKey(state.base().values()) : null);
        Instant now = options.clock().instant();
        for (EndpointDefinition target : sync.endpoints()) {
            if (needsWrite(target, state)) tx.enqueue(sync.name(), target.name(), state.id(), now);
        }
    }

    private boolean needsWrite(EndpointDefinition target, RecordState state) {
        try {
            return planner.plan(target, state).isPresent();
        } catch (MappingException e) {
            return true; // delivery will send it to dead letters with this error
        }
    }

    private String matchKey(Row values) {
        if (sync.matchFields().isEmpty()) return null;
        ObjectNode key = JSON.createObjectNode();
        for (String f : sync.matchFields()) {
            if (!values.has(f) || values.get(f).isNull()) return null;
            key.set(f, ValueJson.encode(values.get(f)));
        }
        return key.toString();
    }

    private void captureFailed(StateTransaction tx, String endpoint, NativeKey key, String error) {
        RecordId pseudo = captureLetterId(endpoint, key);
        tx.addDeadLetter(new DeadLetter(0, sync.name(), endpoint, pseudo, "capture failed: " + error, 1, options.clock().instant()));
        audit.event(tx, pseudo, endpoint, "engine", "dead-letter", Map.of("error", "capture failed: " + error, "key", key.value()));
        log.warn("sync '{}', endpoint '{}', row {}: cannot capture: {}", sync.name(), endpoint, key, error);
    }

    private static RecordId captureLetterId(String endpoint, NativeKey key) {
        return new RecordId("capture:" + endpoint + ":" + key.value());
    }

    // ---- conflicts waiting for a person -------------------------------------------------------------------

    private void park(StateTransaction tx, RecordId id, Decision.Parked p) {
        for (ConflictRecord open : tx.openConflicts(sync.name(), id)) {
            if (open.field().equals(p.field())) return; // already parked; HeldUpdated keeps it current
        }
        tx.addConflict(new ConflictRecord(0, sync.name(), id, p.field(), p.kind(), candidates(p.base(), p.versions()),
                options.clock().instant(), "open", null, null));
    }

    private void updateParked(StateTransaction tx, RecordId id, Decision.HeldUpdated h) {
        for (ConflictRecord open : tx.openConflicts(sync.name(), id)) {
            if (!open.field().equals(h.field())) continue;
            try {
                ObjectNode c = (ObjectNode) JSON.readTree(open.candidates());
                ((ObjectNode) c.with("versions")).set(h.system(), ValueJson.encode(h.value()));
                tx.updateConflictCandidates(open.id(), c.toString());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("conflict " + open.id() + " has unreadable candidates", e);
            }
        }
    }

    private static String candidates(Value base, Map<String, Value> versions) {
        ObjectNode n = JSON.createObjectNode();
        n.set("base", ValueJson.encode(base));
        ObjectNode v = n.putObject("versions");
        versions.forEach((s, val) -> v.set(s, ValueJson.encode(val)));
        return n.toString();
    }

    /**
     * Applies a person's decision on a parked conflict: the chosen value becomes the base (audited with the
     * actor and comment) and is written to every endpoint that holds something else.
     */
    public void resolveConflict(long conflictId, ConflictChoice choice, String actor, String comment) {
        store.run(tx -> {
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
            persist(tx, next);
            Value chosen = choice instanceof ConflictChoice.TakeValue t ? t.value() : Value.str(choice instanceof ConflictChoice.Delete ? "delete" : "keep");
            ObjectNode resolution = JSON.createObjectNode().put("actor", actor).put("comment", comment);
            resolution.set("chosen", ValueJson.encode(chosen));
            tx.resolveConflict(conflictId, resolution.toString(), options.clock().instant());
            audit.decided(tx, state.id(), "user:" + actor, c.field(), chosen, comment, null);
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

    private record Job(OutboxEntry entry, DeliveryPlanner.Planned planned) {
    }

    /** Delivers one batch of due writes to {@code endpoint}. */
    public DeliveryReport deliverOnce(String endpoint) {
        EndpointDefinition target = sync.endpoint(endpoint);
        Instant now = options.clock().instant();
        Instant until = offlineUntil.get(endpoint);
        if (until != null && now.isBefore(until)) return new DeliveryReport(0, 0, 0, 0, true);
        if (!captureStarted(target)) return DeliveryReport.NOTHING;
        List<Job> jobs = new ArrayList<>();
        int due;
        try {
            due = store.inTransaction(tx -> {
                jobs.clear();
                List<OutboxEntry> entries = tx.dueOutbox(sync.name(), endpoint, now, options.batchSize());
                for (OutboxEntry e : entries) planJob(tx, target, e, jobs);
                return entries.size();
            });
        } catch (SystemUnavailableException e) {
            markOffline(endpoint, e.getMessage()); // planning had to look a row up there
            return new DeliveryReport(0, 0, 0, 0, true);
        }
        if (jobs.isEmpty()) return new DeliveryReport(due, 0, 0, planningDeadLetters.getAndSet(0), false);
        List<Write> writes = jobs.stream().map(j -> j.planned().write()).toList();
        List<WriteResult> results;
        boolean outcomeKnown = true;
        try {
            results = io.get(endpoint).sink().apply(writes);
        } catch (SystemUnavailableException e) {
            // By the sink's contract nothing of the batch was applied: the writes are not in flight.
            store.run(tx -> jobs.forEach(j -> notInFlight(tx, target, j)));
            markOffline(endpoint, e.getMessage());
            return new DeliveryReport(due, 0, 0, 0, true);
        } catch (RuntimeException e) {
            // The call broke off: some writes may have been applied (a timeout after the commit). They stay
            // marked as in flight, to be recognized if they landed.
            String error = describe(e);
            log.warn("sync '{}': delivery of {} writes to '{}' failed: {}", sync.name(), writes.size(), endpoint, error);
            results = writes.stream().<WriteResult>map(w -> new WriteResult.Failed(error)).toList();
            outcomeKnown = false;
        }
        if (results.size() != writes.size()) {
            throw new IllegalStateException("connector of '" + endpoint + "' answered " + results.size()
                    + " results for " + writes.size() + " writes: a RecordSink must answer one result per write");
        }
        outages.remove(endpoint);
        offlineUntil.remove(endpoint);
        long confirmSeq = sequence.incrementAndGet();
        List<WriteResult> outcome = results;
        boolean known = outcomeKnown;
        int deadWhilePlanning = planningDeadLetters.getAndSet(0);
        return store.inTransaction(tx -> {
            int applied = 0, retried = 0, dead = deadWhilePlanning;
            for (int i = 0; i < jobs.size(); i++) {
                WriteResult result = outcome.get(i);
                if (known && (result instanceof WriteResult.Failed || result instanceof WriteResult.Rejected)) {
                    notInFlight(tx, target, jobs.get(i)); // the sink says it was not applied
                }
                switch (record(tx, target, jobs.get(i), result, confirmSeq)) {
                    case APPLIED -> applied++;
                    case RETRY -> retried++;
                    case DEAD -> dead++;
                }
            }
            tx.putMeta(sequenceKey(), Long.toString(confirmSeq));
            return new DeliveryReport(due, applied, retried, dead, false);
        });
    }

    /**
     * Writes to a captured endpoint wait until its capture has a position. Otherwise a row the engine writes
     * there and a user deletes before capture starts would be missed: the first snapshot starts after the
     * delete and shows no trace of it.
     */
    private boolean captureStarted(EndpointDefinition target) {
        if (!target.direction().captured() || capturing.contains(target.name())) return true;
        boolean started = store.inTransaction(tx -> tx.checkpoint(sync.name(), target.name()).isPresent());
        if (started) capturing.add(target.name());
        return started;
    }

    private void planJob(StateTransaction tx, EndpointDefinition target, OutboxEntry entry, List<Job> jobs) {
        Optional<RecordState> stored = tx.loadRecord(sync.name(), entry.recordId());
        if (stored.isEmpty()) {
            tx.completeOutbox(entry);
            return;
        }
        Optional<RecordState> state = Optional.ofNullable(settleInsert(tx, target, stored.get()));
        if (state.isEmpty()) { // waiting for capture to catch up before the insert's outcome is known
            tx.rescheduleOutbox(entry, entry.attempts(), options.clock().instant().plusMillis(200), "waiting for capture of " + target.name());
            return;
        }
        Optional<DeliveryPlanner.Planned> planned;
        try {
            planned = planner.plan(target, state.get());
        } catch (MappingException e) {
            deadLetter(tx, entry, e.getMessage());
            planningDeadLetters.incrementAndGet();
            return;
        }
        if (planned.isEmpty()) {
            tx.completeOutbox(entry);
        } else if (DeliveryPlanner.isNoop(planned.get().write())) {
            tx.saveRecord(sync.name(), state.get().withShadow(target.name(), planned.get().after()), matchKeyOf(state.get()));
            tx.completeOutbox(entry);
        } else {
            Write w = planned.get().write();
            if (w instanceof Write.Update || w instanceof Write.Insert) {
                // Remember what is in flight: if the process dies after the target commits it, a later attempt
                // recognizes these values in the row as its own write instead of someone else's edit, and an
                // insert is looked for before anything else is planned for the record.
                // An earlier write whose outcome is still unknown keeps its place: it is the one a later
                // precondition failure may reveal as landed.
                Shadow shadow = state.get().shadow(target.name());
                if (shadow == null || shadow.pending() == null) {
                    Shadow inFlight = shadow != null ? shadow.withPending(planned.get().after().values())
                            : new Shadow(null, Shadow.Status.GONE, null, 0, planned.get().after().values());
                    tx.saveRecord(sync.name(), state.get().withShadow(target.name(), inFlight), matchKeyOf(state.get()));
                }
            }
            jobs.add(new Job(entry, planned.get()));
        }
    }

    /**
     * An insert sent earlier whose outcome was never recorded: look for its row now. Found, it is linked with the
     * values that were sent (and its write audited); not found, the insert did not happen.
     */
    private RecordState settleInsert(StateTransaction tx, EndpointDefinition target, RecordState state) {
        Shadow shadow = state.shadow(target.name());
        if (shadow == null || shadow.holdsRow() || shadow.pending() == null) return state;
        Row sent = shadow.pending();
        Row match = sync.matchFields().isEmpty() ? Row.empty() : target.mapping().toNative(state.id().value(), sent.only(sync.matchFields()));
        Optional<NativeKey> key = io.get(target.name()).sink().find(state.id(), match);
        RecordState settled;
        if (key.isPresent()) {
            audit.write(tx, target.name(), new Write.Insert(state.id(), target.mapping().toNative(state.id().value(), sent), match), key.get().value());
            settled = state.withShadow(target.name(), new Shadow(key.get(), Shadow.Status.PRESENT, sent, sequence.get(), null));
        } else if (!target.direction().captured() || caughtUpAt.getOrDefault(target.name(), -1L) >= shadow.confirmedSeq() && shadow.confirmedSeq() > 0) {
            // Not found, and a capture that began after the first lookup has caught up without showing a delete
            // of it: the insert never happened.
            settled = state.withShadow(target.name(), new Shadow(shadow.key(), Shadow.Status.GONE, null, 0, null));
        } else {
            // Not found could also mean: inserted, then deleted by a user there. Wait until the endpoint's capture
            // has caught up past this lookup; that delete, if it happened, carries our external id and arrives
            // first. (For a shadow waiting like this, confirmedSeq holds the lookup's sequence number.)
            if (shadow.confirmedSeq() == 0 || caughtUpAt.getOrDefault(target.name(), -1L) >= shadow.confirmedSeq()) {
                tx.saveRecord(sync.name(), state.withShadow(target.name(),
                        new Shadow(shadow.key(), Shadow.Status.GONE, null, sequence.incrementAndGet(), sent)), matchKeyOf(state));
            }
            return null;
        }
        tx.saveRecord(sync.name(), settled, matchKeyOf(settled));
        return settled;
    }

    /**
     * This job's write is known not to have been applied: forget its in-flight values — unless they belong to an
     * earlier write whose outcome is still unknown (only the oldest unknown write is kept in flight).
     */
    private void notInFlight(StateTransaction tx, EndpointDefinition target, Job job) {
        RecordState state = tx.loadRecord(sync.name(), job.entry().recordId()).orElse(null);
        Shadow shadow = state == null ? null : state.shadow(target.name());
        if (shadow == null || shadow.pending() == null || !shadow.pending().equals(job.planned().after().values())) return;
        tx.saveRecord(sync.name(), state.withShadow(target.name(), shadow.withPending(null)), matchKeyOf(state));
    }

    private enum Outcome { APPLIED, RETRY, DEAD }

    private Outcome record(StateTransaction tx, EndpointDefinition target, Job job, WriteResult result, long confirmSeq) {
        OutboxEntry entry = job.entry();
        RecordState state = tx.loadRecord(sync.name(), entry.recordId()).orElseThrow();
        return switch (result) {
            case WriteResult.Applied a -> {
                confirmed(tx, target, job, a, state, confirmSeq);
                yield Outcome.APPLIED;
            }
            case WriteResult.PreconditionFailed pf when alreadyApplied(job.planned().write(), pf) -> {
                // Our own earlier attempt landed but its outcome was never recorded (the process died after
                // the target committed): record it now, once.
                confirmed(tx, target, job, WriteResult.Applied.of(keyOf(job.planned().write())), state, confirmSeq);
                yield Outcome.APPLIED;
            }
            case WriteResult.PreconditionFailed pf when landedEarlier(target, state, pf) -> {
                // An earlier update whose outcome was never recorded did land: record it now, then try again.
                Shadow shadow = state.shadow(target.name());
                audit.write(tx, target.name(), new Write.Update(state.id(), shadow.key(), target.mapping().toNative(state.id().value(),
                        shadow.pending()), Row.empty()), shadow.key().value());
                persist(tx, state.withShadow(target.name(), new Shadow(shadow.key(), Shadow.Status.PRESENT, shadow.pending(), confirmSeq, null)));
                yield retryOrDead(tx, entry, "an earlier write to " + target.name() + " landed; planning again", false);
            }
            case WriteResult.PreconditionFailed pf -> {
                // A concurrent change in the target: merge what it holds now, then try again right away.
                NativeKey key = keyOf(job.planned().write());
                Row image = pf.current().map(r -> target.mapping().toCanonical(key, r)).orElse(null);
                apply(tx, state, new Incoming(target.name(), key, image, clocks.get(target.name()).stamp(options.clock().instant())), false);
                yield retryOrDead(tx, entry, "precondition failed: the row changed in " + target.name(), false);
            }
            case WriteResult.Rejected r -> {
                deadLetter(tx, entry, r.reason());
                yield Outcome.DEAD;
            }
            case WriteResult.Failed f -> retryOrDead(tx, entry, f.reason(), true);
        };
    }

    private void confirmed(StateTransaction tx, EndpointDefinition target, Job job, WriteResult.Applied a,
                           RecordState state, long confirmSeq) {
        Shadow planned = job.planned().after();
        Shadow after = new Shadow(a.key(), planned.status(), planned.values(), confirmSeq);
        audit.write(tx, target.name(), job.planned().write(), a.key().value());
        RecordState next = state.withShadow(target.name(), after);
        if (a.existed()) {
            // The insert found a row that already existed (match key or external id): link it and merge what it
            // actually holds, with no common ancestor, so differing values go through the conflict policy.
            Optional<Row> current = a.current().isPresent() ? a.current() : readRow(target.name(), a.key());
            Row image = current.map(r -> target.mapping().toCanonical(a.key(), r)).orElse(null);
            if (image != null && !image.equals(planned.values())) {
                RecordState unlinked = state.withShadow(target.name(), new Shadow(a.key(), Shadow.Status.GONE, null, confirmSeq));
                apply(tx, unlinked, new Incoming(target.name(), a.key(), image, clocks.get(target.name()).stamp(options.clock().instant())), true);
                complete(tx, target, job.entry());
                return;
            }
        }
        persist(tx, next);
        complete(tx, target, job.entry());
    }

    private void complete(StateTransaction tx, EndpointDefinition target, OutboxEntry entry) {
        RecordState now = tx.loadRecord(sync.name(), entry.recordId()).orElseThrow();
        if (!needsWrite(target, now)) {
            tx.dropOutbox(sync.name(), target.name(), entry.recordId());
        } else if (tx.completeOutbox(entry)) {
            tx.enqueue(sync.name(), target.name(), entry.recordId(), options.clock().instant());
        }
    }

    private Outcome retryOrDead(StateTransaction tx, OutboxEntry entry, String error, boolean backoff) {
        int attempts = entry.attempts() + 1;
        if (attempts >= options.maxAttempts()) {
            deadLetter(tx, entry, error + " (after " + attempts + " attempts)");
            return Outcome.DEAD;
        }
        Instant due = options.clock().instant();
        if (backoff) due = due.plus(options.retry().delay(attempts, options.random()));
        tx.rescheduleOutbox(entry, attempts, due, error);
        lastErrors.put(entry.target(), error);
        return Outcome.RETRY;
    }

    private void deadLetter(StateTransaction tx, OutboxEntry entry, String error) {
        tx.dropOutbox(sync.name(), entry.target(), entry.recordId());
        tx.addDeadLetter(new DeadLetter(0, sync.name(), entry.target(), entry.recordId(), error,
                entry.attempts() + 1, options.clock().instant()));
        audit.event(tx, entry.recordId(), entry.target(), "engine", "dead-letter", Map.of("error", error));
        lastErrors.put(entry.target(), error);
        log.warn("sync '{}', record {}: write to '{}' sent to dead letters: {}", sync.name(), entry.recordId(), entry.target(), error);
    }

    private void markOffline(String endpoint, String message) {
        int n = outages.merge(endpoint, 1, Integer::sum);
        Instant until = options.clock().instant().plus(options.offline().delay(n, options.random()));
        offlineUntil.put(endpoint, until);
        lastErrors.put(endpoint, message);
        if (n == 1) log.warn("sync '{}': {} — writes are queued until it is back", sync.name(), message);
    }

    /** Does the row hold exactly the values of an earlier, unconfirmed update (and so it landed)? */
    private static boolean landedEarlier(EndpointDefinition target, RecordState state, WriteResult.PreconditionFailed pf) {
        Shadow shadow = state.shadow(target.name());
        if (shadow == null || shadow.pending() == null || pf.current().isEmpty() || !shadow.holdsRow()) return false;
        Row current = target.mapping().toCanonical(shadow.key(), pf.current().get());
        return current.only(shadow.pending().names()).equals(shadow.pending()) && !shadow.pending().equals(shadow.values());
    }

    /** Does the row already hold exactly what this update would write? */
    private static boolean alreadyApplied(Write w, WriteResult.PreconditionFailed pf) {
        if (!(w instanceof Write.Update u) || pf.current().isEmpty()) return false;
        Row current = pf.current().get();
        for (String c : u.values().names()) {
            if (!current.has(c) || !current.get(c).equals(u.values().get(c))) return false;
        }
        return true;
    }

    private static NativeKey keyOf(Write w) {
        return switch (w) {
            case Write.Update u -> u.key();
            case Write.Delete d -> d.key();
            case Write.Insert i -> throw new IllegalStateException("an insert has no precondition to fail");
        };
    }

    private String matchKeyOf(RecordState state) {
        return state.alive() ? matchKey(state.base().values()) : null;
    }

    /** Puts a dead letter's write back in the outbox (or re-reads a row whose capture failed). */
    public void retryDeadLetter(long id) {
        store.run(tx -> {
            DeadLetter letter = tx.deadLetter(id).filter(d -> d.sync().equals(sync.name()))
                    .orElseThrow(() -> new IllegalArgumentException("sync '" + sync.name() + "' has no dead letter " + id));
            tx.removeDeadLetter(id);
            String prefix = "capture:" + letter.target() + ":";
            if (letter.recordId().value().startsWith(prefix)) {
                NativeKey key = new NativeKey(letter.recordId().value().substring(prefix.length()));
                Optional<Row> row = readRow(letter.target(), key);
                Change change = row.map(r -> Change.upsert(key, r, null)).orElse(Change.delete(key, null));
                resolveChange(tx, sync.endpoint(letter.target()), change, sequence.get(), options.clock().instant());
            } else {
                tx.enqueue(sync.name(), letter.target(), letter.recordId(), options.clock().instant());
            }
            audit.event(tx, letter.recordId(), letter.target(), "engine", "dead-letter-retry", Map.of("deadLetter", Long.toString(id)));
        });
    }

    // ---- clocks and status ---------------------------------------------------------------------------------

    /** Records a system's measured clock offset, used to correct its source times. */
    public void measureClock(String system, java.util.function.Supplier<Optional<Instant>> systemClock) {
        options.offsets().measure(system, systemClock);
    }

    /** Per endpoint: queued writes, whether it is unavailable and the last error. */
    public record EndpointStatus(String endpoint, long queued, boolean unavailable, String lastError,
                                 String position) {
    }

    public record SyncStatus(String sync, List<EndpointStatus> endpoints, int openConflicts, int deadLetters) {
    }

    public SyncStatus status() {
        return store.inTransaction(tx -> {
            List<EndpointStatus> eps = new ArrayList<>();
            Instant now = options.clock().instant();
            for (EndpointDefinition e : sync.endpoints()) {
                Instant until = offlineUntil.get(e.name());
                eps.add(new EndpointStatus(e.name(), tx.outboxDepth(sync.name(), e.name()),
                        until != null && now.isBefore(until), lastErrors.get(e.name()),
                        tx.checkpoint(sync.name(), e.name()).orElse(null)));
            }
            return new SyncStatus(sync.name(), eps, tx.openConflicts(sync.name(), Integer.MAX_VALUE).size(),
                    tx.deadLetters(sync.name(), Integer.MAX_VALUE).size());
        });
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private String hlcKey(String endpoint) {
        return "hlc." + sync.name() + "." + endpoint;
    }

    private String sequenceKey() {
        return "seq." + sync.name();
    }

    /** For tests and tools: the stored state of a record. */
    public Optional<RecordState> record(RecordId id) {
        return store.inTransaction(tx -> tx.loadRecord(sync.name(), id));
    }

    Map<String, Instant> offlineUntil() {
        return new HashMap<>(offlineUntil);
    }
}
