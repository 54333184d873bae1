package dev.twoway.clock;

import java.time.Instant;

/**
 * A hybrid logical clock reading: wall-clock microseconds plus a logical counter that orders events sharing
 * (or appearing to go back from) the same wall time. Total order: wall time, then counter.
 */
public record HlcTimestamp(long wallMicros, int logical) implements Comparable<HlcTimestamp> {

    public static final HlcTimestamp ZERO = new HlcTimestamp(0, 0);

    public static HlcTimestamp of(Instant t) {
        return new HlcTimestamp(micros(t), 0);
    }

    public static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    public Instant instant() {
        return Instant.ofEpochSecond(Math.floorDiv(wallMicros, 1_000_000L), Math.floorMod(wallMicros, 1_000_000L) * 1_000L);
    }

    @Override
    public int compareTo(HlcTimestamp o) {
        int c = Long.compare(wallMicros, o.wallMicros);
        return c != 0 ? c : Integer.compare(logical, o.logical);
    }

    public boolean isAfter(HlcTimestamp o) {
        return compareTo(o) > 0;
    }

    /** Text form that sorts like the timestamp: {@code 2026-11-22T10:00:00.000001Z#3}. */
    public String encode() {
        return wallMicros + "." + logical;
    }

    public static HlcTimestamp decode(String text) {
        int dot = text.lastIndexOf('.');
        return new HlcTimestamp(Long.parseLong(text.substring(0, dot)), Integer.parseInt(text.substring(dot + 1)));
    }

    @Override
    public String toString() {
        return instant() + (logical == 0 ? "" : "#" + logical);
    }
}
