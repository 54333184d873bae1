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
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "1"), null, "shop")).isTrue();
    }

    @Test
    void aChangedFieldShowingTheValueSentMeansTheUpdateLandedEvenIfAnotherFieldWasEditedSince() {
        // KillNineIT's lost update: "all fields must match" took this row for a new edit of name to Grace.
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "2"), null, "shop")).isTrue();
    }

    @Test
    void aFieldTheUpdateDidNotChangeIsNoEvidence() {
        // phone=1 was there before the update; name shows neither value: nobody can tell whether it landed.
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Alan", "phone", "1"), null, "shop")).isFalse();
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Ada", "phone", "1"), null, "shop")).isFalse();
    }

    @Test
    void nothingInFlightOrNoRowMeansNothingLanded() {
        assertThat(inFlight.withPending(null).pendingLandedIn(Row.of("name", "Grace", "phone", "1"), null, "shop")).isFalse();
        assertThat(inFlight.pendingLandedIn(null, null, "shop")).isFalse();
        assertThat(inFlight.pendingLandedIn(Row.of("phone", "1"), null, "shop")).isFalse();
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
    void aValueThisSystemGaveTheRecordIsNoEvidence() {
        // The update was planned from an outdated shadow and sent shop its own name back: the row showing that name
        // says nothing about the update.
        Base base = Base.created(Row.of("name", "Grace", "phone", "1"),
                new FieldVersion(dev.twoway.clock.HlcTimestamp.of(java.time.Instant.EPOCH), "shop"));
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "2"), base, "shop")).isFalse();
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "2"), base, "erp")).isTrue();
        // every value sent is there: landed or not, the row holds what was sent (the rule before field-by-field)
        assertThat(inFlight.pendingLandedIn(Row.of("name", "Grace", "phone", "1"), base, "shop")).isTrue();
    }
}
