package dev.twoway.engine;

import dev.twoway.model.Value;

/** A person's decision on a parked conflict. */
public sealed interface ConflictChoice {

    /** For a field conflict: keep this value (one of the versions shown, or a corrected one). */
    record TakeValue(Value value) implements ConflictChoice {
    }

    /** For a delete conflict or confirmation: the record is deleted everywhere. */
    record Delete() implements ConflictChoice {
    }

    /** For a delete conflict or confirmation: the record is kept, and re-created where it was deleted. */
    record Keep() implements ConflictChoice {
    }
}
