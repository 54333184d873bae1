package dev.twoway.spi;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;

import java.time.Instant;
import java.util.Objects;

/**
 * What capture saw of one row in one entity: its native key, whether it exists, and its current values.
 *
 * <p>A change carries the row's state, not a delta. Sources should deliver the latest state they can see
 * ("fetch latest"); an older state is tolerated, because the engine compares every change against what it
 * last knew of that endpoint and re-reads a row whose image may predate one of its own writes.
 *
 * @param key        the native key of the row
 * @param kind       {@link Kind#UPSERT} when the row exists (inserted or updated), {@link Kind#DELETE} when it is gone
 * @param row        the native values of the row; empty for a delete
 * @param sourceTime when the system committed this state, by the system's own clock; {@code null} if unknown
 *                   (the engine then uses the time it captured the change)
 * @param externalId the engine's record id stored with the row when the engine created it (an external-id
 *                   column), or {@code null}: lets the engine recognize a row it inserted but could not link
 *                   before a crash, instead of taking it for a new record
 */
public record Change(NativeKey key, Kind kind, Row row, Instant sourceTime, String externalId) {

    public enum Kind { UPSERT, DELETE }

    public Change {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        row = row == null ? Row.empty() : row;
    }

    public static Change upsert(NativeKey key, Row row, Instant sourceTime) {
        return new Change(key, Kind.UPSERT, row, sourceTime, null);
    }

    public static Change upsert(NativeKey key, Row row, Instant sourceTime, String externalId) {
        return new Change(key, Kind.UPSERT, row, sourceTime, externalId);
    }

    public static Change delete(NativeKey key, Instant sourceTime) {
        return new Change(key, Kind.DELETE, Row.empty(), sourceTime, null);
    }

    /** A delete of a row that carried an external id (the trigger or log saw the row's old values). */
    public static Change delete(NativeKey key, Instant sourceTime, String externalId) {
        return new Change(key, Kind.DELETE, Row.empty(), sourceTime, externalId);
    }

    public boolean isDelete() {
        return kind == Kind.DELETE;
    }
}
