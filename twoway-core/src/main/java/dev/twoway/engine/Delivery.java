package dev.twoway.engine;

import dev.twoway.clock.HybridLogicalClock;
import dev.twoway.mapping.MappingException;
import dev.twoway.merge.Incoming;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.spi.RecordSink;
import dev.twoway.spi.SystemUnavailableException;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.OutboxEntry;
import dev.twoway.store.StateStore;
import dev.twoway.store.StateTransaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Outbox → deliver: takes an endpoint's due outbox entries, computes each record's write from its current
 * state, applies them in one sink call, and records each outcome — confirmed (shadow updated, audited),
 * precondition failed (merged, retried), refused (dead letter), failed (retried with backoff), or the whole
 * system unavailable (the offline queue waits). Writes whose outcome is unknown stay marked in flight on the
 * shadow so a later attempt can recognize them.
 */
final class Delivery {
    private static final Logger log = LoggerFactory.getLogger(Delivery.class);

    private final Resolver resolver;
    private final SyncDefinition sync;
    private final Map<String, SyncEngine.EndpointIo> io;
    private final StateStore store;
    private final EngineOptions options;
    private final DeliveryPlanner planner;
    private final AuditRecorder audit;
    private final Map<String, HybridLogicalClock> clocks;
    private final AtomicLong sequence;
    private final Map<String, Long> caughtUpAt;
    private final Map<String, String> lastErrors;
    private final EngineEvents events;
    private final Map<String, Instant> offlineUntil = new ConcurrentHashMap<>();
    private final Map<String, Integer> outages = new ConcurrentHashMap<>();
    private final java.util.Set<String> capturing = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger planningDeadLetters = new java.util.concurrent.atomic.AtomicInteger();

    Delivery(Resolver resolver, StateStore store, Map<String, Long> caughtUpAt, Map<String, String> lastErrors) {
        this.resolver = resolver;
        this.sync = resolver.sync;
        this.io = resolver.io;
        this.store = store;
        this.options = resolver.options;
        this.planner = resolver.planner;
        this.audit = resolver.audit;
        this.clocks = resolver.clocks;
        this.sequence = resolver.sequence;
        this.caughtUpAt = caughtUpAt;
        this.lastErrors = lastErrors;
        this.events = resolver.events;
    }

    /** Whether the endpoint is in an outage backoff at {@code now}. */
    boolean unavailable(String endpoint, Instant now) {
        Instant until = offlineUntil.get(endpoint);
        return until != null && now.isBefore(until);
    }

    /**
     * One write of a delivery batch.
     *
     * @param marksInFlight this attempt set the shadow's in-flight values (no earlier attempt's were pending)
     * @param seenBefore    the target's shadow values when the write was planned (empty: no row known there)
     * @param inFlight      the values in flight to the target once the write was planned: this write's, or an
     *                      earlier attempt's whose outcome is unknown ({@code null}: none)
     */
    private record Job(OutboxEntry entry, DeliveryPlanner.Planned planned, boolean marksInFlight, Row seenBefore, Row inFlight) {
    }

    /**
     * A row of a captured target read again after the sink answered, outside the recording transaction: a slow or
     * hung target must not hold the state store, which every sync shares.
     *
     * @param seen    the sequence number taken before the read (captures that began reading before it must read again)
     * @param before  the record's shadow for the target just before the read; if the recording finds another one,
     *                a capture merged a state of the row meanwhile, which may be newer than this read
     * @param row     the row as read ({@code null}: it could not be read, see {@code failure})
     */
    private record Reread(long seen, Shadow before, Optional<Row> row, String failure) {
        /** The read, if the recording transaction may merge it: nothing merged a state of the row since. */
        Optional<Optional<Row>> usableWith(Shadow now) {
            return failure == null && Objects.equals(now, before) ? Optional.of(row) : Optional.empty();
        }
    }

    /** Delivers one batch of due writes to {@code endpoint}. */
    SyncEngine.DeliveryReport deliverOnce(String endpoint) {
        EndpointDefinition target = sync.endpoint(endpoint);
        Instant now = options.clock().instant();
        Instant until = offlineUntil.get(endpoint);
        if (until != null && now.isBefore(until)) return new SyncEngine.DeliveryReport(0, 0, 0, 0, true);
        if (!captureStarted(target)) return SyncEngine.DeliveryReport.NOTHING;
        List<Job> jobs = new ArrayList<>();
        int due;
        try {
            due = events.inTransaction(store, tx -> {
                jobs.clear();
                List<OutboxEntry> entries = tx.dueOutbox(sync.name(), endpoint, now, options.batchSize());
                for (OutboxEntry e : entries) planJob(tx, target, e, jobs);
                return entries.size();
            });
        } catch (SystemUnavailableException e) {
            markOffline(endpoint, e.getMessage()); // planning had to look a row up there
            return new SyncEngine.DeliveryReport(0, 0, 0, 0, true);
        }
        if (jobs.isEmpty()) return new SyncEngine.DeliveryReport(due, 0, 0, planningDeadLetters.getAndSet(0), false);
        int settled = settleLandedEarlierWrites(target, jobs);
        if (jobs.isEmpty()) return new SyncEngine.DeliveryReport(due, 0, settled, planningDeadLetters.getAndSet(0), false);
        List<Write> writes = jobs.stream().map(j -> j.planned().write()).toList();
        List<WriteResult> results;
        boolean outcomeKnown = true;
        try {
            results = io.get(endpoint).sink().apply(writes);
        } catch (SystemUnavailableException e) {
            // By the sink's contract nothing of the batch was applied: the writes are not in flight.
            store.run(tx -> jobs.forEach(j -> notInFlight(tx, target, j)));
            markOffline(endpoint, e.getMessage());
            return new SyncEngine.DeliveryReport(due, 0, 0, 0, true);
        } catch (RuntimeException e) {
            // The call broke off: some writes may have been applied (a timeout after the commit). They stay
            // marked as in flight, to be recognized if they landed.
            String error = describe(e);
            log.warn("sync '{}': delivery of {} writes to '{}' failed: {}", sync.name(), writes.size(), endpoint, error);
            events.tell(l -> l.error(sync.name(), endpoint, EngineListener.Stage.DELIVERY, false));
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
        Map<Integer, Reread> rereads = reread(target, jobs, outcome);
        SyncEngine.DeliveryReport report = events.inTransaction(store, tx -> {
            int applied = 0, retried = 0, dead = deadWhilePlanning;
            for (int i = 0; i < jobs.size(); i++) {
                WriteResult result = outcome.get(i);
                if (known && (result instanceof WriteResult.Failed || result instanceof WriteResult.Rejected)) {
                    notInFlight(tx, target, jobs.get(i)); // the sink says it was not applied
                }
                switch (record(tx, target, jobs.get(i), result, confirmSeq, rereads.get(i))) {
                    case APPLIED -> applied++;
                    case RETRY -> retried++;
                    case DEAD -> dead++;
                }
            }
            Resolver.saveSequence(tx, sync.name(), confirmSeq);
            return new SyncEngine.DeliveryReport(due, applied, retried, dead, false);
        });
        // Captures of the target that began reading before these records read the rows again, ahead of their
        // transaction where they can (a hint only: a row not noted here is read again inside it).
        if (target.direction().captured()) {
            List<NativeKey> touched = new ArrayList<>();
            for (int i = 0; i < jobs.size(); i++) {
                NativeKey row = rowOf(jobs.get(i), outcome.get(i));
                if (row != null) touched.add(row);
            }
            if (!touched.isEmpty()) resolver.recorded(endpoint, touched, sequence.get());
        }
        // A batch that went through whole: the target works again, and the last error is history.
        if (report.applied() > 0 && report.retried() == 0 && report.deadLettered() == 0) lastErrors.remove(endpoint);
        return report;
    }

    /**
     * Reads again, in one call and outside any state transaction, the rows of a captured target whose answers the
     * recording may have to merge: after a failed precondition, after an insert that found the row already there,
     * and after a write during which the target's capture merged a state of the row. The answer of the sink shows
     * the row as it was when the write was tried; the capture runs on its own thread and may have merged a newer
     * state since, which merging the answer would undo with nothing left in the target's log to bring it back.
     */
    private Map<Integer, Reread> reread(EndpointDefinition target, List<Job> jobs, List<WriteResult> results) {
        if (!target.direction().captured()) return Map.of();
        List<Integer> wanted = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            WriteResult r = results.get(i);
            if (r instanceof WriteResult.Applied || r instanceof WriteResult.PreconditionFailed) wanted.add(i);
        }
        if (wanted.isEmpty()) return Map.of();
        // In this order: the sequence number, the shadows, the rows. A capture that merges before the shadows are
        // loaded shows in them, one that merges later changes them (the recording then does not use this read),
        // and one that began reading before the sequence number reads again after the recording.
        long seen = sequence.incrementAndGet();
        Map<Integer, Shadow> before = store.inTransaction(tx -> {
            Map<Integer, Shadow> m = new HashMap<>();
            for (int i : wanted) {
                tx.loadRecord(sync.name(), jobs.get(i).entry().recordId()).ifPresent(st -> m.put(i, st.shadow(target.name())));
            }
            return m;
        });
        Map<Integer, NativeKey> keys = new HashMap<>();
        for (int i : wanted) {
            Job job = jobs.get(i);
            Shadow shadow = before.get(i);
            boolean needed = switch (results.get(i)) {
                case WriteResult.PreconditionFailed pf -> true;
                case WriteResult.Applied a -> a.existed() || shadow != null && !Objects.equals(shadow.values(), job.seenBefore());
                default -> false;
            };
            NativeKey row = needed ? rowOf(job, results.get(i)) : null;
            if (row != null) keys.put(i, row);
        }
        if (keys.isEmpty()) return Map.of();
        Map<NativeKey, Row> rows;
        String failure = null;
        try {
            rows = io.get(target.name()).sink().read(keys.values().stream().distinct().toList());
        } catch (RuntimeException e) {
            rows = Map.of();
            failure = describe(e);
        }
        Map<Integer, Reread> out = new HashMap<>();
        for (Map.Entry<Integer, NativeKey> k : keys.entrySet()) {
            out.put(k.getKey(), new Reread(seen, before.get(k.getKey()), failure == null ? Optional.ofNullable(rows.get(k.getValue())) : null, failure));
        }
        return out;
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
            planned = planner.plan(tx, target, state.get());
        } catch (MappingException e) {
            deadLetter(tx, entry, e.getMessage());
            planningDeadLetters.incrementAndGet();
            return;
        } catch (References.NotReady e) {
            // A referenced record is not in the target yet: this write waits, so the referenced row comes first.
            // Its insert is normally in the same round of deliveries: check again soon, give up after maxAttempts.
            int attempts = entry.attempts() + 1;
            if (attempts >= options.maxAttempts()) {
                deadLetter(tx, entry, e.getMessage() + " (after " + attempts + " attempts)");
                planningDeadLetters.incrementAndGet();
            } else {
                tx.rescheduleOutbox(entry, attempts, options.clock().instant().plusMillis(Math.min(5_000, 200L * attempts)), e.getMessage());
            }
            return;
        }
        if (planned.isEmpty()) {
            tx.completeOutbox(entry);
        } else if (DeliveryPlanner.isNoop(planned.get().write())) {
            tx.saveRecord(sync.name(), state.get().withShadow(target.name(), planned.get().after()), resolver.matchKeyOf(state.get()));
            tx.completeOutbox(entry);
        } else {
            Write w = planned.get().write();
            boolean marks = false;
            if (w instanceof Write.Update || w instanceof Write.Insert) {
                // Remember what is in flight: if the process dies after the target commits it, a later attempt
                // recognizes these values in the row as its own write instead of someone else's edit, and an
                // insert is looked for before anything else is planned for the record.
                // An earlier write whose outcome is still unknown keeps its place: it is the one a later
                // precondition failure may reveal as landed.
                Shadow shadow = state.get().shadow(target.name());
                if (shadow == null || shadow.pending() == null) {
                    marks = true;
                    Shadow inFlight = shadow != null ? shadow.withPending(planned.get().after().values())
                            : new Shadow(null, Shadow.Status.GONE, null, 0, planned.get().after().values());
                    tx.saveRecord(sync.name(), state.get().withShadow(target.name(), inFlight), resolver.matchKeyOf(state.get()));
                }
            }
            Shadow before = state.get().shadow(target.name());
            Row inFlight = marks ? planned.get().after().values() : before == null ? null : before.pending();
            jobs.add(new Job(entry, planned.get(), marks, before == null ? Row.empty() : before.values(), inFlight));
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
                long lookup = sequence.incrementAndGet();
                // Persisted with the lookup: after a restart the sequence must not restart below it, or no capture
                // would ever count as having caught up past it.
                Resolver.saveSequence(tx, sync.name(), lookup);
                tx.saveRecord(sync.name(), state.withShadow(target.name(),
                        new Shadow(shadow.key(), Shadow.Status.GONE, null, lookup, sent)), resolver.matchKeyOf(state));
            }
            return null;
        }
        tx.saveRecord(sync.name(), settled, resolver.matchKeyOf(settled));
        return settled;
    }

    /**
     * Jobs whose row still has an earlier update of unknown outcome in flight (the process died, or a call broke off,
     * before its answer was recorded): a write sent now carries no in-flight mark of its own (the earlier one keeps
     * its place), so if it too landed unrecorded, nothing would ever tell. Reads those rows first, in one call and
     * outside any state transaction; where a row shows that the earlier update landed ({@link Shadow#pendingLandedIn}),
     * records it and plans the job again right away (no attempt counted), so that the next write is marked. The
     * other jobs are sent as before (a failed precondition may still reveal the earlier update). Removes the jobs it
     * settled from {@code jobs} and returns how many.
     */
    private int settleLandedEarlierWrites(EndpointDefinition target, List<Job> jobs) {
        List<Job> earlier = jobs.stream()
                .filter(j -> !j.marksInFlight() && j.inFlight() != null && j.planned().write() instanceof Write.Update).toList();
        if (earlier.isEmpty()) return 0;
        long seen = sequence.incrementAndGet(); // before the read: captures that began earlier read the rows again
        Map<NativeKey, Row> rows;
        try {
            rows = io.get(target.name()).sink().read(earlier.stream().map(j -> keyOf(j.planned().write())).toList());
        } catch (RuntimeException e) {
            return 0; // sent as before
        }
        List<Job> settled = store.inTransaction(tx -> {
            List<Job> done = new ArrayList<>();
            for (Job j : earlier) {
                RecordState state = tx.loadRecord(sync.name(), j.entry().recordId()).orElse(null);
                Shadow shadow = state == null ? null : state.shadow(target.name());
                Row row = rows.get(keyOf(j.planned().write()));
                // Only if nothing merged a state of the row since the job was planned.
                if (row == null || shadow == null || !shadow.holdsRow() || !Objects.equals(shadow.pending(), j.inFlight())
                        || !Objects.equals(shadow.values(), j.seenBefore())) continue;
                Row image = References.mapping(tx, target).toCanonical(shadow.key(), row);
                if (!shadow.pendingLandedIn(image, state.base())) continue;
                adoptLanded(tx, target, state, shadow, image, seen);
                tx.rescheduleOutbox(j.entry(), j.entry().attempts(), options.clock().instant(),
                        "an earlier write to " + target.name() + " landed; planning again");
                done.add(j);
            }
            if (!done.isEmpty()) Resolver.saveSequence(tx, sync.name(), seen);
            return done;
        });
        jobs.removeAll(settled);
        return settled.size();
    }

    /** Records that the update in flight on {@code shadow} landed, as {@code image} (the row now) shows. */
    private void adoptLanded(StateTransaction tx, EndpointDefinition target, RecordState state, Shadow shadow, Row image, long seq) {
        Row landed = shadow.landedValues(image);
        audit.write(tx, target.name(), new Write.Update(state.id(), shadow.key(), target.mapping().toNative(state.id().value(),
                landed), Row.empty()), shadow.key().value());
        resolver.persist(tx, state.withShadow(target.name(), new Shadow(shadow.key(), Shadow.Status.PRESENT, landed,
                Math.max(seq, shadow.confirmedSeq()), null)));
    }

    /**
     * This job's write is known not to have been applied: forget its in-flight values — unless they belong to an
     * earlier write whose outcome is still unknown (only the oldest unknown write is kept in flight).
     */
    private void notInFlight(StateTransaction tx, EndpointDefinition target, Job job) {
        RecordState state = tx.loadRecord(sync.name(), job.entry().recordId()).orElse(null);
        Shadow shadow = state == null ? null : state.shadow(target.name());
        // An earlier attempt of the same write may have landed: only the attempt that set the mark may clear it.
        if (!job.marksInFlight() || shadow == null || shadow.pending() == null) return;
        tx.saveRecord(sync.name(), state.withShadow(target.name(), shadow.withPending(null)), resolver.matchKeyOf(state));
    }

    private enum Outcome { APPLIED, RETRY, DEAD }

    private Outcome record(StateTransaction tx, EndpointDefinition target, Job job, WriteResult result, long confirmSeq, Reread reread) {
        OutboxEntry entry = job.entry();
        RecordState state = tx.loadRecord(sync.name(), entry.recordId()).orElseThrow();
        return switch (result) {
            case WriteResult.Applied a -> {
                confirmed(tx, target, job, a, state, confirmSeq, reread);
                yield Outcome.APPLIED;
            }
            case WriteResult.PreconditionFailed pf when !job.marksInFlight() && landedEarlier(tx, target, state, pf) -> {
                // An earlier update whose outcome was never recorded did land: record it now, then try again.
                // (Not this attempt's own values: the target just refused them.)
                Shadow shadow = state.shadow(target.name());
                adoptLanded(tx, target, state, shadow, References.mapping(tx, target).toCanonical(shadow.key(), pf.current().get()), confirmSeq);
                yield retryOrDead(tx, entry, "an earlier write to " + target.name() + " landed; planning again", false);
            }
            case WriteResult.PreconditionFailed pf -> {
                // A concurrent change in the target: merge what it holds now, then try again right away. Also when
                // the row holds this write's values already: this attempt did not write them (the target refused
                // it), so they are not audited as its write; an earlier attempt that landed is recognized above, a
                // value the target got otherwise merges as agreed.
                NativeKey key = keyOf(job.planned().write());
                Optional<Row> current = pf.current();
                RecordState merging = state;
                if (target.direction().captured()) {
                    // Not the sink's answer (see reread): the row as read again after it, unless a capture merged a
                    // state of the row since that read. Then that state stands, and whatever the target holds after
                    // it is still ahead in the target's log; the write is planned again.
                    Optional<Optional<Row>> again = reread == null ? Optional.empty() : reread.usableWith(state.shadow(target.name()));
                    if (again.isEmpty()) {
                        notInFlight(tx, target, job); // the write did not apply: its precondition failed
                        boolean unread = reread == null || reread.failure() != null;
                        yield retryOrDead(tx, entry, "precondition failed: the row changed in " + target.name()
                                + (unread ? " and could not be read again: " + (reread == null ? "not read" : reread.failure()) : ""), unread);
                    }
                    current = again.get();
                    long seen = reread.seen();
                    Resolver.saveSequence(tx, sync.name(), seen);
                    Shadow shadow = state.shadow(target.name());
                    if (shadow != null) merging = state.withShadow(target.name(),
                            new Shadow(shadow.key(), shadow.status(), shadow.values(), Math.max(seen, shadow.confirmedSeq()), shadow.pending()));
                }
                Row image = current.map(r -> References.mapping(tx, target).toCanonical(key, r)).orElse(null);
                try {
                    resolver.apply(tx, merging, new Incoming(target.name(), key, image, clocks.get(target.name()).stamp(options.clock().instant())),
                            merging != state);
                } catch (dev.twoway.expr.ExpressionException e) {
                    deadLetter(tx, entry, "the conflict rule failed on this record: " + e.getMessage() + "; correct the rule (or the record), then retry this dead letter");
                    yield Outcome.DEAD;
                }
                yield retryOrDead(tx, entry, "precondition failed: the row changed in " + target.name(), false);
            }
            case WriteResult.Rejected r -> {
                deadLetter(tx, entry, r.reason());
                yield Outcome.DEAD;
            }
            case WriteResult.Failed f -> {
                events.tell(l -> l.error(sync.name(), target.name(), EngineListener.Stage.DELIVERY, false));
                yield retryOrDead(tx, entry, f.reason(), true);
            }
        };
    }

    private void confirmed(StateTransaction tx, EndpointDefinition target, Job job, WriteResult.Applied a,
                           RecordState state, long confirmSeq, Reread reread) {
        Shadow planned = job.planned().after();
        Shadow after = new Shadow(a.key(), planned.status(), planned.values(), confirmSeq);
        Shadow meanwhile = state.shadow(target.name());
        // The target's capture may have seen these values land before this answer got here, and recorded the
        // write then (the row showed the values in flight, maybe with fields edited since): audit it once.
        boolean recordedByCapture = planned.values().equals(job.inFlight()) && meanwhile != null && meanwhile.pending() == null
                && meanwhile.holdsRow() && (meanwhile.values().equals(planned.values())
                || Shadow.present(a.key(), job.seenBefore(), 0).withPending(planned.values())
                        .pendingLandedIn(meanwhile.values(), state.base()));
        if (!recordedByCapture) audit.write(tx, target.name(), job.planned().write(), a.key().value());
        if (!job.marksInFlight() && meanwhile != null && meanwhile.pending() != null) {
            // An earlier update whose outcome was never known (it kept its place while this one was sent) is
            // superseded: this write's answer says nothing about it, and it leaves the shadow now. Say so.
            resolver.unconfirmed(tx, state.id(), target.name(), meanwhile.pending(), "a later write replaced it");
        }
        Instant sourceTime = sourceTime(state, target, planned);
        Instant appliedAt = options.clock().instant();
        events.tell(l -> l.applied(sync.name(), target.name(), sourceTime, appliedAt));
        RecordState next = state.withShadow(target.name(), after);
        if (a.existed()) {
            // The insert found a row that already existed (match key or external id): link it and merge what it
            // actually holds, with no common ancestor, so differing values go through the conflict policy.
            // As the row is now: the answer's image may be older than what the target's capture merged meanwhile.
            Optional<Row> current = a.current().isPresent() && !target.direction().captured() ? a.current() : freshOr(target, a.key(), a.current(), meanwhile, reread);
            Row image = current.map(r -> References.mapping(tx, target).toCanonical(a.key(), r)).orElse(null);
            if (image != null && !image.equals(planned.values())) {
                RecordState unlinked = state.withShadow(target.name(), new Shadow(a.key(), Shadow.Status.GONE, null, confirmSeq));
                resolver.apply(tx, unlinked, new Incoming(target.name(), a.key(), image, clocks.get(target.name()).stamp(options.clock().instant())), true);
                complete(tx, target, job.entry());
                return;
            }
        }
        if (target.direction().captured() && meanwhile != null && !meanwhile.values().equals(job.seenBefore())) {
            // The target's capture merged a state of this row while the write was on its way: the values planned
            // for the fields this write did not touch may be outdated, and the merged state may predate the write
            // or not. Settle it with the row as it is now.
            next = mergeCurrent(tx, target, next, a.key(), confirmSeq, meanwhile, reread);
            if (next == null) {
                complete(tx, target, job.entry());
                return;
            }
        }
        boolean stillNeeded = resolver.persist(tx, next).contains(target.name());
        complete(tx, target, job.entry(), stillNeeded);
    }

    /**
     * The row as the target holds it now: as read again after the sink answered if nothing merged a state of it
     * since, else read inside the recording transaction (rare: a capture merged the same row in that instant), or
     * {@code fallback} if it cannot be read.
     */
    private Optional<Row> freshOr(EndpointDefinition target, NativeKey key, Optional<Row> fallback, Shadow now, Reread reread) {
        Optional<Optional<Row>> read = reread == null ? Optional.empty() : reread.usableWith(now);
        if (read.isPresent()) return read.get();
        if (reread != null && reread.failure() != null) return fallback; // the target did not answer a moment ago
        try {
            return resolver.readRow(target.name(), key);
        } catch (RuntimeException e) {
            return fallback.isPresent() ? fallback : Optional.empty();
        }
    }

    /**
     * Merges the row as the target holds it now into {@code state} (after a confirmed write whose shadow may be
     * outdated), and makes captures that began reading before this point read the row again. Returns the state to
     * persist, or {@code null} when the merge already persisted it; leaves {@code state} alone if the row cannot be
     * read (the next capture of the row settles it, at worst with one redundant write).
     */
    private RecordState mergeCurrent(StateTransaction tx, EndpointDefinition target, RecordState state, NativeKey key, long confirmSeq,
                                     Shadow recorded, Reread reread) {
        Optional<Optional<Row>> read = reread == null ? Optional.empty() : reread.usableWith(recorded);
        long seen;
        Optional<Row> current;
        if (read.isPresent()) {
            seen = reread.seen();
            current = read.get();
        } else if (reread != null && reread.failure() != null) {
            return state; // the target did not answer a moment ago: not again while holding the state store
        } else {
            // A capture merged the row again after it was read outside (or it was not read): read it here, where
            // no capture can merge meanwhile. Rare, and it holds the state store for one read.
            seen = sequence.incrementAndGet();
            try {
                current = resolver.readRow(target.name(), key);
            } catch (RuntimeException e) {
                return state;
            }
        }
        Resolver.saveSequence(tx, sync.name(), seen);
        Shadow shadow = state.shadow(target.name());
        RecordState marked = state.withShadow(target.name(),
                new Shadow(shadow.key(), shadow.status(), shadow.values(), Math.max(seen, confirmSeq), shadow.pending()));
        Row image = current.map(r -> References.mapping(tx, target).toCanonical(key, r)).orElse(null);
        try {
            resolver.apply(tx, marked, new Incoming(target.name(), key, image, clocks.get(target.name()).stamp(options.clock().instant())), true);
        } catch (dev.twoway.expr.ExpressionException e) {
            return marked; // the capture of the row meets the same rule failure and parks it there
        }
        return null;
    }

    /**
     * When the newest edit this write carries was made: the latest base version among the fields whose value the
     * write changes in the target (for a delete, the delete's), or {@code null} if the base has none. A field whose
     * base moved on since the write was planned is left out: that newer edit is not in this write.
     */
    static Instant sourceTime(RecordState state, EndpointDefinition target, Shadow planned) {
        dev.twoway.merge.Base base = state.base();
        if (base.deleted()) return base.deletedBy() == null ? null : base.deletedBy().time().instant();
        Shadow before = state.shadow(target.name());
        Row old = before == null || !before.holdsRow() ? Row.empty() : before.values();
        Row sent = planned.values();
        dev.twoway.clock.HlcTimestamp newest = null;
        for (String f : sent.names()) {
            if (old.has(f) && old.get(f).equals(sent.get(f))) continue;
            if (!base.values().has(f) || !base.values().get(f).equals(sent.get(f))) continue;
            dev.twoway.merge.FieldVersion v = base.version(f);
            if (v != null && (newest == null || v.time().isAfter(newest))) newest = v.time();
        }
        return newest == null ? null : newest.instant();
    }

    private void complete(StateTransaction tx, EndpointDefinition target, OutboxEntry entry) {
        complete(tx, target, entry, tx.loadRecord(sync.name(), entry.recordId()).orElseThrow());
    }

    /** Ends the entry unless the record still needs a write to this target ({@code now}: its state as just saved). */
    private void complete(StateTransaction tx, EndpointDefinition target, OutboxEntry entry, RecordState now) {
        complete(tx, target, entry, resolver.needsWrite(tx, target, now));
    }

    /** Ends the entry unless {@code stillNeeded}: the record, as just saved, needs another write to this target. */
    private void complete(StateTransaction tx, EndpointDefinition target, OutboxEntry entry, boolean stillNeeded) {
        if (!stillNeeded) {
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
        events.tell(l -> l.deadLetter(sync.name(), entry.target(), EngineListener.Stage.DELIVERY));
    }

    private void markOffline(String endpoint, String message) {
        int n = outages.merge(endpoint, 1, Integer::sum);
        Instant until = options.clock().instant().plus(options.offline().delay(n, options.random()));
        offlineUntil.put(endpoint, until);
        lastErrors.put(endpoint, message);
        events.tell(l -> l.error(sync.name(), endpoint, EngineListener.Stage.DELIVERY, true));
        if (n == 1) log.warn("sync '{}': {} — writes are queued until it is back", sync.name(), message);
    }

    /** Does the row show that an earlier, unconfirmed update landed ({@link Shadow#pendingLandedIn})? */
    private static boolean landedEarlier(StateTransaction tx, EndpointDefinition target, RecordState state, WriteResult.PreconditionFailed pf) {
        Shadow shadow = state.shadow(target.name());
        if (shadow == null || shadow.pending() == null || pf.current().isEmpty() || !shadow.holdsRow()) return false;
        return shadow.pendingLandedIn(References.mapping(tx, target).toCanonical(shadow.key(), pf.current().get()), state.base());
    }

    /**
     * The target row a write's outcome concerns: the key the sink answered for an applied write, the write's own key
     * for a failed precondition; {@code null} for any other outcome (nothing reached the row).
     */
    private static NativeKey rowOf(Job job, WriteResult result) {
        return switch (result) {
            case WriteResult.Applied a when a.key() != null -> a.key();
            case WriteResult.Applied a when !(job.planned().write() instanceof Write.Insert) -> keyOf(job.planned().write());
            case WriteResult.PreconditionFailed pf -> keyOf(job.planned().write());
            default -> null;
        };
    }

    private static NativeKey keyOf(Write w) {
        return switch (w) {
            case Write.Update u -> u.key();
            case Write.Delete d -> d.key();
            case Write.Insert i -> throw new IllegalStateException("an insert has no precondition to fail");
        };
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
