package dev.twoway.clock;

import java.time.Instant;

/**
 * Orders the edits of one system: stamps each source time (already corrected for the system's clock offset)
 * with a hybrid logical clock, so that the stamps of one system never go backwards, even if its wall clock
 * does, and edits sharing a wall time get distinct, ordered stamps. Not thread-safe: one capture thread per
 * endpoint owns its clock.
 */
public final class HybridLogicalClock {
    private HlcTimestamp last;

    public HybridLogicalClock(HlcTimestamp last) {
        this.last = last == null ? HlcTimestamp.ZERO : last;
    }

    /** The stamp for an event at {@code physical}: at least one tick after the previous stamp. */
    public HlcTimestamp stamp(Instant physical) {
        long wall = HlcTimestamp.micros(physical);
        last = wall > last.wallMicros() ? new HlcTimestamp(wall, 0) : new HlcTimestamp(last.wallMicros(), last.logical() + 1);
        return last;
    }

    public HlcTimestamp last() {
        return last;
    }
}
