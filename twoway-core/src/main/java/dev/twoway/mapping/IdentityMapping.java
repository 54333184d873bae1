package dev.twoway.mapping;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;

import java.util.Set;

record IdentityMapping(Set<String> fields) implements EndpointMapping {
    @Override
    public Row toCanonical(NativeKey key, Row nativeRow) {
        return nativeRow.only(fields);
    }

    @Override
    public Row toNative(String recordLabel, Row canonical) {
        return canonical.only(fields);
    }

    @Override
    public Set<String> nativeColumns() {
        return fields;
    }

    @Override
    public Set<String> canonicalFields() {
        return fields;
    }
}
