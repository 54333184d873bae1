package dev.twoway.merge;

import dev.twoway.model.Value;

import java.time.Instant;

/**
 * A custom conflict rule: given both versions of a field that two systems changed since the base, returns the
 * value to keep. Implemented by safe expressions (CEL), never by code loaded from the configuration.
 */
@FunctionalInterface
public interface ConflictRule {

    /** The value to keep; may be one of the two versions or a new value (e.g. the larger of two numbers). */
    Value decide(Input input);

    /** One side of the conflict: its value, the system it comes from, and when it was written there. */
    record Side(Value value, String system, Instant time) {
    }

    /**
     * @param field    the canonical field in conflict
     * @param base     the last agreed value ({@link Value#NULL} if the record had none)
     * @param current  the value the engine holds now (from another system)
     * @param incoming the value in the change being resolved
     */
    record Input(String field, Value base, Side current, Side incoming) {
    }
}
