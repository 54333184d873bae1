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

    /** A random id drawn from {@code random}: reproducible when the generator is seeded (tests). */
    public static RecordId random(java.util.random.RandomGenerator random) {
        long hi = (random.nextLong() & ~0xF000L) | 0x4000L;                 // version 4
        long lo = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new RecordId(new UUID(hi, lo).toString());
    }

    /**
     * A time-ordered id (UUID version 7: 48 bits of epoch milliseconds, then random bits). Records created close
     * together get ids close together, so a state store's key order follows creation order: a batch of new records
     * touches a few index pages instead of one random page each.
     */
    public static RecordId ordered(long epochMillis, java.util.random.RandomGenerator random) {
        long hi = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);          // version 7
        long lo = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;        // IETF variant
        return new RecordId(new UUID(hi, lo).toString());
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
