package dev.twoway.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * One applied change or one decision, in the tamper-evident audit trail.
 *
 * @param seq      position in the trail, 1, 2, 3… without gaps
 * @param time     when the engine recorded it
 * @param sync     the sync, e.g. {@code customers}
 * @param recordId the engine's record id ({@code null} for entries about no single record)
 * @param system   the system the change came from or went to
 * @param actor    who: {@code capture} (a change seen in a system), {@code engine} (a write or a policy decision),
 *                 or {@code user:<name>} for a person's decision
 * @param action   what, e.g. {@code change}, {@code write}, {@code conflict}, {@code conflict-parked},
 *                 {@code conflict-decided}, {@code dead-letter}
 * @param detail   JSON text: field changes (old → new), policy, winner, losing value, flags
 * @param prevHash hash of the previous entry (64 zeros for the first)
 * @param hash     SHA-256 over the previous hash and this entry's fields (see {@link AuditChain})
 */
public record AuditEntry(long seq, Instant time, String sync, String recordId, String system, String actor,
                         String action, String detail, String prevHash, String hash) {
    public AuditEntry {
        Objects.requireNonNull(time);
        Objects.requireNonNull(action);
        detail = detail == null ? "{}" : detail;
    }

    /** An entry before the store assigned its place in the chain. */
    public record Draft(Instant time, String sync, String recordId, String system, String actor, String action, String detail) {
    }
}
