package dev.twoway.invariants;

import dev.twoway.audit.AuditEntry;
import dev.twoway.engine.ConflictChoice;
import dev.twoway.merge.ConflictPolicy;
import dev.twoway.merge.ConflictRule;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.merge.DeleteConflictPolicy;
import dev.twoway.merge.DeletePolicy;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same field written in two systems at (nearly) the same time, once per policy: the winner arrives in both
 * systems, the decision is audited, and the losing value is kept.
 */
class ConcurrentEditPolicyTest {
    private static final int A = 0, B = 1;

    @TempDir
    Path dir;

    private SyncWorld world(ConflictPolicy phonePolicy, Duration skewWindow) {
        ConflictSettings s = new ConflictSettings(new ConflictPolicy.LastWriteWins(), Map.of("phone", phonePolicy),
                DeleteConflictPolicy.DELETE_WINS, new DeletePolicy.Propagate(), List.of(), skewWindow);
        return new SyncWorld(2, s, dir, 42, 10);
    }

    /** A record created in A and synced to B, then phone edited in A and, {@code gap} later, in B. */
    private String conflictingEdits(SyncWorld w, Duration gap) {
        String uid = w.insert(A, Row.of("name", "Ada", "phone", "100", "score", 1L));
        w.quiesce(10);
        w.clock.advance(Duration.ofSeconds(10));
        w.set(A, uid, "phone", Value.str("from-a"));
        w.clock.advance(gap);
        w.set(B, uid, "phone", Value.str("from-b"));
        return uid;
    }

    private static AuditEntry conflictEntry(SyncWorld w) {
        return w.audit().stream().filter(e -> e.action().equals("conflict")).findFirst()
                .orElseThrow(() -> new AssertionError("no conflict in the audit trail"));
    }

    private static String form(String s) {
        return ValueJson.encode(Value.str(s)).toString();
    }

    @Test
    void lastWriteWinsPicksTheLaterEditByCorrectedClocksEvenWhenOneClockIsBehind() {
        try (SyncWorld w = world(new ConflictPolicy.LastWriteWins(), Duration.ofMillis(100))) {
            // B's clock is a minute behind: uncorrected, its later edit would look 55 s older than A's.
            w.systems.get(B).setSkew(Duration.ofMinutes(-1));
            w.crash(); // restart so the engine measures the new offset
            String uid = conflictingEdits(w, Duration.ofSeconds(5));
            w.quiesce(20);
            assertThat(w.row(A, uid).get("phone")).isEqualTo(Value.str("from-b"));
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("from-b"));
            AuditEntry c = conflictEntry(w);
            assertThat(c.detail()).contains("\"policy\":\"last-write-wins\"").contains("\"tie\":false")
                    .contains("\"loser\":{\"system\":\"sysa\"").contains(form("from-a"));
        }
    }

    @Test
    void lastWriteWinsTieInsideTheSkewWindowFallsBackToPriorityAndIsFlagged() {
        try (SyncWorld w = world(new ConflictPolicy.LastWriteWins(), Duration.ofSeconds(2))) {
            String uid = conflictingEdits(w, Duration.ofSeconds(1));
            w.quiesce(20);
            // sysa is first in the sync's priority list, so it wins the tie although it wrote first
            assertThat(w.row(A, uid).get("phone")).isEqualTo(Value.str("from-a"));
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("from-a"));
            assertThat(conflictEntry(w).detail()).contains("\"tie\":true").contains(form("from-b"));
        }
    }

    @Test
    void priorityLetsTheSourceOfTruthWinWhoeverWroteLast() {
        try (SyncWorld w = world(new ConflictPolicy.Priority(List.of("sysa", "sysb")), Duration.ZERO)) {
            String uid = conflictingEdits(w, Duration.ofSeconds(30));
            w.quiesce(20);
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("from-a"));
            assertThat(w.row(A, uid).get("phone")).isEqualTo(Value.str("from-a"));
            assertThat(conflictEntry(w).detail()).contains("\"policy\":\"priority\"").contains(form("from-b"));
        }
    }

    @Test
    void ownerRevertsEditsMadeOutsideTheOwningSystem() {
        try (SyncWorld w = world(new ConflictPolicy.Owner("sysa"), Duration.ZERO)) {
            String uid = w.insert(A, Row.of("name", "Ada", "phone", "100", "score", 1L));
            w.quiesce(10);
            w.set(B, uid, "phone", Value.str("from-b"));
            w.quiesce(20);
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("100"));
            assertThat(conflictEntry(w).detail()).contains("\"policy\":\"owner\"").contains(form("from-b"));
        }
    }

    @Test
    void ruleDecidesByExpressionOverBothVersions() {
        ConflictRule longer = in -> ((Value.Str) in.incoming().value()).value().length()
                >= ((Value.Str) in.current().value()).value().length() ? in.incoming().value() : in.current().value();
        try (SyncWorld w = world(new ConflictPolicy.Rule("longer wins", longer), Duration.ZERO)) {
            String uid = w.insert(A, Row.of("name", "Ada", "phone", "100", "score", 1L));
            w.quiesce(10);
            w.set(A, uid, "phone", Value.str("+44 20 7946 0000"));
            w.clock.advance(Duration.ofSeconds(5));
            w.set(B, uid, "phone", Value.str("7946"));
            w.quiesce(20);
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("+44 20 7946 0000"));
            assertThat(conflictEntry(w).detail()).contains("\"policy\":\"rule\"").contains(form("7946"));
        }
    }

    @Test
    void aRuleThatFailsOnOneRecordParksThatRowAndTheOthersKeepSyncing() {
        ConflictRule broken = in -> {
            throw new dev.twoway.expr.ExpressionException("no such key: size");
        };
        try (SyncWorld w = world(new ConflictPolicy.Rule("broken", broken), Duration.ZERO)) {
            String uid = conflictingEdits(w, Duration.ofSeconds(5));
            String other = w.insert(A, Row.of("name", "Grace", "phone", "200", "score", 2L));
            w.quiesce(20);
            assertThat(w.row(B, other)).as("the stream kept flowing").isNotNull();
            List<dev.twoway.store.DeadLetter> letters = w.store().inTransaction(tx -> tx.deadLetters(null, 100));
            // B's capture of its edit and the delivery of A's edit to B both meet the rule: each is parked with its error.
            assertThat(letters).isNotEmpty().allSatisfy(d -> assertThat(d.error()).contains("the conflict rule failed on this record: no such key: size"));
            assertThat(w.row(A, uid).get("phone")).as("nothing decided for the parked row").isEqualTo(Value.str("from-a"));
        }
    }

    @Test
    void manualParksTheFieldKeepsSyncingTheRestAndAppliesThePersonsChoiceEverywhere() {
        try (SyncWorld w = world(new ConflictPolicy.Manual(), Duration.ZERO)) {
            String uid = conflictingEdits(w, Duration.ofSeconds(5));
            w.set(B, uid, "name", Value.str("Ada Lovelace"));
            w.quiesce(20);
            // held: each side keeps its own phone, the name edit went through
            assertThat(w.row(A, uid).get("phone")).isEqualTo(Value.str("from-a"));
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("from-b"));
            assertThat(w.row(A, uid).get("name")).isEqualTo(Value.str("Ada Lovelace"));
            ConflictRecord open = w.engine.openConflicts().getFirst();
            assertThat(open.field()).isEqualTo("phone");
            assertThat(open.candidates()).contains(form("from-a")).contains(form("from-b"));

            w.engine.resolveConflict(open.id(), new ConflictChoice.TakeValue(Value.str("from-b")), "alice", "customer called");
            w.quiesce(20);
            assertThat(w.row(A, uid).get("phone")).isEqualTo(Value.str("from-b"));
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("from-b"));
            assertThat(w.engine.openConflicts()).isEmpty();
            AuditEntry decided = w.audit().stream().filter(e -> e.action().equals("conflict-decided")).findFirst().orElseThrow();
            assertThat(decided.actor()).isEqualTo("user:alice");
            assertThat(decided.detail()).contains("customer called");
            assertThat(w.audit().stream().filter(e -> e.action().equals("conflict-parked")).findFirst().orElseThrow().detail())
                    .contains(form("from-a"));
        }
    }
}
