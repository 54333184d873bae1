package dev.twoway.merge;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ShadowTest {
    /** The row held name=Ada, phone=1; the engine sent name=Grace, phone=1 and does not know whether it landed. */
    private final Shadow inFlight = Shadow.present(new NativeKey("7"), Row.of("name", "Ada", "phone", "1"), 0)
            .withPending(Row.of("name", "Grace", "phone", "1"));

    @Test
    void theRowShowingEveryValueSentMeansTheUpdateLanded() {
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "1"), null)).isTrue();
    }

    @Test
    void aChangedFieldShowingTheValueSentMeansTheUpdateLandedEvenIfAnotherFieldWasEditedSince() {
        // KillNineIT's lost update: "all fields must match" took this row for a new edit of name to Grace.
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "2"), null)).isTrue();
    }

    @Test
    void aFieldTheUpdateDidNotChangeIsNoEvidence() {
        // phone=1 was there before the update; name shows neither value: nobody can tell whether it landed.
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Alan", "phone", "1"), null)).isFalse();
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Ada", "phone", "1"), null)).isFalse();
    }

    @Test
    void nothingInFlightOrNoRowMeansNothingLanded() {
        assertThat(inFlight.withPending(null).pendingLandedIn(Row.of("name", "Grace", "phone", "1"), null)).isFalse();
        assertThat(inFlight.pendingLandedIn(null, null)).isFalse();
        assertThat(inFlight.pendingLandedIn(Row.of("phone", "1"), null)).isFalse();
    }

    @Test
    void whatLandedIsTheValuesSentExceptWhereTheRowShowsAgainWhatItHeldBefore() {
        Shadow two = Shadow.present(new NativeKey("7"), Row.of("name", "Ada", "phone", "1"), 0)
                .withPending(Row.of("name", "Grace", "phone", "2"));
        // phone edited since to 3: the update's 2 is the ancestor, so 3 is an edit made there
        assertThat(two.landedValues(Row.of("name", "Grace", "phone", "3"))).isEqualTo(Row.of("name", "Grace", "phone", "2"));
        // phone shows 1 again: edited back, or never written (the name may have been the target's own) — not an edit
        assertThat(two.landedValues(Row.of("name", "Grace", "phone", "1"))).isEqualTo(Row.of("name", "Grace", "phone", "1"));
    }

    @Test
    void aValueTheRecordStillHoldsIsNoEvidence() {
        // A later write of the engine (or the system itself) may have put Grace there: only every value sent counts.
        Base holdsGrace = Base.created(Row.of("name", "Grace", "phone", "2"),
                new FieldVersion(dev.twoway.clock.HlcTimestamp.of(java.time.Instant.EPOCH), "erp"));
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "2"), holdsGrace)).isFalse();
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "1"), holdsGrace)).isTrue();
        // The record has moved on from Grace (edited elsewhere since): Grace in the row can only be that update's.
        Base movedOn = holdsGrace.withField("name", dev.twoway.model.Value.str("Alan"),
                new FieldVersion(dev.twoway.clock.HlcTimestamp.of(java.time.Instant.EPOCH.plusSeconds(1)), "erp"));
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "2"), movedOn)).isTrue();
    }
}
