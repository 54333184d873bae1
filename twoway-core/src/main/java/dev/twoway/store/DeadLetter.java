package dev.twoway.store;

import dev.twoway.model.RecordId;

import java.time.Instant;

/**
 * A write that keeps failing or was refused by its target, parked with its error until someone retries it.
 * At most one per (sync, target, record): a later failure of the same write updates it.
 */
public record DeadLetter(long id, String sync, String target, RecordId recordId, String error, int attempts,
                         Instant createdAt) {
}
