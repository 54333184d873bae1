package dev.twoway.invariants;

import dev.twoway.audit.AuditEntry;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash and ordering cases the model test found, one by one, as plain regression tests. Each names the
 * behaviour that protects the invariant; system A is untagged (its log shows the engine's writes), system B
 * tags the engine's writes (they never show up in its log).
 */
class CrashRecoveryTest {
    private static final int A = 0, B = 1;

    @TempDir
    Path dir;

    private SyncWorld world() {
        SyncWorld w = new SyncWorld(2, ConflictSettings.lastWriteWins(List.of()).withSkewWindow(Duration.ZERO), dir, 7, 10);
        w.systems.get(B).setTagOwnWrites(true);
        return w;
    }

    private static long count(SyncWorld w, String action) {
        return w.audit().stream().map(AuditEntry::action).filter(action::equals).count();
    }

    @Test
    void writesWaitUntilTheTargetsCaptureHasStartedSoAnEarlyDeleteThereIsSeen() {
        try (SyncWorld w = world()) {
            String uid = w.insert(A, Row.of("name", "Ada", "phone", "1", "score", 1L));
            w.capture(A);
            w.deliver(B); // B's capture never ran: nothing may be written there yet
            assertThat(w.row(B, uid)).isNull();
            w.capture(B);
            w.deliver(B);
            w.systems.get(B).table(SyncWorld.ENTITY).delete(w.keyOf(B, uid));
            w.quiesce(20);
            assertThat(w.row(A, uid)).as("the delete made in B reached A").isNull();
        }
    }

    @Test
    void anInsertThatLandedJustBeforeACrashIsLinkedNotDuplicated() {
        try (SyncWorld w = world()) {
            String uid = w.insert(B, Row.of("name", "Ada", "phone", "1", "score", 1L));
            w.capture(A);
            w.capture(B);
            w.armCrashAfterApply(A);
            w.deliver(A); // the row lands in A, the engine dies before recording it
            assertThat(w.crashes).isEqualTo(1);
            w.quiesce(20);
            assertThat(w.systems.get(A).rows(SyncWorld.ENTITY)).hasSize(1);
            assertThat(w.row(A, uid).get("name")).isEqualTo(Value.str("Ada"));
            assertThat(count(w, "agreed") + count(w, "write:insert")).as("the landed insert is audited once").isEqualTo(1);
        }
    }

    @Test
    void anInsertThatLandedBeforeACrashAndWasThenDeletedThereIsADeleteNotAResurrection() {
        try (SyncWorld w = world()) {
            String uid = w.insert(A, Row.of("name", "Ada", "phone", "1", "score", 1L));
            w.capture(A);
            w.capture(B);
            w.armCrashAfterApply(B);
            w.deliver(B); // lands in B (tagged: no trace in B's log), the engine dies
            w.systems.get(B).table(SyncWorld.ENTITY).delete(w.keyOf(B, uid)); // a user in B deletes it at once
            w.quiesce(20);
            assertThat(w.row(B, uid)).as("not inserted again in B").isNull();
            assertThat(w.row(A, uid)).as("B's delete propagated").isNull();
        }
    }

    @Test
    void anUpdateThatLandedBeforeACrashIsRecognizedAsTheEnginesOwnWrite() {
        try (SyncWorld w = world()) {
            String uid = w.insert(A, Row.of("name", "Ada", "phone", "1", "score", 1L));
            w.quiesce(20);
            w.set(A, uid, "phone", Value.str("2"));
            w.capture(A);
            w.armCrashAfterApply(B);
            w.deliver(B); // phone=2 lands in B (tagged), the engine dies before recording it
            w.systems.get(A).table(SyncWorld.ENTITY).delete(w.keyOf(A, uid)); // then A deletes the record
            w.quiesce(20);
            assertThat(w.row(B, uid)).isNull();
            assertThat(w.audit()).as("the landed update is not mistaken for a user's edit losing to the delete")
                    .noneMatch(e -> e.action().equals("conflict") && e.system().equals("sysb"));
            assertThat(w.audit()).anyMatch(e -> e.action().equals("write:update") && e.system().equals("sysb"));
        }
    }

    @Test
    void aCrashInsideTheResolveTransactionLosesNothing() {
        try (SyncWorld w = world()) {
            String uid = w.insert(A, Row.of("name", "Ada", "phone", "1", "score", 1L));
            w.capture(B);
            w.armStoreCrash(2); // the checkpoint read, then the resolve transaction: it dies before commit
            w.capture(A);
            assertThat(w.crashes).isEqualTo(1);
            w.quiesce(20);
            assertThat(w.row(B, uid)).isEqualTo(w.row(A, uid));
            assertThat(count(w, "create")).as("resolved once, not twice").isEqualTo(1);
        }
    }

    @Test
    void ourOwnLandedButOutdatedWriteNeverOverrulesANewerEditMadeElsewhere() {
        try (SyncWorld w = world()) {
            String uid = w.insert(B, Row.of("name", "Ada", "phone", "1", "score", 1L));
            w.quiesce(20);
            w.set(B, uid, "phone", Value.str("X"));
            w.capture(B);
            w.clock.advance(Duration.ofSeconds(1));
            w.set(B, uid, "phone", Value.str("Y")); // the newer edit, made before X reaches A
            w.clock.advance(Duration.ofSeconds(1));
            w.armCrashAfterApply(A);
            w.deliver(A); // X lands in A later than Y was made, and the engine dies before recording it
            w.capture(B); // base becomes Y
            w.capture(A); // A's row shows X, written by us: not an edit made in A
            w.quiesce(20);
            assertThat(w.row(A, uid).get("phone")).isEqualTo(Value.str("Y"));
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("Y"));
            assertThat(count(w, "conflict")).as("no conflict: X was ours, not A's").isZero();
        }
    }

    @Test
    void anInsertRecognizedAfterACrashHasTheValuesItWasSentWithAsItsAncestor() {
        try (SyncWorld w = world()) {
            String uid = w.insert(B, Row.of("name", "Ada", "phone", "1", "score", 1L));
            w.capture(A);
            w.capture(B);
            w.armCrashAfterApply(A);
            w.deliver(A); // lands in A with phone 1; the engine dies before linking it
            w.clock.advance(Duration.ofSeconds(1));
            w.set(B, uid, "phone", Value.str("2")); // meanwhile B moves on
            w.capture(B);
            w.capture(A); // A's row (phone 1) is recognized by its external id: it is what we sent, not an edit
            w.quiesce(20);
            assertThat(w.row(A, uid).get("phone")).isEqualTo(Value.str("2"));
            assertThat(w.row(B, uid).get("phone")).isEqualTo(Value.str("2"));
        }
    }
}
