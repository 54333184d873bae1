package dev.twoway.reliability;

import java.time.Duration;

/**
 * How long a scenario repeats its rounds: once in CI (the default), or for {@code -Dsoak.minutes=N} minutes.
 */
final class Soak {
    private static final long MINUTES = Long.getLong("soak.minutes", 0);
    private final long end = System.nanoTime() + Duration.ofMinutes(MINUTES).toNanos();
    private int rounds;

    /** True for the first round, then while soak time remains. */
    boolean another() {
        return rounds++ == 0 || System.nanoTime() < end;
    }

    int rounds() {
        return rounds - 1;
    }
}
