package dev.twoway.merge;

import java.util.List;

/** The record's new state and what was decided on the way, in order. */
public record MergeOutcome(RecordState state, List<Decision> decisions) {
    public MergeOutcome {
        decisions = List.copyOf(decisions);
    }
}
