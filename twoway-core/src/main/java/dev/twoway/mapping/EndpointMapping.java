package dev.twoway.mapping;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;

import java.util.Set;

/**
 * Converts one endpoint's native rows to canonical records of the sync and back.
 *
 * <p>Conversions are lossless or rejected: a value that cannot be represented on the other side exactly
 * (a string too long, a number out of range, a fraction into an integer, an unknown enum value) is a
 * {@link MappingException} naming the record and field, never a silent truncation.
 *
 * <p>Round trip: for every native row {@code r} that converts, {@code toNative(toCanonical(r))} holds the same
 * values for every mapped column. The engine relies on it to recognize its own writes coming back.
 */
public interface EndpointMapping {

    /** The canonical record for a native row; fields the row lacks get their configured default, if any. */
    Row toCanonical(NativeKey key, Row nativeRow) throws MappingException;

    /**
     * The native values for a canonical record: every mapped column whose canonical inputs are present in
     * {@code canonical}. {@code recordLabel} names the record in error messages.
     */
    Row toNative(String recordLabel, Row canonical) throws MappingException;

    /** The native columns this mapping reads and writes. */
    Set<String> nativeColumns();

    /** The canonical fields this mapping produces. */
    Set<String> canonicalFields();

    /** A mapping where native names and values are the canonical ones (used by tests and identical schemas). */
    static EndpointMapping identity(Set<String> fields) {
        return new IdentityMapping(Set.copyOf(fields));
    }
}
