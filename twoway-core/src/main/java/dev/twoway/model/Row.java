package dev.twoway.model;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Named values, immutable. Used both for a system's native row (column names) and for a canonical record
 * (the sync's field names). A missing name and a name holding {@link Value#NULL} are different: a missing
 * name means "not known / not part of this row", a null means "known to be empty".
 */
public final class Row {
    private static final Row EMPTY = new Row(new TreeMap<>());
    private final TreeMap<String, Value> values;

    private Row(TreeMap<String, Value> values) {
        this.values = values;
    }

    public static Row empty() {
        return EMPTY;
    }

    public static Row of(Map<String, ? extends Value> values) {
        TreeMap<String, Value> copy = new TreeMap<>();
        values.forEach((k, v) -> copy.put(Objects.requireNonNull(k), v == null ? Value.NULL : v));
        return new Row(copy);
    }

    /** Convenience for tests and examples: {@code Row.of("name", "Ada", "age", 36)}. */
    public static Row of(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) throw new IllegalArgumentException("names and values must pair up");
        Map<String, Value> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put((String) namesAndValues[i], Value.of(namesAndValues[i + 1]));
        }
        return of(map);
    }

    public Value get(String name) {
        Value v = values.get(name);
        return v == null ? Value.NULL : v;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public Collection<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    public Map<String, Value> asMap() {
        return Collections.unmodifiableMap(values);
    }

    public int size() {
        return values.size();
    }

    public Row with(String name, Value value) {
        TreeMap<String, Value> copy = new TreeMap<>(values);
        copy.put(name, value == null ? Value.NULL : value);
        return new Row(copy);
    }

    public Row withAll(Row other) {
        TreeMap<String, Value> copy = new TreeMap<>(values);
        copy.putAll(other.values);
        return new Row(copy);
    }

    public Row only(Collection<String> names) {
        // Hot path (every plan, every identity mapping): most of the time nothing is dropped, so no copy is made.
        if (names.size() >= values.size() && names.containsAll(values.keySet())) return this;
        TreeMap<String, Value> copy = new TreeMap<>();
        for (String n : names) {
            if (values.containsKey(n)) copy.put(n, values.get(n));
        }
        return new Row(copy);
    }

    public Row without(String name) {
        TreeMap<String, Value> copy = new TreeMap<>(values);
        copy.remove(name);
        return new Row(copy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Row other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
