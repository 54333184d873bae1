package dev.twoway.invariants;

import dev.twoway.audit.AuditEntry;
import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.merge.ConflictPolicy;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.merge.DeleteConflictPolicy;
import dev.twoway.merge.DeletePolicy;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.ForAll;
import net.jqwik.api.Example;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN.md invariants 1–5 under random interleavings of user edits in 2–4 systems, capture and delivery
 * steps in any order, crashes of the engine at any step (including inside a state-store commit and between a
 * target's commit and the engine's record of it), outages and transient write failures.
 */
class SyncInvariantsProperties {

    enum Kind { INSERT, UPDATE, DELETE, CAPTURE, DELIVER, CRASH, CRASH_IN_COMMIT, CRASH_AFTER_APPLY, OUTAGE, FLAKY, TIME, DELIVER_WHILE_CAPTURING, CAPTURE_WHILE_DELIVERING, WRITE_LANDS_THEN_EDITED }

    record Op(Kind kind, int system, int pick, int field) {
    }

    record Scenario(int systems, int policy, int deletes, int batchSize, List<Integer> skewsSeconds, long seed, List<Op> ops) {
    }

    /** Tries: {@code jqwik.tries.default} (1,000 in junit-platform.properties; more with -Djqwik.tries.default=N). */
    @Property
    void invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(@ForAll("scenarios") Scenario s) throws IOException {
        Path dir = Files.createTempDirectory(tmpRoot(), "model");
        try (SyncWorld world = new SyncWorld(s.systems(), settings(s), dir, s.seed(), s.batchSize())) {
            for (int i = 0; i < s.systems(); i++) world.systems.get(i).setSkew(Duration.ofSeconds(s.skewsSeconds().get(i)));
            for (int i = 0; i < s.systems(); i++) world.systems.get(i).setTagOwnWrites(i % 2 == 1);
            for (Op op : s.ops()) run(world, op);
            world.quiesce(200);
            while (world.resolveParkedConflicts() > 0) world.quiesce(200);
            if (Boolean.getBoolean("model.debug")) world.audit().forEach(e -> System.out.println(e.seq() + " " + e.system() + " " + e.action() + " " + e.recordId() + " " + e.detail()));
            check(world);
        } finally {
            delete(dir);
        }
    }

    /** Samples the property once shrank to; kept as regressions. */
    @Example
    void aWriteInFlightAtACrashThatLandedAndWasEditedInItsTargetIsNotANewEdit() throws IOException {
        // sysa changes name and phone; the engine writes both to sysb and dies before recording the outcome; a user
        // of sysb edits phone, and sysa's user name again. The landed name was taken for sysb's edit and won.
        invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(example(3, 0, 1,
                op(Kind.INSERT, 0), op(Kind.CAPTURE, 0), op(Kind.CAPTURE, 2), op(Kind.DELIVER, 2),
                op(Kind.WRITE_LANDS_THEN_EDITED, 2)));
    }

    @Example
    void aLandedWriteAdoptedByCaptureIsAuditedOnce() throws IOException {
        // A delivery to sysb during which a user there edits name and its capture runs: the row shows the phone the
        // write sent and another name; capture records the write as landed, and the delivery's answer must not
        // audit it a second time.
        List<Op> ops = new ArrayList<>();
        ops.add(op(Kind.INSERT, 0));
        for (int i = 0; i < 2; i++) ops.add(op(Kind.UPDATE, 0));
        ops.add(op(Kind.CAPTURE, 0));
        for (int i = 0; i < 8; i++) ops.add(op(Kind.UPDATE, 0));
        ops.add(op(Kind.CAPTURE, 1));
        ops.add(op(Kind.DELIVER, 1));
        for (int i = 0; i < 5; i++) ops.add(op(Kind.UPDATE, 0));
        ops.add(op(Kind.WRITE_LANDS_THEN_EDITED, 0));
        ops.add(op(Kind.CAPTURE, 1));
        ops.add(op(Kind.DELIVER_WHILE_CAPTURING, 1));
        invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(example(2, 0, 1, ops.toArray(Op[]::new)));
    }

    @Example
    void anEarlierWriteThatLandedIsRecordedBeforeALaterOneIsTakenAsAlreadyApplied() throws IOException {
        // A write of name and phone landed in sysd before a crash; the next one planned (name only: phone was held by
        // a parked conflict) found name already there and was recorded as applied with the old phone, and when the
        // conflict was decided, the phone write was recorded as applied too: two audited writes for one.
        invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(parse(
                "Scenario[systems=4, policy=2, deletes=0, batchSize=3, skewsSeconds=[0, 0, 0, 0], seed=0, ops=["
                + "Op[kind=INSERT, system=0, pick=0, field=0], Op[kind=UPDATE, system=0, pick=0, field=0], Op[kind=INSERT, system=1, pick=0, field=0], "
                + "Op[kind=UPDATE, system=2, pick=3, field=1], Op[kind=UPDATE, system=3, pick=10, field=1], Op[kind=INSERT, system=3, pick=7, field=1], "
                + "Op[kind=INSERT, system=2, pick=12, field=1], Op[kind=INSERT, system=3, pick=1, field=0], Op[kind=CRASH_AFTER_APPLY, system=2, pick=56, field=0], "
                + "Op[kind=CAPTURE, system=0, pick=225, field=0], Op[kind=UPDATE, system=0, pick=67, field=2], Op[kind=UPDATE, system=0, pick=94, field=0], "
                + "Op[kind=DELIVER, system=2, pick=1, field=0], Op[kind=CAPTURE, system=1, pick=515, field=0], Op[kind=UPDATE, system=0, pick=53, field=1], "
                + "Op[kind=CAPTURE_WHILE_DELIVERING, system=1, pick=7, field=1], Op[kind=CAPTURE_WHILE_DELIVERING, system=2, pick=17, field=1], Op[kind=WRITE_LANDS_THEN_EDITED, system=1, pick=1000, field=1], "
                + "Op[kind=INSERT, system=1, pick=225, field=0], Op[kind=DELIVER_WHILE_CAPTURING, system=0, pick=958, field=1], Op[kind=UPDATE, system=2, pick=139, field=0], "
                + "Op[kind=WRITE_LANDS_THEN_EDITED, system=3, pick=0, field=2], Op[kind=CAPTURE, system=0, pick=320, field=2], Op[kind=FLAKY, system=1, pick=158, field=2], "
                + "Op[kind=CAPTURE, system=1, pick=9, field=2], Op[kind=CAPTURE_WHILE_DELIVERING, system=3, pick=679, field=1], Op[kind=OUTAGE, system=1, pick=16, field=1], "
                + "Op[kind=DELIVER_WHILE_CAPTURING, system=1, pick=330, field=0], Op[kind=CAPTURE, system=0, pick=9, field=0], Op[kind=CAPTURE, system=0, pick=200, field=2], "
                + "Op[kind=UPDATE, system=1, pick=864, field=0], Op[kind=DELIVER, system=2, pick=539, field=0], Op[kind=DELIVER, system=0, pick=39, field=1], "
                + "Op[kind=DELIVER, system=3, pick=37, field=1], Op[kind=INSERT, system=0, pick=56, field=1], Op[kind=INSERT, system=0, pick=10, field=2], "
                + "Op[kind=DELIVER, system=1, pick=4, field=0], Op[kind=INSERT, system=2, pick=353, field=1], Op[kind=INSERT, system=0, pick=0, field=2], "
                + "Op[kind=INSERT, system=1, pick=110, field=0], Op[kind=CAPTURE, system=1, pick=94, field=2], Op[kind=WRITE_LANDS_THEN_EDITED, system=0, pick=28, field=0], "
                + "Op[kind=INSERT, system=3, pick=34, field=0], Op[kind=WRITE_LANDS_THEN_EDITED, system=0, pick=999, field=1], Op[kind=UPDATE, system=2, pick=54, field=2], "
                + "Op[kind=INSERT, system=0, pick=141, field=2], Op[kind=DELETE, system=2, pick=321, field=2]]]"));
    }

    @Example
    void aValueALaterWriteBroughtIsNoEvidenceThatAnEarlierOneLanded() throws IOException {
        // An update of phone to sysa kept its place (outcome unknown) while a later one sent name, score and the same
        // phone; capture saw that phone and took the earlier update for landed, and the later one was audited too.
        invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(parse(
                "Scenario[systems=3, policy=0, deletes=0, batchSize=2, skewsSeconds=[0, 0, 0, 0], seed=0, ops=["
                + "Op[kind=INSERT, system=0, pick=0, field=0], Op[kind=INSERT, system=1, pick=0, field=0], Op[kind=UPDATE, system=0, pick=0, field=0], "
                + "Op[kind=CAPTURE, system=0, pick=0, field=0], Op[kind=INSERT, system=1, pick=0, field=0], Op[kind=INSERT, system=0, pick=0, field=0], "
                + "Op[kind=UPDATE, system=1, pick=149, field=2], Op[kind=INSERT, system=0, pick=834, field=0], Op[kind=CAPTURE_WHILE_DELIVERING, system=2, pick=822, field=2], "
                + "Op[kind=UPDATE, system=1, pick=21, field=1], Op[kind=UPDATE, system=1, pick=0, field=0], Op[kind=UPDATE, system=2, pick=17, field=0], "
                + "Op[kind=DELIVER, system=1, pick=20, field=1], Op[kind=INSERT, system=3, pick=808, field=0], Op[kind=DELIVER, system=3, pick=13, field=0], "
                + "Op[kind=DELIVER, system=2, pick=255, field=0], Op[kind=CAPTURE_WHILE_DELIVERING, system=3, pick=13, field=2], Op[kind=UPDATE, system=2, pick=892, field=1], "
                + "Op[kind=UPDATE, system=2, pick=1, field=1], Op[kind=INSERT, system=0, pick=2, field=2], Op[kind=OUTAGE, system=0, pick=162, field=2], "
                + "Op[kind=CAPTURE_WHILE_DELIVERING, system=0, pick=12, field=2], Op[kind=INSERT, system=3, pick=8, field=0], Op[kind=CAPTURE, system=2, pick=903, field=1], "
                + "Op[kind=UPDATE, system=1, pick=64, field=0], Op[kind=CRASH_IN_COMMIT, system=3, pick=4, field=2], Op[kind=CAPTURE, system=0, pick=730, field=2], "
                + "Op[kind=WRITE_LANDS_THEN_EDITED, system=1, pick=1, field=1], Op[kind=WRITE_LANDS_THEN_EDITED, system=1, pick=19, field=1], Op[kind=DELIVER, system=1, pick=106, field=1], "
                + "Op[kind=WRITE_LANDS_THEN_EDITED, system=0, pick=1000, field=0], Op[kind=CAPTURE_WHILE_DELIVERING, system=0, pick=792, field=2], Op[kind=CRASH_IN_COMMIT, system=3, pick=35, field=1], "
                + "Op[kind=UPDATE, system=2, pick=24, field=0], Op[kind=DELIVER, system=3, pick=212, field=1], Op[kind=UPDATE, system=2, pick=10, field=2], "
                + "Op[kind=DELIVER, system=2, pick=231, field=1], Op[kind=INSERT, system=1, pick=459, field=2], Op[kind=OUTAGE, system=3, pick=54, field=1], "
                + "Op[kind=CAPTURE, system=0, pick=34, field=0], Op[kind=CAPTURE, system=2, pick=60, field=2], Op[kind=DELIVER_WHILE_CAPTURING, system=0, pick=113, field=2]]]"));
    }

    @Example
    void anEarlierUpdateSupersededByALaterConfirmedOneIsAudited() throws IOException {
        // A phone update landed in sysd before a crash and was never seen; the next write (name) was confirmed and
        // replaced the in-flight values without a word: a write that took effect, missing from the audit trail.
        invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(parse(
                "Scenario[systems=4, policy=2, deletes=0, batchSize=1, skewsSeconds=[0, 0, 0, 0], seed=0, ops=["
                + "Op[kind=INSERT, system=1, pick=0, field=0], Op[kind=UPDATE, system=0, pick=0, field=0], Op[kind=UPDATE, system=0, pick=0, field=0], "
                + "Op[kind=UPDATE, system=0, pick=0, field=0], Op[kind=INSERT, system=2, pick=0, field=0], Op[kind=CAPTURE, system=3, pick=0, field=0], "
                + "Op[kind=CAPTURE, system=0, pick=0, field=0], Op[kind=UPDATE, system=0, pick=0, field=0], Op[kind=UPDATE, system=0, pick=0, field=0], "
                + "Op[kind=CAPTURE, system=1, pick=0, field=0], Op[kind=INSERT, system=2, pick=0, field=0], Op[kind=INSERT, system=3, pick=65, field=2], "
                + "Op[kind=DELIVER, system=3, pick=17, field=2], Op[kind=DELIVER, system=1, pick=10, field=0], Op[kind=DELIVER, system=3, pick=10, field=2], "
                + "Op[kind=DELIVER_WHILE_CAPTURING, system=0, pick=117, field=1], Op[kind=CAPTURE, system=3, pick=286, field=2], Op[kind=WRITE_LANDS_THEN_EDITED, system=1, pick=879, field=0], "
                + "Op[kind=UPDATE, system=2, pick=17, field=2], Op[kind=INSERT, system=1, pick=16, field=0], Op[kind=INSERT, system=3, pick=74, field=1], "
                + "Op[kind=DELIVER, system=3, pick=11, field=0]]]"));
    }

    @Example
    void aWriteRefusedByItsPreconditionIsNeverAuditedAsApplied() throws IOException {
        // sysb's row already showed a phone and a score the engine then sent (one from its own user, one from a write
        // before a crash, settled as unconfirmed): each refused write was recorded as "already applied", audited as a
        // write that never took effect, and left an outdated shadow that planned an echo.
        invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(parse(
                "Scenario[systems=4, policy=0, deletes=0, batchSize=2, skewsSeconds=[0, 0, 0, 0], seed=-3, ops=["
                + "Op[kind=CAPTURE, system=3, pick=0, field=0], Op[kind=INSERT, system=1, pick=0, field=0], Op[kind=UPDATE, system=0, pick=0, field=0], "
                + "Op[kind=UPDATE, system=0, pick=0, field=0], Op[kind=INSERT, system=2, pick=0, field=0], Op[kind=UPDATE, system=0, pick=0, field=0], "
                + "Op[kind=UPDATE, system=0, pick=0, field=0], Op[kind=CRASH, system=0, pick=0, field=0], Op[kind=CAPTURE, system=2, pick=0, field=0], "
                + "Op[kind=DELIVER, system=3, pick=0, field=0], Op[kind=CAPTURE_WHILE_DELIVERING, system=1, pick=0, field=0], Op[kind=OUTAGE, system=3, pick=8, field=1], "
                + "Op[kind=UPDATE, system=1, pick=20, field=2], Op[kind=INSERT, system=0, pick=7, field=2], Op[kind=CRASH, system=3, pick=6, field=2], "
                + "Op[kind=DELIVER, system=2, pick=105, field=0], Op[kind=WRITE_LANDS_THEN_EDITED, system=0, pick=71, field=0], Op[kind=DELIVER_WHILE_CAPTURING, system=1, pick=22, field=0], "
                + "Op[kind=INSERT, system=1, pick=1000, field=1], Op[kind=CAPTURE, system=2, pick=16, field=2], Op[kind=CAPTURE, system=0, pick=152, field=0], "
                + "Op[kind=UPDATE, system=2, pick=543, field=1], Op[kind=CAPTURE_WHILE_DELIVERING, system=2, pick=191, field=2], Op[kind=CAPTURE, system=0, pick=263, field=1], "
                + "Op[kind=WRITE_LANDS_THEN_EDITED, system=3, pick=29, field=1], Op[kind=DELIVER, system=3, pick=10, field=0], Op[kind=DELIVER_WHILE_CAPTURING, system=1, pick=13, field=2]]]"));
    }

    @Example
    void aSecondWriteLandingBeforeACrashIsNotLostToTheAuditTrail() throws IOException {
        // A phone update to sysb landed and the engine died; a score update was sent after the restart with no
        // in-flight mark of its own (the first one kept its place), landed, and the engine died again: nothing ever
        // recorded the score write. The row is now read first, the first update recorded, and the next one marked.
        invariantsHoldUnderRandomInterleavingsFailuresAndCrashes(parse(
                "Scenario[systems=3, policy=2, deletes=0, batchSize=4, skewsSeconds=[0, 0, 0, 0], seed=-44, ops=["
                + "Op[kind=FLAKY, system=2, pick=6, field=0], Op[kind=CAPTURE, system=1, pick=29, field=2], Op[kind=WRITE_LANDS_THEN_EDITED, system=0, pick=0, field=2], "
                + "Op[kind=CAPTURE, system=0, pick=392, field=1], Op[kind=CAPTURE, system=2, pick=568, field=2], Op[kind=INSERT, system=1, pick=102, field=2], "
                + "Op[kind=DELIVER, system=3, pick=182, field=1], Op[kind=INSERT, system=3, pick=1000, field=0], Op[kind=INSERT, system=2, pick=244, field=1], "
                + "Op[kind=CRASH_IN_COMMIT, system=3, pick=355, field=0], Op[kind=INSERT, system=3, pick=864, field=0], Op[kind=CRASH, system=3, pick=2, field=1], "
                + "Op[kind=UPDATE, system=2, pick=11, field=2], Op[kind=INSERT, system=3, pick=2, field=2], Op[kind=CRASH_AFTER_APPLY, system=1, pick=107, field=1], "
                + "Op[kind=CRASH_IN_COMMIT, system=1, pick=1, field=1], Op[kind=TIME, system=1, pick=21, field=1], Op[kind=CAPTURE, system=2, pick=303, field=2], "
                + "Op[kind=UPDATE, system=3, pick=49, field=1], Op[kind=CAPTURE_WHILE_DELIVERING, system=3, pick=36, field=1], Op[kind=UPDATE, system=1, pick=18, field=1], "
                + "Op[kind=UPDATE, system=3, pick=110, field=0], Op[kind=DELIVER_WHILE_CAPTURING, system=0, pick=4, field=2], Op[kind=CAPTURE_WHILE_DELIVERING, system=1, pick=65, field=2], "
                + "Op[kind=INSERT, system=1, pick=87, field=2], Op[kind=WRITE_LANDS_THEN_EDITED, system=0, pick=2, field=1], Op[kind=CAPTURE, system=0, pick=18, field=2], "
                + "Op[kind=DELIVER, system=3, pick=24, field=2], Op[kind=UPDATE, system=3, pick=308, field=1], Op[kind=TIME, system=2, pick=425, field=0], "
                + "Op[kind=CRASH, system=3, pick=995, field=1], Op[kind=DELIVER_WHILE_CAPTURING, system=2, pick=50, field=0], Op[kind=UPDATE, system=1, pick=20, field=0], "
                + "Op[kind=WRITE_LANDS_THEN_EDITED, system=0, pick=124, field=2], Op[kind=UPDATE, system=1, pick=725, field=0], Op[kind=UPDATE, system=3, pick=7, field=1], "
                + "Op[kind=WRITE_LANDS_THEN_EDITED, system=2, pick=823, field=1], Op[kind=CAPTURE, system=2, pick=647, field=0], Op[kind=CRASH, system=0, pick=3, field=2]]]"));
    }

    /** A scenario as jqwik prints a sample ({@code Scenario[systems=…, ops=[Op[kind=…], …]]}), to keep one as an example. */
    static Scenario parse(String sample) {
        Matcher h = Pattern.compile("systems=(\\d+), policy=(\\d+), deletes=(\\d+), batchSize=(\\d+), "
                + "skewsSeconds=\\[([-\\d, ]+)\\], seed=(-?\\d+)").matcher(sample);
        if (!h.find()) throw new IllegalArgumentException("not a Scenario sample: " + sample);
        List<Integer> skews = Stream.of(h.group(5).split(",")).map(x -> Integer.parseInt(x.trim())).toList();
        Matcher m = Pattern.compile("Op\\[kind=(\\w+), system=(\\d+), pick=(\\d+), field=(\\d+)]").matcher(sample);
        List<Op> ops = new ArrayList<>();
        while (m.find()) {
            ops.add(new Op(Kind.valueOf(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))));
        }
        return new Scenario(Integer.parseInt(h.group(1)), Integer.parseInt(h.group(2)), Integer.parseInt(h.group(3)),
                Integer.parseInt(h.group(4)), skews, Long.parseLong(h.group(6)), ops);
    }

    private static Op op(Kind kind, int system) {
        return new Op(kind, system, 0, 0);
    }

    private static Scenario example(int systems, int policy, int batchSize, Op... ops) {
        return new Scenario(systems, policy, 0, batchSize, List.of(0, 0, 0, 0), 0, List.of(ops));
    }

    private static Path tmpRoot() throws IOException {
        // tmpfs when there is one: the model test is about logic, not fsync latency.
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ConflictSettings settings(Scenario s) {
        ConflictPolicy policy = switch (s.policy()) {
            case 0 -> new ConflictPolicy.LastWriteWins();
            case 1 -> new ConflictPolicy.Priority(List.of("sysb", "sysa"));
            default -> new ConflictPolicy.LastWriteWins();
        };
        Map<String, ConflictPolicy> fields = s.policy() == 2 ? Map.of("phone", new ConflictPolicy.Manual()) : Map.of();
        DeletePolicy deletes = s.deletes() == 0 ? new DeletePolicy.Propagate() : new DeletePolicy.Archive();
        return new ConflictSettings(policy, fields, DeleteConflictPolicy.DELETE_WINS, deletes, List.of(), Duration.ofMillis(20));
    }

    private static void run(SyncWorld w, Op op) {
        int sys = op.system() % w.systems.size();
        switch (op.kind()) {
            case INSERT -> w.userInsert(sys);
            case UPDATE -> w.userUpdate(sys, op.pick(), op.field());
            case DELETE -> w.userDelete(sys, op.pick());
            case CAPTURE -> w.capture(sys);
            case DELIVER -> w.deliver(sys);
            case CRASH -> w.crash();
            case CRASH_IN_COMMIT -> w.armStoreCrash(1 + op.pick() % 3);
            case CRASH_AFTER_APPLY -> w.armCrashAfterApply(sys);
            case OUTAGE -> w.systems.get(sys).setAvailable(!w.systems.get(sys).available());
            case FLAKY -> w.failSomeWrites(sys, 0.3);
            case TIME -> w.clock.advance(Duration.ofMillis(op.pick()));
            case DELIVER_WHILE_CAPTURING -> w.deliverWhileCaptureGoesOn(sys, op.pick(), op.field());
            case CAPTURE_WHILE_DELIVERING -> w.captureWhileDeliveriesGoOn(sys);
            case WRITE_LANDS_THEN_EDITED -> w.writeLandsThenEdited(sys, op.pick() % w.systems.size(), op.pick() / 4, op.field());
        }
    }

    // ---- the invariants -----------------------------------------------------------------------------------

    private static void check(SyncWorld w) {
        Map<String, Map<String, Row>> byUid = rowsByUid(w); // system -> uid -> row (also checks duplicates)
        Set<String> deleted = deletedUids(w);
        Set<String> allUids = new HashSet<>();
        w.edits.forEach(e -> allUids.add(e.uid()));
        String audit = details(w, e -> true);

        for (String uid : allUids) {
            // Invariant 3, convergence: every system holds the same values, or none holds the record.
            List<Row> copies = new ArrayList<>();
            for (MemorySystem s : w.systems) copies.add(byUid.get(s.system()).get(uid));
            if (deleted.contains(uid)) {
                assertThat(copies).as("record %s was deleted by a user: it must be gone everywhere", uid).containsOnlyNulls();
                continue;
            }
            assertThat(copies).as("record %s must exist in every system", uid).doesNotContainNull();
            assertThat(new HashSet<>(copies)).as("record %s must hold the same values everywhere", uid).hasSize(1);
            Row converged = copies.getFirst();
            // Invariant 1, no lost update: each system's last edit of a field is the converged value,
            // or it is in the audit trail (a recorded conflict's losing value, or a value later changed).
            for (var last : lastEdits(w, uid).entrySet()) {
                Value v = last.getValue();
                String field = last.getKey().split("/")[1];
                if (v.equals(converged.get(field))) continue;
                assertThat(audit).as("record %s field %s: value %s from %s is neither kept nor in the audit trail",
                        uid, field, v, last.getKey()).contains(SyncWorld.auditForm(v));
            }
            // Invariant 1, causal form: a value a user replaced, having seen it in their system, never comes back as the
            // converged value (values are unique, so it cannot have been set again). Exceptions: a value a person
            // chose when deciding a parked conflict, and a value the engine wrote with an update whose outcome a crash
            // left unknown and that the row did not show when captured again (audited as an unconfirmed write): then
            // nobody can tell whether the user saw it.
            for (SyncWorld.Edit e : w.edits) {
                if (!e.uid().equals(uid) || e.before() == null || e.before().equals(e.value())) continue;
                if (!e.before().equals(converged.get(e.field()))) continue;
                // (an unconfirmed write's values are a JSON text inside the detail's JSON: unescape its quotes)
                assertThat(details(w, a -> a.action().equals("conflict-decided")
                        || a.action().equals("unconfirmed-write") && e.system().equals(a.system())).replace("\\\"", "\""))
                        .as("record %s field %s: %s replaced %s, which came back as the converged value", uid, e.field(),
                                e.system(), e.before())
                        .contains(SyncWorld.auditForm(e.before()));
            }
        }
        // Invariant 2, no loop: once quiet, another full round captures nothing new and writes nothing.
        int auditBefore = w.audit().size();
        assertThat(w.quiesce(3)).as("a quiet world must stay quiet").isEqualTo(1);
        assertThat(w.audit()).as("no audit entries after quiescence: nothing echoed back").hasSize(auditBefore);

        // Invariant 5: the audit chain verifies, and every write that took effect in a system has an entry.
        assertThat(w.verifyAudit().firstBreak()).as("audit chain").isEmpty();
        for (MemorySystem s : w.systems) {
            long applied = s.table(SyncWorld.ENTITY).engineWrites();
            long writes = count(w.audit(), s.system(), "write:");
            long agreed = count(w.audit(), s.system(), "agreed");
            // A write sent just before a crash and overwritten in the target before anyone saw it cannot be
            // known to have landed; the trail records it as an unconfirmed write.
            long unconfirmed = count(w.audit(), s.system(), "unconfirmed-write");
            assertThat(writes).as("audited writes to %s cannot exceed writes that took effect", s.system()).isLessThanOrEqualTo(applied);
            assertThat(writes + agreed + unconfirmed).as("every write that took effect in %s is audited", s.system()).isGreaterThanOrEqualTo(applied);
        }
        // Every decided conflict keeps its losing side.
        for (AuditEntry e : w.audit()) {
            if (e.action().equals("conflict")) assertThat(e.detail()).contains("\"loser\"");
        }
    }

    private static long count(List<AuditEntry> audit, String system, String actionPrefix) {
        return audit.stream().filter(e -> system.equals(e.system()) && e.action().startsWith(actionPrefix)).count();
    }

    /** The details of the audit entries {@code which} selects, one per line. */
    private static String details(SyncWorld w, Predicate<AuditEntry> which) {
        StringBuilder sb = new StringBuilder();
        for (AuditEntry e : w.audit()) if (which.test(e)) sb.append(e.detail()).append('\n');
        return sb.toString();
    }

    /** Invariant 4, no duplicates: each system holds at most one row per record. */
    private static Map<String, Map<String, Row>> rowsByUid(SyncWorld w) {
        Map<String, Map<String, Row>> out = new HashMap<>();
        for (MemorySystem s : w.systems) {
            Map<String, Row> m = new HashMap<>();
            for (Map.Entry<NativeKey, Row> e : s.rows(SyncWorld.ENTITY).entrySet()) {
                String uid = ((Value.Str) e.getValue().get("uid")).value();
                Row previous = m.put(uid, e.getValue());
                assertThat(previous).as("system %s holds record %s twice", s.system(), uid).isNull();
            }
            out.put(s.system(), m);
        }
        return out;
    }

    private static Set<String> deletedUids(SyncWorld w) {
        Set<String> out = new HashSet<>();
        w.deletes.keySet().forEach(k -> out.add(k.substring(k.indexOf('/') + 1)));
        return out;
    }

    /** "system/field" -> the last value a user of that system gave the field of record uid. */
    private static Map<String, Value> lastEdits(SyncWorld w, String uid) {
        Map<String, Value> last = new HashMap<>();
        for (SyncWorld.Edit e : w.edits) {
            if (e.uid().equals(uid)) last.put(e.system() + "/" + e.field(), e.value());
        }
        return last;
    }

    // ---- generators ---------------------------------------------------------------------------------------

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Op> op = Builders.withBuilder(() -> new int[4])
                .use(Arbitraries.frequency(
                        net.jqwik.api.Tuple.of(4, Kind.INSERT), net.jqwik.api.Tuple.of(8, Kind.UPDATE),
                        net.jqwik.api.Tuple.of(1, Kind.DELETE), net.jqwik.api.Tuple.of(6, Kind.CAPTURE),
                        net.jqwik.api.Tuple.of(6, Kind.DELIVER), net.jqwik.api.Tuple.of(1, Kind.CRASH),
                        net.jqwik.api.Tuple.of(1, Kind.CRASH_IN_COMMIT), net.jqwik.api.Tuple.of(1, Kind.CRASH_AFTER_APPLY),
                        net.jqwik.api.Tuple.of(1, Kind.OUTAGE), net.jqwik.api.Tuple.of(1, Kind.FLAKY),
                        net.jqwik.api.Tuple.of(2, Kind.TIME), net.jqwik.api.Tuple.of(3, Kind.DELIVER_WHILE_CAPTURING),
                        net.jqwik.api.Tuple.of(3, Kind.CAPTURE_WHILE_DELIVERING),
                        net.jqwik.api.Tuple.of(2, Kind.WRITE_LANDS_THEN_EDITED)).map(Enum::ordinal))
                .in((b, k) -> { b[0] = k; return b; })
                .use(Arbitraries.integers().between(0, 3)).in((b, v) -> { b[1] = v; return b; })
                .use(Arbitraries.integers().between(0, 1000)).in((b, v) -> { b[2] = v; return b; })
                .use(Arbitraries.integers().between(0, 2)).in((b, v) -> { b[3] = v; return b; })
                .build(b -> new Op(Kind.values()[b[0]], b[1], b[2], b[3]));
        return Builders.withBuilder(() -> new Object[7])
                .use(Arbitraries.integers().between(2, 4)).in((b, v) -> { b[0] = v; return b; })
                .use(Arbitraries.integers().between(0, 2)).in((b, v) -> { b[1] = v; return b; })
                .use(Arbitraries.integers().between(0, 1)).in((b, v) -> { b[2] = v; return b; })
                .use(Arbitraries.integers().between(1, 6)).in((b, v) -> { b[3] = v; return b; })
                .use(Arbitraries.integers().between(-300, 300).list().ofSize(4)).in((b, v) -> { b[4] = v; return b; })
                .use(Arbitraries.longs()).in((b, v) -> { b[5] = v; return b; })
                .use(op.list().ofMinSize(5).ofMaxSize(60)).in((b, v) -> { b[6] = v; return b; })
                .build(SyncInvariantsProperties::scenario);
    }

    @SuppressWarnings("unchecked")
    private static Scenario scenario(Object[] b) {
        return new Scenario((Integer) b[0], (Integer) b[1], (Integer) b[2], (Integer) b[3], (List<Integer>) b[4], (Long) b[5], (List<Op>) b[6]);
    }
}
