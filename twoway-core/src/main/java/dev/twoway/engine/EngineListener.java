package dev.twoway.engine;

import java.time.Instant;

/**
 * Told what the engine does, for metrics: changes read, writes applied (with the time their newest edit was made
 * at the source), conflicts decided or parked, failures and dead letters. Every method has an empty default, so an
 * implementation overrides only what it counts.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Events that stem from a state-store transaction (applied writes, conflicts, dead letters) are told only
 *       after that transaction committed, once; work that was rolled back is not told.</li>
 *   <li>Calls come from the engine's capture and delivery threads, several at once: implementations are
 *       thread-safe, and cheap (a counter increment), because they run on the engine's hot path.</li>
 *   <li>An implementation should not throw; if it does, the engine logs it at debug level and goes on.</li>
 *   <li>Names passed are the sync's and the endpoint's (system's) names from the config; never record ids or
 *       values, so they are safe to use as metric labels.</li>
 * </ul>
 */
public interface EngineListener {

    /** Tells nothing to nobody. */
    EngineListener NONE = new EngineListener() {
    };

    /** Where an error happened. */
    enum Stage {
        /** reading changes from a system and resolving them */
        CAPTURE,
        /** writing to a system */
        DELIVERY
    }

    /**
     * One capture step of {@code system} read {@code changes} changes ({@code 0} when there was nothing new).
     *
     * @param caughtUp the step read everything the source had (so the stream is not behind)
     */
    default void captured(String sync, String system, int changes, boolean caughtUp) {
    }

    /**
     * A write to {@code system} was applied and recorded.
     *
     * @param sourceTime when the newest edit that this write carries was committed at its source, as the engine
     *                   reads it (the source's commit time corrected by that system's measured clock offset, or the
     *                   time the engine captured it when the source gives no time; for a person's decision on a
     *                   conflict, the time of the decision); {@code null} when unknown
     * @param appliedAt  when the engine recorded the target's confirmation (the engine's clock)
     */
    default void applied(String sync, String system, Instant sourceTime, Instant appliedAt) {
    }

    /**
     * A conflict on {@code field} ({@code __record__} for the record as a whole) was decided by {@code policy}
     * with {@code outcome}: for example {@code last-write-wins}/{@code decided}, {@code manual}/{@code parked},
     * {@code manual}/{@code resolved} (a person decided), {@code delete-wins}/{@code delete-won}.
     */
    default void conflict(String sync, String field, String policy, String outcome) {
    }

    /**
     * An attempt failed at {@code stage} in {@code system}: a capture step, a delivery call, or one write the
     * target answered as failed (to be retried).
     *
     * @param unavailable the system could not be reached at all
     */
    default void error(String sync, String system, Stage stage, boolean unavailable) {
    }

    /** A change read from {@code system} ({@link Stage#CAPTURE}) or a write to it ({@link Stage#DELIVERY}) became a dead letter. */
    default void deadLetter(String sync, String system, Stage stage) {
    }

    /**
     * The clock of {@code system} was measured: it reads {@code offset} ahead of the engine's clock (negative:
     * behind), give or take {@code uncertainty}. Its source times are corrected by the offset from now on.
     */
    default void clockMeasured(String system, java.time.Duration offset, java.time.Duration uncertainty) {
    }
}
