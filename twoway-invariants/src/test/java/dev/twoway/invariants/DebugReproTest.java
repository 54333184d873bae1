package dev.twoway.invariants;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.twoway.invariants.SyncInvariantsProperties.Kind.*;

class DebugReproTest {
    @Test
    void repro() throws Exception {
        List<SyncInvariantsProperties.Op> ops = new ArrayList<>();
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(CAPTURE, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(CAPTURE, 1, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(DELETE, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(DELIVER, 1, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(CRASH_AFTER_APPLY, 2, 19, 2));
        ops.add(new SyncInvariantsProperties.Op(CAPTURE, 0, 429, 0));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 74, 1));
        ops.add(new SyncInvariantsProperties.Op(UPDATE, 2, 90, 1));
        ops.add(new SyncInvariantsProperties.Op(UPDATE, 2, 49, 1));
        ops.add(new SyncInvariantsProperties.Op(UPDATE, 1, 9, 2));
        ops.add(new SyncInvariantsProperties.Op(UPDATE, 0, 6, 2));
        ops.add(new SyncInvariantsProperties.Op(TIME, 2, 6, 1));
        ops.add(new SyncInvariantsProperties.Op(UPDATE, 1, 603, 1));
        ops.add(new SyncInvariantsProperties.Op(INSERT, 0, 0, 0));
        ops.add(new SyncInvariantsProperties.Op(TIME, 2, 2, 1));
        ops.add(new SyncInvariantsProperties.Op(DELETE, 3, 11, 2));
        var s = new SyncInvariantsProperties.Scenario(2, 0, 0, 1, List.of(0, 0, 0, 0), 0L, ops);
        new SyncInvariantsProperties().invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(s);
    }
}
