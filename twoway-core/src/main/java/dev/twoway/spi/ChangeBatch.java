package dev.twoway.spi;

import java.util.List;
import java.util.Objects;

/**
 * Changes read from one source in position order, and the position after the last of them.
 *
 * @param changes  the changes, oldest first; may be empty
 * @param position the position to resume from once these changes are safely resolved; never {@code null}
 *                 (an empty batch returns the position it was asked for, or a newer one)
 * @param caughtUp {@code true} when the source had nothing more to give at the time of the call
 */
public record ChangeBatch(List<Change> changes, String position, boolean caughtUp) {
    public ChangeBatch {
        changes = List.copyOf(changes);
        Objects.requireNonNull(position, "position");
    }
}
