package dev.twoway.clock;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The measured clock offset of each system against the local clock, NTP style: read the local clock, the
 * system's clock, the local clock again; the offset is the system's time minus the midpoint of the local
 * readings, and half the round trip is the uncertainty. Source times are corrected by subtracting the offset,
 * so that last-write-wins compares edits of different systems on one time line.
 */
public final class ClockOffsets {

    /** One measurement: {@code offset} = system clock − local clock; {@code uncertainty} = half the round trip. */
    public record Offset(Duration offset, Duration uncertainty, Instant measuredAt) {
        public static final Offset NONE = new Offset(Duration.ZERO, Duration.ZERO, Instant.EPOCH);
    }

    private final InstantSource local;
    private final Map<String, Offset> offsets = new ConcurrentHashMap<>();

    public ClockOffsets(InstantSource local) {
        this.local = local;
    }

    /** Measures a system's offset; a system without a readable clock keeps offset zero. */
    public Offset measure(String system, Supplier<Optional<Instant>> systemClock) {
        Instant before = local.instant();
        Optional<Instant> remote = systemClock.get();
        Instant after = local.instant();
        if (remote.isEmpty()) return offsets.getOrDefault(system, Offset.NONE);
        Duration rtt = Duration.between(before, after);
        Instant midpoint = before.plus(rtt.dividedBy(2));
        Offset o = new Offset(Duration.between(midpoint, remote.get()), rtt.dividedBy(2), after);
        offsets.put(system, o);
        return o;
    }

    public void set(String system, Offset offset) {
        offsets.put(system, offset);
    }

    public Offset offset(String system) {
        return offsets.getOrDefault(system, Offset.NONE);
    }

    /** A source time of {@code system} on the local time line. */
    public Instant correct(String system, Instant sourceTime) {
        return sourceTime.minus(offset(system).offset());
    }

    /** The largest measurement uncertainty of two systems: edits closer than this cannot be ordered by time. */
    public Duration uncertainty(String a, String b) {
        Duration ua = offset(a).uncertainty(), ub = offset(b).uncertainty();
        return ua.compareTo(ub) >= 0 ? ua : ub;
    }
}
