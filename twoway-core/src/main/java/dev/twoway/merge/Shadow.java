package dev.twoway.merge;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;

import java.util.Objects;

/**
 * What the engine knows one endpoint holds for one record: the link (native key) and the canonical values
 * last seen there or last written there. The ancestor of a three-way merge for changes from that endpoint,
 * and the precondition of writes to it.
 *
 * @param key          the native key in that endpoint; {@code null} until linked
 * @param status       see {@link Status}
 * @param values       canonical values the endpoint holds (for {@link Status#PRESENT} and {@link Status#SOFT_DELETED})
 * @param confirmedSeq the engine sequence number at which a write of the engine to this row was last confirmed:
 *                     a captured image read before that moment may predate the write and is read again; for an
 *                     insert whose outcome is unknown ({@code GONE} with {@code pending}), the sequence number of
 *                     the lookup that did not find its row
 * @param pending      the values of an update sent to this row whose outcome is not known yet (the process may
 *                     die after the target committed it), or {@code null}: if the row later shows exactly these
 *                     values, the engine knows its own write landed
 */
public record Shadow(NativeKey key, Status status, Row values, long confirmedSeq, Row pending) {

    public enum Status {
        /** The row exists with {@code values}. */
        PRESENT,
        /** The row does not exist (deleted there, or by the engine). */
        GONE,
        /** The engine soft-deleted the row (set the soft-delete field); the row still exists. */
        SOFT_DELETED,
        /** The endpoint left this record (its delete was ignored): it is never written again. */
        DETACHED
    }

    public Shadow {
        Objects.requireNonNull(status);
        values = values == null ? Row.empty() : values;
    }

    public Shadow(NativeKey key, Status status, Row values, long confirmedSeq) {
        this(key, status, values, confirmedSeq, null);
    }

    public static Shadow present(NativeKey key, Row values, long confirmedSeq) {
        return new Shadow(key, Status.PRESENT, values, confirmedSeq, null);
    }

    /** The row as captured now; an unconfirmed write stays pending (the image may predate it). */
    public Shadow seen(NativeKey key, Row values) {
        return new Shadow(key, Status.PRESENT, values, confirmedSeq, pending);
    }

    public Shadow withPending(Row p) {
        return new Shadow(key, status, values, confirmedSeq, p);
    }

    public boolean holdsRow() {
        return status == Status.PRESENT || status == Status.SOFT_DELETED;
    }

    public Shadow withStatus(Status s) {
        return new Shadow(key, s, s == Status.GONE || s == Status.DETACHED ? Row.empty() : values, confirmedSeq, pending);
    }

    public Shadow withValues(Row v) {
        return new Shadow(key, status, v, confirmedSeq, pending);
    }
}
