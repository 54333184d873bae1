package dev.twoway.engine;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th retry waits a random time in [d/2, d] where
 * d = min(max, base · 2^(n-1)). Jitter keeps many failed writes from retrying in lockstep against a target
 * that is just coming back.
 */
public record Backoff(Duration base, Duration max) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

    public Duration delay(int attempt, RandomGenerator random) {
        int exponent = Math.max(0, Math.min(attempt - 1, 30));
        long capped = Math.min(max.toMillis(), base.toMillis() * (1L << exponent));
        long half = Math.max(1, capped / 2);
        return Duration.ofMillis(half + random.nextLong(half + 1));
    }
}
