package dev.twoway.merge;

import dev.twoway.clock.HlcTimestamp;
import dev.twoway.model.Row;
import dev.twoway.model.Value;

import java.util.Map;

/** What a merge decided, one item per audit entry. */
public sealed interface Decision {

    /** A new record, first seen in {@code system}. */
    record Created(String system, Row values) implements Decision {
    }

    /**
     * {@code system} now holds the agreed value of fields it did not hold before: the engine's own write seen
     * before its delivery was recorded (the process died in between), or the same edit made in two systems.
     * {@code fields} lists them; {@code "__record__"} alone means the row is gone, as agreed.
     */
    record Agreed(String system, java.util.List<String> fields) implements Decision {
    }

    /** Fields a change from {@code system} applied to the base without conflict: field → [old, new]. */
    record FieldsChanged(String system, Map<String, Value[]> changes) implements Decision {
    }

    /** One side of a decided conflict. */
    record Side(String system, Value value, HlcTimestamp time) {
    }

    /**
     * A conflict decided by a policy. The loser's value is kept here (and so in the audit trail).
     *
     * @param tie the two edits were within the skew window: the winner was picked by system priority
     */
    record ConflictDecided(String field, String policy, Side winner, Side loser, boolean tie) implements Decision {
    }

    /** A change to a field owned by another system, undone (the owner's value is written back). */
    record Reverted(String field, String system, Value attempted, String owner) implements Decision {
    }

    /**
     * A conflict parked for a person. {@code versions}: system → value ({@code null} value = deleted there).
     *
     * @param kind {@code field}, {@code delete-confirm} or {@code delete-update}
     */
    record Parked(String field, String kind, Value base, Map<String, Value> versions) implements Decision {
    }

    /** A held field (or held record) changed again in {@code system}; the open conflict gets the new value. */
    record HeldUpdated(String field, String system, Value value) implements Decision {
    }

    /** The record was deleted in {@code system}; the base became a tombstone. */
    record Deleted(String system, String policy) implements Decision {
    }

    /** {@code system} deleted its row and, under the ignore policy, left the record; others keep it. */
    record Detached(String system) implements Decision {
    }

    /** An update in {@code system} met a delete and lost ({@code delete-wins}); its values are kept here. */
    record UpdateLostToDelete(String system, Row values) implements Decision {
    }

    /** A delete in {@code system} met a concurrent update and lost ({@code update-wins}): the record is re-created there. */
    record DeleteLostToUpdate(String system) implements Decision {
    }

    /** An update in {@code system} revived a deleted record ({@code update-wins}). */
    record Resurrected(String system, Row values) implements Decision {
    }
}
