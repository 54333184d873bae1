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

    /**
     * Does {@code row} (canonical values the row holds now) show that the update in flight, {@link #pending}, landed?
     * <p>
     * Yes if it shows every value sent. Also if one field shows the value that update sent where it differed from
     * what the row held before it ({@link #values}) and from what the record holds now ({@code base}): the engine
     * would never send a value the base has left behind again, and one update of a row is atomic, so every field it
     * sent landed, and a field that differs from it now was edited since. Requiring every field to match took
     * "landed, then another field edited" for "never landed", and the values the update brought for an edit made in
     * that system at capture time, which could beat a newer real edit made elsewhere.
     * <p>
     * A value the base still holds is no evidence: a later write of the engine may have brought it (an earlier
     * update keeps its place here while a later one is sent), or the system had it already (an update planned from
     * an outdated shadow). Taking such a value for an edit is harmless: it equals the base.
     *
     * @param base the record's base, or null
     */
    public boolean pendingLandedIn(Row row, Base base) {
        if (pending == null || row == null) return false;
        boolean showsAll = true;
        for (String f : pending.names()) {
            dev.twoway.model.Value sent = pending.get(f);
            boolean shows = row.has(f) && sent.equals(row.get(f));
            showsAll &= shows;
            if (!shows || values.has(f) && sent.equals(values.get(f))) continue;
            if (base == null || !base.values().has(f) || !sent.equals(base.values().get(f))) return true;
        }
        return showsAll && !pending.equals(values);
    }

    /**
     * What the row held right after the update in flight landed, as far as {@code row} (the row now) can tell: the
     * values sent, except where the row shows again exactly what it held before the update. Such a field was either
     * edited back to that very value since, or never written — the update's evidence may be a value the row got from
     * elsewhere (an update planned from an outdated shadow, sending the target a value it already had). Taking the
     * older value as the ancestor there means "not edited in this system", so the newer value stays and is sent
     * again, instead of an edit back to the old value that nobody may have made.
     */
    public Row landedValues(Row row) {
        Row out = pending;
        for (String f : pending.names()) {
            if (row.has(f) && values.has(f) && row.get(f).equals(values.get(f)) && !values.get(f).equals(pending.get(f))) {
                out = out.with(f, values.get(f));
            }
        }
        return out;
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
