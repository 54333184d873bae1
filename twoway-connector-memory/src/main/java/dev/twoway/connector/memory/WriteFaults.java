package dev.twoway.connector.memory;

import dev.twoway.spi.Write;

/**
 * Failures a test injects into the engine's writes to a {@link MemorySystem}.
 */
public interface WriteFaults {
    WriteFaults NONE = new WriteFaults() {
    };

    /** A permanent refusal of one write, like a constraint violation: the reason, or {@code null} to accept it. */
    default String reject(Write write) {
        return null;
    }

    /** A passing failure of one write (the sink answers {@code Failed} for it and applies nothing). */
    default boolean failTransiently(Write write) {
        return false;
    }

    /**
     * Called after a batch was applied and before the sink answers: throwing here simulates the engine
     * process dying between the target's commit and the engine's record of it.
     */
    default void afterApply(int writes) {
    }

    /** Called after the source read a batch of changes and before it answers (to interleave other work with a capture). */
    default void afterPoll(int changes) {
    }

    /** Called after the sink read rows and before it answers (to interleave other work with a read). */
    default void afterRead(int rows) {
    }
}
