package dev.twoway.merge;

import java.util.List;
import java.util.Objects;

/**
 * How to decide a field that two systems changed since the base. Field-level merge is always on: fields
 * changed in only one system never conflict, whatever the policy.
 */
public sealed interface ConflictPolicy {

    /** A short name for audit entries and metrics. */
    String name();

    /**
     * The later edit wins, by source time corrected for each system's clock offset and ordered by a hybrid
     * logical clock. Two edits closer than the skew window (plus measurement uncertainty) are a tie: the
     * system earlier in the sync's priority list wins and the decision is flagged {@code tie}.
     */
    record LastWriteWins() implements ConflictPolicy {
        public String name() {
            return "last-write-wins";
        }
    }

    /** The system earlier in {@code systems} wins; systems not listed lose to listed ones, and among themselves fall back to last-write-wins. */
    record Priority(List<String> systems) implements ConflictPolicy {
        public Priority {
            systems = List.copyOf(systems);
        }

        public String name() {
            return "priority";
        }
    }

    /**
     * Only {@code system} may change the field (it is the source of truth): a change made elsewhere is
     * reverted to the owner's value, whether or not the owner changed it too, and the revert is audited.
     */
    record Owner(String system) implements ConflictPolicy {
        public Owner {
            Objects.requireNonNull(system);
        }

        public String name() {
            return "owner";
        }
    }

    /** The conflict waits for a person; the field keeps its base value meanwhile, the rest of the record syncs. */
    record Manual() implements ConflictPolicy {
        public String name() {
            return "manual";
        }
    }

    /** A safe expression decides (see {@link ConflictRule}). */
    record Rule(String source, ConflictRule rule) implements ConflictPolicy {
        public String name() {
            return "rule";
        }
    }
}
