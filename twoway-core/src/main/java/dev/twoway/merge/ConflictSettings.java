package dev.twoway.merge;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A sync's conflict and delete rules.
 *
 * @param defaultPolicy  the policy for fields without their own
 * @param fieldPolicies  per-field overrides
 * @param deleteVsUpdate what a delete meets when another system changed the record concurrently
 * @param deletes        what a delete does to the other endpoints
 * @param priority       system order for ties and for {@link ConflictPolicy.Priority} fallbacks; the sync's
 *                       endpoint order when not configured
 * @param skewWindow     edits closer than this (plus measured clock uncertainty) are a last-write-wins tie
 */
public record ConflictSettings(ConflictPolicy defaultPolicy, Map<String, ConflictPolicy> fieldPolicies,
                               DeleteConflictPolicy deleteVsUpdate, DeletePolicy deletes, List<String> priority,
                               Duration skewWindow) {
    public ConflictSettings {
        Objects.requireNonNull(defaultPolicy);
        fieldPolicies = Map.copyOf(fieldPolicies);
        Objects.requireNonNull(deleteVsUpdate);
        Objects.requireNonNull(deletes);
        priority = List.copyOf(priority);
        Objects.requireNonNull(skewWindow);
    }

    public static ConflictSettings lastWriteWins(List<String> priority) {
        return new ConflictSettings(new ConflictPolicy.LastWriteWins(), Map.of(), DeleteConflictPolicy.DELETE_WINS,
                new DeletePolicy.Propagate(), priority, Duration.ofSeconds(1));
    }

    public ConflictPolicy policyFor(String field) {
        return fieldPolicies.getOrDefault(field, defaultPolicy);
    }

    /** Rank in the priority list; unlisted systems rank after all listed ones. */
    public int rank(String system) {
        int i = priority.indexOf(system);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    public ConflictSettings withDefault(ConflictPolicy p) {
        return new ConflictSettings(p, fieldPolicies, deleteVsUpdate, deletes, priority, skewWindow);
    }

    public ConflictSettings withField(String field, ConflictPolicy p) {
        var m = new java.util.HashMap<>(fieldPolicies);
        m.put(field, p);
        return new ConflictSettings(defaultPolicy, m, deleteVsUpdate, deletes, priority, skewWindow);
    }

    public ConflictSettings withDeletes(DeletePolicy d) {
        return new ConflictSettings(defaultPolicy, fieldPolicies, deleteVsUpdate, d, priority, skewWindow);
    }

    public ConflictSettings withDeleteVsUpdate(DeleteConflictPolicy d) {
        return new ConflictSettings(defaultPolicy, fieldPolicies, d, deletes, priority, skewWindow);
    }

    public ConflictSettings withSkewWindow(Duration w) {
        return new ConflictSettings(defaultPolicy, fieldPolicies, deleteVsUpdate, deletes, priority, w);
    }
}
