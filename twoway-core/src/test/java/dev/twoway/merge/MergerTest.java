package dev.twoway.merge;

import dev.twoway.clock.HlcTimestamp;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MergerTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private final ConflictSettings lww = ConflictSettings.lastWriteWins(List.of("crm", "erp"));

    private static HlcTimestamp at(long seconds) {
        return HlcTimestamp.of(T0.plusSeconds(seconds));
    }

    private static Incoming from(String system, String key, Row values, long seconds) {
        return new Incoming(system, new NativeKey(key), values, at(seconds));
    }

    /** A record both systems hold with the same values, created at t=0. */
    private RecordState synced(Row values) {
        RecordState s = RecordState.fresh(new RecordId("r1"));
        s = new Merger(lww).merge(s, from("crm", "1", values, 0)).state();
        return s.withShadow("erp", Shadow.present(new NativeKey("E1"), values, 0));
    }

    @Test
    void firstSightingCreatesTheBaseFromTheChange() {
        MergeOutcome out = new Merger(lww).merge(RecordState.fresh(new RecordId("r1")), from("crm", "1", Row.of("name", "Ada"), 0));
        assertThat(out.state().base().values()).isEqualTo(Row.of("name", "Ada"));
        assertThat(out.state().shadow("crm").values()).isEqualTo(Row.of("name", "Ada"));
        assertThat(out.decisions()).singleElement().isInstanceOf(Decision.Created.class);
    }

    @Test
    void ownWriteComingBackIsNoChangeAtAll() {
        RecordState s = synced(Row.of("name", "Ada", "phone", "1"));
        MergeOutcome out = new Merger(lww).merge(s, from("erp", "E1", Row.of("name", "Ada", "phone", "1"), 5));
        assertThat(out.decisions()).isEmpty();
        assertThat(out.state()).isEqualTo(s);
    }

    @Test
    void concurrentEditsOfDifferentFieldsBothSurvive() {
        RecordState s = synced(Row.of("name", "Ada", "phone", "1"));
        Merger m = new Merger(lww);
        s = m.merge(s, from("crm", "1", Row.of("name", "Ada L.", "phone", "1"), 10)).state();
        // erp has not received the name yet and changes the phone
        MergeOutcome out = m.merge(s, from("erp", "E1", Row.of("name", "Ada", "phone", "2"), 11));
        assertThat(out.state().base().values()).isEqualTo(Row.of("name", "Ada L.", "phone", "2"));
        assertThat(out.decisions()).noneMatch(d -> d instanceof Decision.ConflictDecided);
    }

    @Test
    void lastWriteWinsKeepsTheLaterEditAndRecordsTheLoser() {
        RecordState s = synced(Row.of("phone", "1"));
        Merger m = new Merger(lww);
        s = m.merge(s, from("crm", "1", Row.of("phone", "crm-late"), 30)).state();
        MergeOutcome out = m.merge(s, from("erp", "E1", Row.of("phone", "erp-early"), 20));
        assertThat(out.state().base().values().get("phone")).isEqualTo(Value.str("crm-late"));
        Decision.ConflictDecided d = (Decision.ConflictDecided) out.decisions().getFirst();
        assertThat(d.loser().value()).isEqualTo(Value.str("erp-early"));
        assertThat(d.loser().system()).isEqualTo("erp");
        assertThat(d.tie()).isFalse();
        // erp still holds its losing value: its shadow says so, and delivery will write the winner there
        assertThat(out.state().shadow("erp").values().get("phone")).isEqualTo(Value.str("erp-early"));
    }

    @Test
    void editsInsideTheSkewWindowAreATieDecidedByPriorityAndFlagged() {
        RecordState s = synced(Row.of("phone", "1"));
        Merger m = new Merger(lww.withSkewWindow(Duration.ofSeconds(2)));
        s = m.merge(s, from("erp", "E1", Row.of("phone", "erp"), 31)).state();
        MergeOutcome out = m.merge(s, from("crm", "1", Row.of("phone", "crm"), 30));
        Decision.ConflictDecided d = (Decision.ConflictDecided) out.decisions().getFirst();
        assertThat(d.tie()).isTrue();
        assertThat(d.winner().system()).isEqualTo("crm"); // first in priority, although 1 s earlier
        assertThat(out.state().base().values().get("phone")).isEqualTo(Value.str("crm"));
    }

    @Test
    void measuredClockUncertaintyWidensTheTieWindow() {
        RecordState s = synced(Row.of("phone", "1"));
        Merger m = new Merger(lww.withSkewWindow(Duration.ZERO), (a, b) -> Duration.ofSeconds(5));
        s = m.merge(s, from("erp", "E1", Row.of("phone", "erp"), 33)).state();
        Decision.ConflictDecided d = (Decision.ConflictDecided) m.merge(s, from("crm", "1", Row.of("phone", "crm"), 30)).decisions().getFirst();
        assertThat(d.tie()).isTrue();
    }

    @Test
    void priorityPolicyLetsTheSourceOfTruthWinWhateverTheTime() {
        RecordState s = synced(Row.of("phone", "1"));
        Merger m = new Merger(lww.withField("phone", new ConflictPolicy.Priority(List.of("erp", "crm"))));
        s = m.merge(s, from("crm", "1", Row.of("phone", "crm"), 50)).state();
        MergeOutcome out = m.merge(s, from("erp", "E1", Row.of("phone", "erp"), 10));
        assertThat(out.state().base().values().get("phone")).isEqualTo(Value.str("erp"));
    }

    @Test
    void ownerPolicyRevertsAChangeMadeOutsideTheOwner() {
        RecordState s = synced(Row.of("credit", 100L));
        Merger m = new Merger(lww.withField("credit", new ConflictPolicy.Owner("erp")));
        MergeOutcome out = m.merge(s, from("crm", "1", Row.of("credit", 999L), 10));
        assertThat(out.state().base().values().get("credit")).isEqualTo(Value.integer(100));
        assertThat(out.decisions()).singleElement().isInstanceOf(Decision.Reverted.class);
        assertThat(out.state().shadow("crm").values().get("credit")).isEqualTo(Value.integer(999));
    }

    @Test
    void manualPolicyParksTheFieldAndTheRestOfTheRecordKeepsSyncing() {
        RecordState s = synced(Row.of("phone", "1", "name", "Ada"));
        Merger m = new Merger(lww.withField("phone", new ConflictPolicy.Manual()));
        s = m.merge(s, from("crm", "1", Row.of("phone", "crm", "name", "Ada"), 10)).state();
        MergeOutcome out = m.merge(s, from("erp", "E1", Row.of("phone", "erp", "name", "Ada Lovelace"), 11));
        assertThat(out.state().isHeld("phone")).isTrue();
        assertThat(out.state().base().values().get("phone")).isEqualTo(Value.str("crm"));
        assertThat(out.state().base().values().get("name")).isEqualTo(Value.str("Ada Lovelace"));
        Decision.Parked parked = out.decisions().stream().filter(d -> d instanceof Decision.Parked).map(Decision.Parked.class::cast).findFirst().orElseThrow();
        assertThat(parked.versions()).containsEntry("crm", Value.str("crm")).containsEntry("erp", Value.str("erp"));
    }

    @Test
    void ruleDecidesWithAnExpressionOverBothVersions() {
        RecordState s = synced(Row.of("score", 5L));
        ConflictRule larger = in -> ((Value.Int) in.incoming().value()).value() > ((Value.Int) in.current().value()).value()
                ? in.incoming().value() : in.current().value();
        Merger m = new Merger(lww.withField("score", new ConflictPolicy.Rule("max", larger)));
        s = m.merge(s, from("crm", "1", Row.of("score", 9L), 50)).state();
        MergeOutcome out = m.merge(s, from("erp", "E1", Row.of("score", 12L), 10));
        assertThat(out.state().base().values().get("score")).isEqualTo(Value.integer(12));
    }

    @Test
    void deleteWithoutConcurrentUpdateTombstonesTheBase() {
        RecordState s = synced(Row.of("name", "Ada"));
        MergeOutcome out = new Merger(lww).merge(s, new Incoming("crm", new NativeKey("1"), null, at(10)));
        assertThat(out.state().base().deleted()).isTrue();
        assertThat(out.state().shadow("crm").status()).isEqualTo(Shadow.Status.GONE);
    }

    @Test
    void aLateUpdateCannotResurrectADeletedRecordUnderDeleteWins() {
        RecordState s = synced(Row.of("name", "Ada"));
        Merger m = new Merger(lww);
        s = m.merge(s, new Incoming("crm", new NativeKey("1"), null, at(10))).state();
        MergeOutcome out = m.merge(s, from("erp", "E1", Row.of("name", "Ada changed"), 20));
        assertThat(out.state().base().deleted()).isTrue();
        assertThat(out.decisions()).singleElement().isInstanceOf(Decision.UpdateLostToDelete.class);
    }

    @Test
    void updateWinsResurrectsExplicitlyAndAudits() {
        RecordState s = synced(Row.of("name", "Ada"));
        Merger m = new Merger(lww.withDeleteVsUpdate(DeleteConflictPolicy.UPDATE_WINS));
        s = m.merge(s, new Incoming("crm", new NativeKey("1"), null, at(10))).state();
        MergeOutcome out = m.merge(s, from("erp", "E1", Row.of("name", "Ada changed"), 20));
        assertThat(out.state().base().deleted()).isFalse();
        assertThat(out.state().base().values().get("name")).isEqualTo(Value.str("Ada changed"));
        assertThat(out.decisions()).singleElement().isInstanceOf(Decision.Resurrected.class);
    }

    @Test
    void confirmPolicyHoldsTheDeleteForAPerson() {
        RecordState s = synced(Row.of("name", "Ada"));
        MergeOutcome out = new Merger(lww.withDeletes(new DeletePolicy.Confirm())).merge(s, new Incoming("crm", new NativeKey("1"), null, at(10)));
        assertThat(out.state().base().deleted()).isFalse();
        assertThat(out.state().isHeld(RecordState.RECORD)).isTrue();
        assertThat(((Decision.Parked) out.decisions().getFirst()).kind()).isEqualTo("delete-confirm");
    }

    @Test
    void ignorePolicyDetachesOnlyTheDeletingEndpoint() {
        RecordState s = synced(Row.of("name", "Ada"));
        MergeOutcome out = new Merger(lww.withDeletes(new DeletePolicy.Ignore())).merge(s, new Incoming("crm", new NativeKey("1"), null, at(10)));
        assertThat(out.state().alive()).isTrue();
        assertThat(out.state().shadow("crm").status()).isEqualTo(Shadow.Status.DETACHED);
        // later changes from the detached endpoint are ignored
        MergeOutcome later = new Merger(lww).merge(out.state(), from("crm", "1", Row.of("name", "new"), 20));
        assertThat(later.state()).isEqualTo(out.state());
    }

    @Test
    void deleteMeetingAConcurrentUpdateFollowsTheDeleteVsUpdatePolicy() {
        RecordState s = synced(Row.of("name", "Ada"));
        Merger m = new Merger(lww.withDeleteVsUpdate(DeleteConflictPolicy.UPDATE_WINS));
        s = m.merge(s, from("erp", "E1", Row.of("name", "Ada v2"), 10)).state();
        // crm deletes without having seen v2
        MergeOutcome out = m.merge(s, new Incoming("crm", new NativeKey("1"), null, at(11)));
        assertThat(out.state().alive()).isTrue();
        assertThat(out.state().shadow("crm").status()).isEqualTo(Shadow.Status.GONE); // delivery re-creates it
        assertThat(out.decisions()).singleElement().isInstanceOf(Decision.DeleteLostToUpdate.class);
    }

    @Test
    void linkingWithoutAncestorTreatsEveryDifferenceAsAConflict() {
        RecordState s = RecordState.fresh(new RecordId("r1"));
        Merger m = new Merger(lww);
        s = m.merge(s, from("crm", "1", Row.of("email", "a@x", "phone", "1"), 10)).state();
        MergeOutcome out = m.merge(s, from("erp", "E1", Row.of("email", "a@x", "phone", "2"), 20));
        assertThat(out.state().base().values().get("phone")).isEqualTo(Value.str("2"));
        assertThat(out.decisions()).anyMatch(d -> d instanceof Decision.ConflictDecided c && c.field().equals("phone"));
        assertThat(out.decisions()).anyMatch(d -> d instanceof Decision.Agreed a && a.fields().equals(List.of("email")));
    }

    @Test
    void heldFieldChangedAgainUpdatesTheOpenConflict() {
        RecordState s = synced(Row.of("phone", "1")).hold("phone");
        MergeOutcome out = new Merger(lww).merge(s, from("erp", "E1", Row.of("phone", "3"), 10));
        assertThat(out.decisions()).containsExactly(new Decision.HeldUpdated("phone", "erp", Value.str("3")));
        assertThat(out.state().base().values().get("phone")).isEqualTo(Value.str("1"));
    }

    @Test
    void stateSurvivesItsJsonForm() {
        RecordState s = synced(Row.of("name", "Ada", "n", 1L, "d", new java.math.BigDecimal("1.50"))).hold("name");
        assertThat(RecordStateCodec.decode(s.id(), RecordStateCodec.encode(s))).isEqualTo(s);
    }
}
