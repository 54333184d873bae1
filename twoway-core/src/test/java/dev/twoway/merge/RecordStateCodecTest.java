package dev.twoway.merge;

import dev.twoway.clock.HlcTimestamp;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordStateCodecTest {
    private static final RecordId ID = new RecordId("r1");

    static Row everyType() {
        return dev.twoway.model.EveryType.row();
    }

    @Test
    void aStateWithEveryPartSurvivesTheRoundTrip() {
        FieldVersion v1 = new FieldVersion(HlcTimestamp.of(Instant.parse("2026-01-01T00:00:00Z")), "crm");
        FieldVersion v2 = new FieldVersion(new HlcTimestamp(HlcTimestamp.micros(Instant.parse("2026-01-02T00:00:00Z")), 3), "erp");
        Base base = new Base(everyType(), Map.of("s", v1, "i", v1, "d", v2, "day", v1), true, v2);
        RecordState state = new RecordState(ID, base, Map.of(
                "crm", new Shadow(new NativeKey("42"), Shadow.Status.PRESENT, everyType(), 7, Row.of("s", Value.str("pending"))),
                "erp", new Shadow(null, Shadow.Status.GONE, null, 0)), Set.of("s", RecordState.RECORD));

        RecordState back = RecordStateCodec.decode(ID, RecordStateCodec.encode(state));

        assertThat(back).isEqualTo(state);
        assertThat(back.base().values().asMap()).containsExactlyEntriesOf(everyType().asMap());
    }

    @Test
    void shadowValuesEqualToTheBaseAreWrittenOnceAndReadBack() {
        FieldVersion v1 = new FieldVersion(HlcTimestamp.of(Instant.parse("2026-01-01T00:00:00Z")), "crm");
        Base base = new Base(everyType(), Map.of("s", v1), false, null);
        RecordState synced = new RecordState(ID, base, Map.of(
                "crm", new Shadow(new NativeKey("1"), Shadow.Status.PRESENT, everyType(), 1, everyType()),
                "erp", new Shadow(new NativeKey("E1"), Shadow.Status.PRESENT, everyType().with("s", Value.str("other")), 1)), Set.of());

        String text = RecordStateCodec.encode(synced);

        assertThat(text.split("\"bytes\":\\[", -1)).as("the row of every type is written twice: in the base and erp's different values").hasSize(3);
        assertThat(RecordStateCodec.decode(ID, text)).isEqualTo(synced);
    }

    @Test
    void aSyncedRecordOfFifteenColumnsIsWrittenInUnderAThousandBytes() {
        // SQLite keeps a row of a WITHOUT ROWID table over ~1,000 bytes (4 KiB pages) on an overflow page of its own:
        // a state this size is one page write per save, not two.
        Map<String, Value> m = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            m.put("text" + i, Value.str("some text of a customer " + i));
            m.put("number" + i, Value.integer(1_000_003L * i));
            m.put("amount" + i, new Value.Dec(new BigDecimal("12345.67")));
        }
        Row row = Row.of(m);
        FieldVersion v = new FieldVersion(HlcTimestamp.of(Instant.parse("2026-01-01T00:00:00Z")), "crm");
        Map<String, FieldVersion> versions = new java.util.HashMap<>();
        row.names().forEach(f -> versions.put(f, v));
        RecordState synced = new RecordState(ID, new Base(row, versions, false, null), Map.of(
                "crm", new Shadow(new NativeKey("1234567"), Shadow.Status.PRESENT, row, 17),
                "erp", new Shadow(new NativeKey("E-1234567"), Shadow.Status.PRESENT, row, 18)), Set.of());

        String text = RecordStateCodec.encode(synced);

        assertThat(text.length()).as(text).isLessThan(1_000);
        assertThat(text.split(v.time().encode(), -1)).as("one version written once for all fields").hasSize(2);
        assertThat(RecordStateCodec.decode(ID, text)).isEqualTo(synced);
    }

    @Test
    void aReferenceToAMissingBaseIsRefused() {
        assertThatThrownBy(() -> RecordStateCodec.decode(ID, "{\"shadows\":{\"crm\":{\"status\":\"PRESENT\",\"values\":\"base\"}}}"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("record r1").hasMessageContaining("no base");
    }

    @Test
    void aFreshStateSurvivesTheRoundTrip() {
        RecordState fresh = RecordState.fresh(ID);
        assertThat(RecordStateCodec.decode(ID, RecordStateCodec.encode(fresh))).isEqualTo(fresh);
    }

    @Test
    void membersInAnotherOrderAndUnknownMembersAreRead() {
        // as the tree-based codec before it could have written it, with members reordered and one added later
        String text = "{\"held\":[\"x\"],\"future\":{\"a\":[1,{\"b\":2}]},\"shadows\":{\"crm\":{\"confirmed\":3,\"status\":\"PRESENT\","
                + "\"values\":" + ValueJson.encode(everyType()) + ",\"key\":\"k\"}},"
                + "\"base\":{\"versions\":{\"s\":[\"" + HlcTimestamp.ZERO.encode() + "\",\"crm\"]},\"values\":{\"s\":{\"v\":\"x\",\"t\":\"str\"}}}}";

        RecordState s = RecordStateCodec.decode(ID, text);

        assertThat(s.held()).containsExactly("x");
        assertThat(s.shadow("crm")).isEqualTo(new Shadow(new NativeKey("k"), Shadow.Status.PRESENT, everyType(), 3));
        assertThat(s.base().values()).isEqualTo(Row.of("s", Value.str("x")));
        assertThat(s.base().versions()).containsEntry("s", new FieldVersion(HlcTimestamp.ZERO, "crm"));
        assertThat(s.base().deleted()).isFalse();
    }

    @Test
    void aCompactValueOfAnUnknownTagIsRefusedNamingTheRecord() {
        assertThatThrownBy(() -> RecordStateCodec.decode(ID, "{\"b\":{\"v\":{\"x\":[\"float\",\"1.5\"]},\"vs\":[]},\"s\":{}}"))
                .hasMessageContaining("unknown value tag 'float'");
    }

    @Test
    void brokenTextIsRefusedNamingTheRecord() {
        assertThatThrownBy(() -> RecordStateCodec.decode(ID, "{\"shadows\":{\"crm\":"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("record r1");
    }
}
