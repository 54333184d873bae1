package dev.twoway.store;

import dev.twoway.model.RecordId;

import java.time.Instant;

/**
 * A pending write to one endpoint for one record. The outbox holds at most one entry per (sync, target,
 * record): enqueuing again bumps {@code version} instead of adding a row, which is how repeated changes to
 * the same record coalesce into one write. The write itself is computed at delivery from the record's state.
 *
 * @param version  incremented by every enqueue; completion only removes the entry if nobody enqueued since
 * @param attempts failed attempts so far (offline periods do not count)
 * @param dueAt    not delivered before this time (backoff)
 */
public record OutboxEntry(String sync, String target, RecordId recordId, long version, int attempts,
                          Instant dueAt, String lastError) {
}
