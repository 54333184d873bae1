package dev.twoway.store;

import dev.twoway.audit.AuditEntry;
import dev.twoway.merge.RecordState;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The operations of one state-store transaction. See {@link StateStore} for the transaction contract. */
public interface StateTransaction {

    // ---- record states and links ---------------------------------------------------------------------

    /** The record linked to {@code key} in {@code endpoint}, if any. */
    Optional<RecordId> findLinked(String sync, String endpoint, NativeKey key);

    /** The record whose match key (the normalized values of the sync's match fields) is {@code matchKey}. */
    Optional<RecordId> findByMatchKey(String sync, String matchKey);

    Optional<RecordState> loadRecord(String sync, RecordId id);

    /**
     * Saves a record's state and keeps the link index in step with its shadows: after this call,
     * {@link #findLinked} finds the record by every shadow's native key, and by no other key.
     * {@code matchKey} (nullable) replaces the record's match key.
     */
    void saveRecord(String sync, RecordState state, String matchKey);

    /** Record ids of a sync in id order, after {@code afterId} (null: from the start); for scans and tests. */
    List<RecordId> recordIds(String sync, RecordId afterId, int limit);

    // ---- outbox ---------------------------------------------------------------------------------------

    /** Adds a pending write for (target, record), or bumps the version of the one already there. */
    void enqueue(String sync, String target, RecordId id, Instant dueAt);

    /** Entries of a target due at {@code now}, oldest due first. */
    List<OutboxEntry> dueOutbox(String sync, String target, Instant now, int limit);

    Optional<OutboxEntry> outboxEntry(String sync, String target, RecordId id);

    /** Removes the entry if its version is still {@code entry.version()}; returns whether it was removed. */
    boolean completeOutbox(OutboxEntry entry);

    /** Records a failed attempt: sets attempts, the next due time and the error. */
    void rescheduleOutbox(OutboxEntry entry, int attempts, Instant dueAt, String error);

    /** Removes the entry whatever its version (the write went to dead letters). */
    void dropOutbox(String sync, String target, RecordId id);

    long outboxDepth(String sync, String target);

    // ---- checkpoints ----------------------------------------------------------------------------------

    Optional<String> checkpoint(String sync, String endpoint);

    void saveCheckpoint(String sync, String endpoint, String position);

    /** Forgets an endpoint's position: its capture starts over (a snapshot), e.g. after its capture mode changed. */
    void clearCheckpoint(String sync, String endpoint);

    // ---- conflicts ------------------------------------------------------------------------------------

    /** Stores a new open conflict (its id and status are assigned) and returns it. */
    ConflictRecord addConflict(ConflictRecord conflict);

    /** Replaces the candidates of an open conflict (a held field changed again in some system). */
    void updateConflictCandidates(long id, String candidates);

    Optional<ConflictRecord> conflict(long id);

    /** Open conflicts of a sync ({@code null}: all syncs), oldest first. */
    List<ConflictRecord> openConflicts(String sync, int limit);

    /** Open conflicts of one record. */
    List<ConflictRecord> openConflicts(String sync, RecordId id);

    void resolveConflict(long id, String resolution, Instant at);

    /** Conflicts, open or resolved, passing {@code query}'s conditions, in id order. */
    List<ConflictRecord> conflicts(ConflictQuery query);

    // ---- dead letters ---------------------------------------------------------------------------------

    /** Adds a dead letter, or updates the one already there for (sync, target, record). */
    DeadLetter addDeadLetter(DeadLetter letter);

    Optional<DeadLetter> deadLetter(long id);

    /** The dead letter of one record's write to one target, if there is one (at most one per sync, target, record). */
    Optional<DeadLetter> deadLetter(String sync, String target, dev.twoway.model.RecordId recordId);

    /** Dead letters of a sync ({@code null}: all syncs), oldest first. */
    List<DeadLetter> deadLetters(String sync, int limit);

    void removeDeadLetter(long id);

    // ---- audit ----------------------------------------------------------------------------------------

    /** Appends an entry to the hash chain (see {@link dev.twoway.audit.AuditChain#seal}) and returns it sealed. */
    AuditEntry appendAudit(AuditEntry.Draft draft);

    /** Entries with {@code seq > afterSeq}, in order. */
    List<AuditEntry> audit(long afterSeq, int limit);

    /** Entries passing {@code query}'s conditions, in order (a record's history, a user's decisions, a time window). */
    List<AuditEntry> audit(dev.twoway.audit.AuditQuery query);

    /** The seq of the newest audit entry, 0 for an empty trail (where a new reader of the trail starts). */
    default long lastAuditSeq() {
        long last = 0;
        for (List<AuditEntry> page = audit(0, 10_000); !page.isEmpty(); page = audit(last, 10_000)) last = page.getLast().seq();
        return last;
    }

    // ---- small engine metadata (clock state, offsets, sequences) ----------------------------------------

    Optional<String> meta(String key);

    void putMeta(String key, String value);
}
