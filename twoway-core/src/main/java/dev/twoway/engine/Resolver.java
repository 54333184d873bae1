package dev.twoway.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.clock.HlcTimestamp;
import dev.twoway.clock.HybridLogicalClock;
import dev.twoway.mapping.MappingException;
import dev.twoway.merge.Decision;
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
import dev.twoway.spi.Write;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.StateTransaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Capture → resolve: turns a captured change into the record's new state, inside the caller's state-store
 * transaction — finding the record (link, external id, match key), re-reading images that may predate one of
 * our writes, merging, recognizing our own writes that landed before a crash, persisting the state with the
 * outbox entries it needs, parking conflicts and writing the audit entries. Also used by delivery, which merges
 * what a target holds when a write's precondition fails.
 */
final class Resolver {
    private static final Logger log = LoggerFactory.getLogger(Resolver.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    final SyncDefinition sync;
    final Map<String, SyncEngine.EndpointIo> io;
    final EngineOptions options;
    final Merger merger;
    final DeliveryPlanner planner;
    final AuditRecorder audit;
    final Map<String, HybridLogicalClock> clocks;
    final AtomicLong sequence;
    final EngineEvents events;
    /**
     * Per endpoint, rows whose writes delivery recorded while a capture of the endpoint was reading, with the sequence
     * number at that point: that capture reads those rows again (see {@link #readAgain}). Only a hint of which rows to
     * read ahead of the capture's transaction; a row missing here is still read again there. So it is kept only while
     * a capture is in flight, and at most {@link #MAX_HINTS} rows: delivering millions of rows between two captures
     * (an initial sync run by {@code sync --once}) must not hold a key per row (it ran a 5M-row sync out of a 512 MB heap).
     */
    private final Map<String, Map<NativeKey, Long>> recorded = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per endpoint, the captures that have begun reading and not finished. */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> capturing = new java.util.concurrent.ConcurrentHashMap<>();
    static final int MAX_HINTS = 100_000;

    /** A row read again ahead of a capture's transaction; the read began at sequence number {@code seq}. */
    record Fresh(long seq, Optional<Row> row) {
    }

    Resolver(SyncDefinition sync, Map<String, SyncEngine.EndpointIo> io, EngineOptions options, AuditRecorder audit,
             Map<String, HybridLogicalClock> clocks, AtomicLong sequence, EngineEvents events) {
        this.sync = sync;
        this.io = io;
        this.options = options;
        this.merger = new Merger(sync.conflicts(), options.offsets()::uncertainty);
        this.planner = new DeliveryPlanner(sync);
        this.audit = audit;
        this.clocks = clocks;
        this.sequence = sequence;
        this.events = events;
    }

    static String hlcKey(String sync, String endpoint) {
        return "hlc." + sync + "." + endpoint;
    }

    static String sequenceKey(String sync) {
        return "seq." + sync;
    }

    /**
     * Persists the engine sequence, never lowering it: deliveries of different endpoints commit in any order, and
     * after a restart the sequence must start above every number already handed out and stored.
     */
    static void saveSequence(StateTransaction tx, String sync, long value) {
        long stored = tx.meta(sequenceKey(sync)).map(Long::parseLong).orElse(0L);
        if (value > stored) tx.putMeta(sequenceKey(sync), Long.toString(value));
    }

    /** A capture of {@code endpoint} is about to take its read sequence number and read. */
    void captureStarted(String endpoint) {
        capturing.computeIfAbsent(endpoint, e -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
    }

    /** A capture of {@code endpoint} finished (or failed): with none left in flight, no hint is needed any more. */
    void captureEnded(String endpoint) {
        if (capturing.get(endpoint).decrementAndGet() == 0) recorded.remove(endpoint);
    }

    /**
     * Delivery recorded the outcome of writes to these rows of {@code endpoint}, at sequence number {@code seq} or below.
     * Noted only for a capture in flight: one that begins later takes a read sequence number above {@code seq} and reads
     * the rows as they are after these writes.
     */
    void recorded(String endpoint, java.util.Collection<NativeKey> keys, long seq) {
        java.util.concurrent.atomic.AtomicInteger inFlight = capturing.get(endpoint);
        if (inFlight == null || inFlight.get() == 0) return;
        Map<NativeKey, Long> m = recorded.computeIfAbsent(endpoint, e -> new java.util.concurrent.ConcurrentHashMap<>());
        for (NativeKey k : keys) {
            if (m.size() >= MAX_HINTS) return; // the rest are read again inside the capture's transaction
            m.merge(k, seq, Math::max);
        }
    }

    /** The rows of {@code endpoint} noted for a capture to read again (for tests). */
    int hints(String endpoint) {
        Map<NativeKey, Long> m = recorded.get(endpoint);
        return m == null ? 0 : m.size();
    }

    /**
     * Reads again, in one call and before the capture's state transaction, the rows of a captured batch whose writes
     * delivery recorded after the capture began reading ({@code readSeq}): their images may predate those writes, and
     * reading them inside the transaction would hold the state store (shared by every sync) for as long as the
     * system takes to answer. Forgets what no later capture of the endpoint needs.
     */
    Map<NativeKey, Fresh> readAgain(String endpoint, java.util.Collection<NativeKey> batch, long readSeq) {
        Map<NativeKey, Long> m = recorded.get(endpoint);
        if (m == null || m.isEmpty()) return Map.of();
        List<NativeKey> keys = batch.stream().filter(k -> m.getOrDefault(k, Long.MIN_VALUE) > readSeq).toList();
        m.values().removeIf(seq -> seq <= readSeq);
        if (keys.isEmpty()) return Map.of();
        long seq = sequence.get(); // taken before the read: it shows every write confirmed at or below this number
        Map<NativeKey, Row> rows = io.get(endpoint).sink().read(keys);
        Map<NativeKey, Fresh> out = new java.util.HashMap<>();
        for (NativeKey k : keys) out.put(k, new Fresh(seq, Optional.ofNullable(rows.get(k))));
        return out;
    }

    boolean resolveChange(StateTransaction tx, EndpointDefinition def, Change change, long readSeq, Instant capturedAt) {
        return resolveChange(tx, def, change, readSeq, capturedAt, Map.of());
    }

    /**
     * @param fresh rows read again ahead of the transaction ({@link #readAgain}); one is used where its read began
     *              after the last write confirmed to the row, else the row is read here
     */
    boolean resolveChange(StateTransaction tx, EndpointDefinition def, Change change, long readSeq, Instant capturedAt, Map<NativeKey, Fresh> fresh) {
        String endpoint = def.name();
        Row image;
        try {
            image = change.isDelete() ? null : References.mapping(tx, def).toCanonical(change.key(), change.row());
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
            id = RecordId.ordered(options.clock().millis(), options.random());
            state = RecordState.fresh(id); // a new id: nothing stored under it to load
        }
        if (state == null) state = tx.loadRecord(sync.name(), id).orElse(RecordState.fresh(id));
        Shadow shadow = state.shadow(endpoint);
        if (shadow != null && readSeq < shadow.confirmedSeq()) {
            // The image was read before one of our writes to this row was confirmed, so it may show the row as
            // it was before that write. Read the row again rather than merge a state that may be outdated.
            Fresh f = fresh.get(change.key());
            Optional<Row> now = f != null && f.seq() >= shadow.confirmedSeq() ? f.row() : readRow(endpoint, change.key());
            try {
                image = now.map(r -> References.mapping(tx, def).toCanonical(change.key(), r)).orElse(null);
            } catch (MappingException e) {
                captureFailed(tx, endpoint, change.key(), e.getMessage());
                return false;
            }
        }
        Instant sourceTime = change.sourceTime() == null ? capturedAt : options.offsets().correct(endpoint, change.sourceTime());
        HlcTimestamp time = clocks.get(endpoint).stamp(sourceTime);
        try {
            return apply(tx, state, new Incoming(endpoint, change.key(), image, time), relinked);
        } catch (dev.twoway.expr.ExpressionException e) {
            // A conflict rule that fails on this record's values: park the row, keep the stream flowing.
            captureFailed(tx, endpoint, change.key(), "the conflict rule failed on this record: " + e.getMessage()
                    + "; correct the rule (or the record), then retry this dead letter");
            return false;
        }
    }

    /**
     * A row not linked yet that carries the id of one of our records: the engine inserted it, and the process
     * died before it recorded the link. It is that record, not a new one; its ancestor is what the engine
     * inserted, so later edits of the row, or its delete, merge normally.
     */
    RecordState ownInsert(StateTransaction tx, EndpointDefinition def, Change change) {
        if (change.externalId() == null) return null;
        Optional<RecordState> found = tx.loadRecord(sync.name(), new RecordId(change.externalId()));
        if (found.isEmpty() || !found.get().hasBase()) return null;
        RecordState state = found.get();
        Shadow shadow = state.shadow(def.name());
        if (shadow != null && shadow.holdsRow()) return change.key().equals(shadow.key()) ? state : null;
        // What the row was created with: the values sent (kept in flight), not today's base, which may have
        // moved on since — otherwise the older values in the row would pass for an edit made there.
        Row inserted = shadow != null && shadow.pending() != null ? shadow.pending()
                : state.base().values().only(def.mapping().canonicalFields());
        // The insert took effect but was never recorded: audit it now, once, as found.
        audit.event(tx, state.id(), def.name(), "engine", "agreed",
                Map.of("found", "the engine's own insert, recognized by its external id", "key", change.key().value()));
        return state.withShadow(def.name(), new Shadow(change.key(), Shadow.Status.PRESENT, inserted, 0));
    }

    /** A row not linked yet: is it a record already known from another endpoint (same match key)? */
    RecordId matchExisting(StateTransaction tx, String endpoint, Row image) {
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

    Optional<Row> readRow(String endpoint, NativeKey key) {
        return Optional.ofNullable(io.get(endpoint).sink().read(List.of(key)).get(key));
    }

    /**
     * Merges one incoming state into a record, persists the outcome and queues the writes it needs.
     *
     * @param unsaved {@code state} differs from the stored one already (a link was just recovered): save it
     *                even if the merge changes nothing
     */
    boolean apply(StateTransaction tx, RecordState state, Incoming incoming, boolean unsaved) {
        RecordState start = adoptLandedWrite(tx, state, incoming);
        MergeOutcome out = merger.merge(start, incoming);
        RecordState next = settlePending(tx, start, out.state(), incoming);
        if (!unsaved && start == state && out.decisions().isEmpty() && next.equals(state)) return false; // echo of our own write
        persist(tx, next);
        for (Decision d : out.decisions()) {
            audit.decision(tx, state.id(), d);
            tellConflict(d);
            if (d instanceof Decision.Parked p) park(tx, state.id(), p);
            if (d instanceof Decision.HeldUpdated h) updateParked(tx, state.id(), h);
        }
        return true;
    }

    /**
     * The row shows that our update whose outcome was unknown landed ({@link Shadow#pendingLandedIn}), possibly
     * with fields edited since. Record it before merging, so that the merge's ancestor is what we wrote — otherwise
     * our own (possibly outdated) values would pass for an edit made in that system and could overrule a newer
     * edit made elsewhere.
     */
    RecordState adoptLandedWrite(StateTransaction tx, RecordState state, Incoming incoming) {
        Shadow shadow = state.shadow(incoming.endpoint());
        if (shadow == null || !shadow.holdsRow() || !shadow.pendingLandedIn(incoming.values(), state.base())) return state;
        Row landed = shadow.landedValues(incoming.values());
        EndpointDefinition def = sync.endpoint(incoming.endpoint());
        audit.write(tx, def.name(), new Write.Update(state.id(), shadow.key(), def.mapping().toNative(state.id().value(), landed),
                def.mapping().toNative(state.id().value(), shadow.values())), shadow.key().value());
        return state.withShadow(def.name(), new Shadow(shadow.key(), shadow.status(), landed, shadow.confirmedSeq(), null));
    }

    /**
     * A row seen while one of our updates to it was in flight with unknown outcome: if the row shows the update's
     * values, the update landed (the merge records that as agreed); if it shows something else, nobody can ever
     * tell whether the update landed before being overwritten, and the audit trail says exactly that.
     */
    RecordState settlePending(StateTransaction tx, RecordState before, RecordState after, Incoming incoming) {
        Shadow was = before.shadow(incoming.endpoint());
        Shadow now = after.shadow(incoming.endpoint());
        if (was == null || was.pending() == null || now == null || now.pending() == null) return after;
        Row pending = now.pending();
        boolean landed = incoming.values() != null && incoming.values().only(pending.names()).equals(pending);
        if (!landed) unconfirmed(tx, before.id(), incoming.endpoint(), pending, "the row has changed since");
        return after.withShadow(incoming.endpoint(), now.withPending(null));
    }

    /** Audits an update sent before a restart whose outcome nobody can tell any more, and why. */
    void unconfirmed(StateTransaction tx, RecordId id, String endpoint, Row values, String why) {
        audit.event(tx, id, endpoint, "engine", "unconfirmed-write",
                Map.of("values", ValueJson.encode(values).toString(), "note", "sent before a restart; its outcome is unknown and " + why));
    }

    /** Saves {@code state} and queues a write to every endpoint that needs one; returns those endpoints. */
    java.util.Set<String> persist(StateTransaction tx, RecordState state) {
        tx.saveRecord(sync.name(), state, state.hasBase() && !state.base().deleted() ? matchKey(state.base().values()) : null);
        Instant now = options.clock().instant();
        java.util.Set<String> queued = new java.util.HashSet<>(4);
        for (EndpointDefinition target : sync.endpoints()) {
            if (needsWrite(tx, target, state)) {
                tx.enqueue(sync.name(), target.name(), state.id(), now);
                queued.add(target.name());
            }
        }
        return queued;
    }

    boolean needsWrite(StateTransaction tx, EndpointDefinition target, RecordState state) {
        try {
            return planner.plan(tx, target, state).isPresent();
        } catch (MappingException e) {
            return true; // delivery will send it to dead letters with this error
        } catch (References.NotReady e) {
            return true; // delivery waits until the referenced record exists there
        }
    }

    /** A decision that settled (or parked) a conflict, told to the listener as policy and outcome. */
    private void tellConflict(Decision d) {
        String name = sync.name();
        switch (d) {
            case Decision.ConflictDecided c -> events.tell(l -> l.conflict(name, c.field(), c.policy(), c.tie() ? "tie" : "decided"));
            case Decision.Reverted r -> events.tell(l -> l.conflict(name, r.field(), "owner", "reverted"));
            case Decision.Parked p -> events.tell(l -> l.conflict(name, p.field(), parkedPolicy(p.kind()), "parked"));
            case Decision.UpdateLostToDelete u -> events.tell(l -> l.conflict(name, RecordState.RECORD, "delete-wins", "delete-won"));
            case Decision.DeleteLostToUpdate u -> events.tell(l -> l.conflict(name, RecordState.RECORD, "update-wins", "update-won"));
            case Decision.Resurrected r -> events.tell(l -> l.conflict(name, RecordState.RECORD, "update-wins", "update-won"));
            default -> {
            }
        }
    }

    /** The policy that parks a conflict of this kind: a person decides ({@code manual}) or confirms a delete. */
    static String parkedPolicy(String kind) {
        return kind.equals("delete-confirm") ? "delete-confirm" : "manual";
    }

    String matchKey(Row values) {
        if (sync.matchFields().isEmpty()) return null;
        ObjectNode key = JSON.createObjectNode();
        for (String f : sync.matchFields()) {
            if (!values.has(f) || values.get(f).isNull()) return null;
            key.set(f, ValueJson.encode(values.get(f)));
        }
        return key.toString();
    }

    String matchKeyOf(RecordState state) {
        return state.alive() ? matchKey(state.base().values()) : null;
    }

    void captureFailed(StateTransaction tx, String endpoint, NativeKey key, String error) {
        RecordId pseudo = captureLetterId(endpoint, key);
        tx.addDeadLetter(new DeadLetter(0, sync.name(), endpoint, pseudo, "capture failed: " + error, 1, options.clock().instant()));
        audit.event(tx, pseudo, endpoint, "engine", "dead-letter", Map.of("error", "capture failed: " + error, "key", key.value()));
        log.warn("sync '{}', endpoint '{}', row {}: cannot capture: {}", sync.name(), endpoint, key, error);
        events.tell(l -> l.deadLetter(sync.name(), endpoint, EngineListener.Stage.CAPTURE));
    }

    static RecordId captureLetterId(String endpoint, NativeKey key) {
        return new RecordId("capture:" + endpoint + ":" + key.value());
    }

    // ---- conflicts waiting for a person -------------------------------------------------------------------

    void park(StateTransaction tx, RecordId id, Decision.Parked p) {
        for (ConflictRecord open : tx.openConflicts(sync.name(), id)) {
            if (open.field().equals(p.field())) return; // already parked; HeldUpdated keeps it current
        }
        tx.addConflict(new ConflictRecord(0, sync.name(), id, p.field(), p.kind(), candidates(p.base(), p.versions()),
                options.clock().instant(), "open", null, null));
    }

    void updateParked(StateTransaction tx, RecordId id, Decision.HeldUpdated h) {
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

    static String candidates(Value base, Map<String, Value> versions) {
        ObjectNode n = JSON.createObjectNode();
        n.set("base", ValueJson.encode(base));
        ObjectNode v = n.putObject("versions");
        versions.forEach((s, val) -> v.set(s, ValueJson.encode(val)));
        return n.toString();
    }
}
