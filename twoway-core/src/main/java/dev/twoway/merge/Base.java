package dev.twoway.merge;

import dev.twoway.model.Row;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The canonical values last agreed for a record, each with the version of the edit that produced it.
 * A deleted record keeps its base as a tombstone ({@code deleted}, with the version of the delete) so that
 * a late change cannot bring it back by accident.
 */
public record Base(Row values, Map<String, FieldVersion> versions, boolean deleted, FieldVersion deletedBy) {
    public Base {
        Objects.requireNonNull(values);
        versions = Map.copyOf(versions);
    }

    public static Base created(Row values, FieldVersion version) {
        Map<String, FieldVersion> v = new HashMap<>();
        for (String f : values.names()) v.put(f, version);
        return new Base(values, v, false, null);
    }

    public FieldVersion version(String field) {
        return versions.get(field);
    }

    public Base withField(String field, dev.twoway.model.Value value, FieldVersion version) {
        Map<String, FieldVersion> v = new HashMap<>(versions);
        v.put(field, version);
        return new Base(values.with(field, value), v, deleted, deletedBy);
    }

    public Base tombstone(FieldVersion by) {
        return new Base(values, versions, true, by);
    }

    public Base revived() {
        return new Base(values, versions, false, null);
    }
}
