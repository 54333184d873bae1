package dev.twoway.merge;

import dev.twoway.clock.HlcTimestamp;

import java.util.Objects;

/**
 * Where a base value came from: the hybrid-logical-clock time of the edit that produced it and the system
 * (or {@code manual:<user>}) that made it. Last-write-wins compares these.
 */
public record FieldVersion(HlcTimestamp time, String origin) {
    public FieldVersion {
        Objects.requireNonNull(time);
        Objects.requireNonNull(origin);
    }
}
