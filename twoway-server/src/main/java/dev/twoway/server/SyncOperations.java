package dev.twoway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the API needs from the process running the syncs, beyond what it reads from the state store itself. The
 * CLI's {@code twoway run} implements it over its engines. Refusals (an unknown id, a choice that does not fit the
 * conflict) are {@link IllegalArgumentException}s whose messages are safe to show the caller.
 */
public interface SyncOperations {

    /** Per sync: schedule, pause, queued writes, lag, errors, conflicts, dead letters (as {@code twoway status --json}). */
    ObjectNode status();

    /**
     * Decides a parked conflict. {@code choice} holds one of {@code take} (a system), {@code value}, {@code delete}
     * or {@code keep}. Returns a one-line outcome.
     */
    String resolveConflict(long id, JsonNode choice, String actor, String comment);

    /** Queues a dead letter again; returns a one-line outcome. */
    String retryDeadLetter(long id);

    /**
     * Starts a pass of a sync now (a realtime sync: wakes its deliveries); returns a one-line outcome. A paused or
     * unknown sync is refused.
     */
    default String runNow(String sync) {
        throw new IllegalStateException("this twoway process cannot run a sync on request");
    }

    /**
     * Gives a dead letter up: it is removed and never written, and the audit trail records {@code actor} and
     * {@code reason} (action {@code dead-letter-discarded}). Returns a one-line outcome.
     */
    default String discardDeadLetter(long id, String actor, String reason) {
        throw new IllegalStateException("this twoway process cannot discard dead letters");
    }
}
