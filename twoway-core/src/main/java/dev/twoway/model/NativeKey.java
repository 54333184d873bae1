package dev.twoway.model;

import java.util.Objects;

/**
 * A record's key inside one system, as text. The connector that produced it owns the encoding
 * (a composite key is encoded by its connector); the engine only stores and compares it.
 */
public record NativeKey(String value) implements Comparable<NativeKey> {
    public NativeKey {
        Objects.requireNonNull(value, "native key");
    }

    public static NativeKey of(Object plain) {
        return new NativeKey(String.valueOf(plain));
    }

    @Override
    public int compareTo(NativeKey o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
