package dev.twoway.store;

/**
 * A filter over conflicts, open and resolved: every condition that is set ({@code null} means any) must hold.
 * Results come in id order (oldest first), starting after {@code afterId} (for paging), at most {@code limit}.
 *
 * @param sync     one sync
 * @param status   {@code open} or {@code resolved}
 * @param recordId one record
 * @param field    one canonical field ({@code __record__} for the whole-record ones)
 */
public record ConflictQuery(String sync, String status, String recordId, String field, long afterId, int limit) {
    public ConflictQuery {
        if (status != null && !status.equals("open") && !status.equals("resolved")) {
            throw new IllegalArgumentException("conflict status '" + status + "': write open or resolved");
        }
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1, not " + limit);
        if (afterId < 0) throw new IllegalArgumentException("afterId must not be negative");
    }

    /** All conflicts after {@code afterId}, up to {@code limit}. */
    public static ConflictQuery after(long afterId, int limit) {
        return new ConflictQuery(null, null, null, null, afterId, limit);
    }

    public ConflictQuery sync(String sync) {
        return new ConflictQuery(sync, status, recordId, field, afterId, limit);
    }

    public ConflictQuery status(String status) {
        return new ConflictQuery(sync, status, recordId, field, afterId, limit);
    }

    public ConflictQuery record(String recordId) {
        return new ConflictQuery(sync, status, recordId, field, afterId, limit);
    }

    public ConflictQuery field(String field) {
        return new ConflictQuery(sync, status, recordId, field, afterId, limit);
    }
}
