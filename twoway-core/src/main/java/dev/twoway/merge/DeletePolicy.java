package dev.twoway.merge;

import dev.twoway.model.Value;

import java.util.Objects;

/** What a delete in one endpoint does to the record's rows in the others. */
public sealed interface DeletePolicy {

    String name();

    /** Delete the rows in every other endpoint. */
    record Propagate() implements DeletePolicy {
        public String name() {
            return "propagate";
        }
    }

    /** Keep the rows elsewhere but set a canonical field (e.g. {@code active = false}). */
    record Soft(String field, Value value) implements DeletePolicy {
        public Soft {
            Objects.requireNonNull(field);
            Objects.requireNonNull(value);
        }

        public String name() {
            return "soft";
        }
    }

    /** Copy the rows to each endpoint's archive, then delete them. */
    record Archive() implements DeletePolicy {
        public String name() {
            return "archive";
        }
    }

    /** Hold the delete until a person confirms it (then propagate) or rejects it (the row is restored). */
    record Confirm() implements DeletePolicy {
        public String name() {
            return "confirm";
        }
    }

    /** The deleting endpoint leaves the record; the other endpoints keep it and it is never re-created there. */
    record Ignore() implements DeletePolicy {
        public String name() {
            return "ignore";
        }
    }
}
