package dev.twoway.engine;

import dev.twoway.clock.ClockOffsets;

import java.time.InstantSource;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How an engine runs. Time and randomness are injected so tests can drive them.
 *
 * @param batchSize   changes read per capture call and writes sent per delivery call
 * @param maxAttempts failed attempts of one write before it goes to dead letters
 * @param retry       backoff between attempts of one write
 * @param offline     backoff between probes of a target that is unavailable
 * @param random      jitter and new record ids; must be thread-safe when the engine runs on several threads
 */
public record EngineOptions(int batchSize, int maxAttempts, Backoff retry, Backoff offline, InstantSource clock,
                            RandomGenerator random, ClockOffsets offsets) {
    public EngineOptions {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        Objects.requireNonNull(retry);
        Objects.requireNonNull(offline);
        Objects.requireNonNull(clock);
        Objects.requireNonNull(random);
        Objects.requireNonNull(offsets);
    }

    public static EngineOptions defaults() {
        InstantSource clock = InstantSource.system();
        // SecureRandom: thread-safe (capture and delivery threads share it) and wide enough for record ids.
        return new EngineOptions(500, 10, Backoff.DEFAULT, Backoff.DEFAULT, clock, new java.security.SecureRandom(), new ClockOffsets(clock));
    }

    public EngineOptions withClock(InstantSource c) {
        return new EngineOptions(batchSize, maxAttempts, retry, offline, c, random, new ClockOffsets(c));
    }

    public EngineOptions withBatchSize(int n) {
        return new EngineOptions(n, maxAttempts, retry, offline, clock, random, offsets);
    }

    public EngineOptions withMaxAttempts(int n) {
        return new EngineOptions(batchSize, n, retry, offline, clock, random, offsets);
    }

    public EngineOptions withRandom(RandomGenerator r) {
        return new EngineOptions(batchSize, maxAttempts, retry, offline, clock, r, offsets);
    }

    public EngineOptions withBackoff(Backoff retryBackoff, Backoff offlineBackoff) {
        return new EngineOptions(batchSize, maxAttempts, retryBackoff, offlineBackoff, clock, random, offsets);
    }
}
