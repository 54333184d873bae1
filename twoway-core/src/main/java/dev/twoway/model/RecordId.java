package dev.twoway.model;

import java.util.Objects;
import java.util.UUID;

/** The engine's identity of one canonical record; links map it to each system's native key. */
public record RecordId(String value) implements Comparable<RecordId> {
    public RecordId {
        Objects.requireNonNull(value);
        if (value.isBlank()) throw new IllegalArgumentException("record id must not be blank");
    }

    public static RecordId random() {
        return new RecordId(UUID.randomUUID().toString());
    }

    @Override
    public int compareTo(RecordId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
