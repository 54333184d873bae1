package dev.twoway.audit;

import java.time.Instant;

/**
 * A filter over the audit trail: every condition that is set ({@code null} means any) must hold. Results come in
 * chain order, starting after {@code afterSeq} (for paging), at most {@code limit} of them.
 *
 * @param from     entries recorded at or after this time
 * @param to       entries recorded before this time
 * @param sync     one sync
 * @param recordId one record (its history)
 * @param system   changes from or writes to this system
 * @param actor    exactly this actor, e.g. {@code user:alice} or {@code engine}
 * @param action   exactly this action, e.g. {@code conflict-decided}
 */
public record AuditQuery(Instant from, Instant to, String sync, String recordId, String system, String actor, String action,
                         long afterSeq, int limit) {
    public AuditQuery {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, not " + limit);
        if (afterSeq < 0) throw new IllegalArgumentException("afterSeq must not be negative");
    }

    /** Everything after {@code afterSeq}, up to {@code limit} entries. */
    public static AuditQuery after(long afterSeq, int limit) {
        return new AuditQuery(null, null, null, null, null, null, null, afterSeq, limit);
    }

    public AuditQuery between(Instant from, Instant to) {
        return new AuditQuery(from, to, sync, recordId, system, actor, action, afterSeq, limit);
    }

    public AuditQuery sync(String sync) {
        return new AuditQuery(from, to, sync, recordId, system, actor, action, afterSeq, limit);
    }

    public AuditQuery record(String recordId) {
        return new AuditQuery(from, to, sync, recordId, system, actor, action, afterSeq, limit);
    }

    public AuditQuery system(String system) {
        return new AuditQuery(from, to, sync, recordId, system, actor, action, afterSeq, limit);
    }

    public AuditQuery actor(String actor) {
        return new AuditQuery(from, to, sync, recordId, system, actor, action, afterSeq, limit);
    }

    public AuditQuery action(String action) {
        return new AuditQuery(from, to, sync, recordId, system, actor, action, afterSeq, limit);
    }

    /** Whether {@code e} passes every condition except paging (for stores that filter in memory). */
    public boolean matches(AuditEntry e) {
        return (from == null || !e.time().isBefore(from)) && (to == null || e.time().isBefore(to))
                && (sync == null || sync.equals(e.sync())) && (recordId == null || recordId.equals(e.recordId()))
                && (system == null || system.equals(e.system())) && (actor == null || actor.equals(e.actor()))
                && (action == null || action.equals(e.action()));
    }
}
