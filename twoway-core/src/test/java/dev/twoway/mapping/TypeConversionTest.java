package dev.twoway.mapping;

import dev.twoway.model.Value;
import dev.twoway.model.ValueType;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TypeConversionTest {
    private static Value toNative(Value v, ColumnType c) {
        return TypeConversion.toNative(v, c, "r1", "f");
    }

    private static Value toCanonical(Value v, ValueType t, ColumnType c) {
        return TypeConversion.toCanonical(v, t, c, "r1", "f");
    }

    @Test
    void stringLongerThanColumnIsRejectedNotTruncated() {
        assertThatThrownBy(() -> toNative(Value.str("x".repeat(300)), ColumnType.of(ValueType.STRING).withMaxLength(255)))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("record r1, field 'f'").hasMessageContaining("300 characters").hasMessageContaining("holds 255")
                .hasMessageContaining("never truncated");
        assertThat(toNative(Value.str("😀".repeat(255)), ColumnType.of(ValueType.STRING).withMaxLength(255)))
                .as("length is counted in characters, not UTF-16 units").isEqualTo(Value.str("😀".repeat(255)));
    }

    @Test
    void integersMustBeWrittenPlainlyToComeBackTheSame() {
        ColumnType integer = ColumnType.of(ValueType.INTEGER);
        assertThat(toNative(Value.str("-42"), integer)).isEqualTo(Value.integer(-42));
        for (String bad : new String[]{"007", " 7", "7.0", "+7", "1e3", "", "99999999999999999999"}) {
            assertThatThrownBy(() -> toNative(Value.str(bad), integer)).as(bad).isInstanceOf(MappingException.class);
        }
        assertThat(toCanonical(Value.integer(7), ValueType.STRING, integer)).isEqualTo(Value.str("7"));
    }

    @Test
    void integerRangeOfTheColumnIsEnforced() {
        ColumnType smallint = ColumnType.of(ValueType.INTEGER).withRange(-32768, 32767);
        assertThat(toNative(Value.integer(32767), smallint)).isEqualTo(Value.integer(32767));
        assertThatThrownBy(() -> toNative(Value.integer(32768), smallint)).hasMessageContaining("outside the column's range");
    }

    @Test
    void decimalsAreNeverRounded() {
        ColumnType money = ColumnType.of(ValueType.DECIMAL).withDecimal(10, 2);
        assertThat(toNative(Value.str("1234.5"), money)).isEqualTo(new Value.Dec(new BigDecimal("1234.50")));
        assertThatThrownBy(() -> toNative(new Value.Dec(new BigDecimal("1.005")), money)).hasMessageContaining("would be rounded");
        assertThatThrownBy(() -> toNative(new Value.Dec(new BigDecimal("123456789.5")), money)).hasMessageContaining("too many digits");
        assertThatThrownBy(() -> toNative(new Value.Dec(new BigDecimal("12.5")), ColumnType.of(ValueType.INTEGER))).hasMessageContaining("not a whole number");
        assertThat(toNative(new Value.Dec(new BigDecimal("12.000")), ColumnType.of(ValueType.INTEGER))).isEqualTo(Value.integer(12));
        assertThat(toCanonical(new Value.Dec(new BigDecimal("1.5")), ValueType.STRING, money)).as("written with the column's scale").isEqualTo(Value.str("1.50"));
    }

    @Test
    void booleansFollowTheColumnsSpellingsAndOnlyZeroOrOne() {
        ColumnType yn = ColumnType.of(ValueType.STRING).withBooleanText("Y", "N");
        assertThat(toNative(Value.of(true), yn)).isEqualTo(Value.str("Y"));
        assertThat(toCanonical(Value.str("n"), ValueType.BOOLEAN, yn)).isEqualTo(Value.of(false));
        assertThatThrownBy(() -> toCanonical(Value.str("maybe"), ValueType.BOOLEAN, yn)).hasMessageContaining("'Y' and 'N'");
        ColumnType tinyint = ColumnType.of(ValueType.INTEGER).withRange(-128, 127);
        assertThat(toNative(Value.of(true), tinyint)).isEqualTo(Value.integer(1));
        assertThat(toCanonical(Value.integer(0), ValueType.BOOLEAN, tinyint)).isEqualTo(Value.of(false));
        assertThatThrownBy(() -> toCanonical(Value.integer(2), ValueType.BOOLEAN, tinyint)).hasMessageContaining("only 1 and 0");
    }

    @Test
    void datesAndTimestampsUseTheColumnsFormatAndZone() {
        ColumnType us = ColumnType.of(ValueType.STRING).withFormat("MM/dd/yyyy");
        assertThat(toNative(new Value.Date(LocalDate.of(2026, 3, 1)), us)).isEqualTo(Value.str("03/01/2026"));
        assertThat(toCanonical(Value.str("03/01/2026"), ValueType.DATE, us)).isEqualTo(new Value.Date(LocalDate.of(2026, 3, 1)));
        assertThatThrownBy(() -> toCanonical(Value.str("2026-03-01"), ValueType.DATE, us)).hasMessageContaining("MM/dd/yyyy");

        ColumnType local = ColumnType.of(ValueType.STRING).withFormat("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.of("Europe/Paris"));
        Instant t = Instant.parse("2026-07-01T10:00:00Z");
        assertThat(toNative(new Value.Timestamp(t), local)).isEqualTo(Value.str("2026-07-01 12:00:00"));
        assertThat(toCanonical(Value.str("2026-07-01 12:00:00"), ValueType.TIMESTAMP, local)).isEqualTo(new Value.Timestamp(t));
        assertThat(toCanonical(Value.str("2026-07-01T12:00:00+02:00"), ValueType.TIMESTAMP, ColumnType.of(ValueType.STRING))).isEqualTo(new Value.Timestamp(t));
    }

    @Test
    void aTimestampBecomesADateOnlyAtMidnight() {
        ColumnType date = ColumnType.of(ValueType.DATE);
        assertThat(toNative(new Value.Timestamp(Instant.parse("2026-03-01T00:00:00Z")), date)).isEqualTo(new Value.Date(LocalDate.of(2026, 3, 1)));
        assertThatThrownBy(() -> toNative(new Value.Timestamp(Instant.parse("2026-03-01T09:30:00Z")), date)).hasMessageContaining("not a midnight");
    }

    @Test
    void bytesAsTextAndJsonAsText() {
        ColumnType utf8 = ColumnType.of(ValueType.STRING).withBytesText("utf8");
        assertThatThrownBy(() -> toNative(new Value.Bytes(new byte[]{(byte) 0xC3, 0x28}), utf8)).hasMessageContaining("not valid UTF-8");
        assertThat(toNative(new Value.Bytes(new byte[]{(byte) 0xDE, (byte) 0xAD}), ColumnType.of(ValueType.STRING).withBytesText("hex"))).isEqualTo(Value.str("dead"));
        assertThat(toCanonical(Value.str("{\"b\": 1, \"a\": 2}"), ValueType.JSON, ColumnType.of(ValueType.STRING))).isEqualTo(Value.Json.parse("{\"a\":2,\"b\":1}"));
        assertThatThrownBy(() -> toCanonical(Value.str("{oops"), ValueType.JSON, ColumnType.of(ValueType.STRING))).hasMessageContaining("not valid JSON");
    }

    @Test
    void pairsWithoutALosslessRuleAreRefusedWithTheFix() {
        assertThatThrownBy(() -> toNative(new Value.Date(LocalDate.of(2026, 1, 1)), ColumnType.of(ValueType.INTEGER)))
                .hasMessageContaining("no lossless conversion from date to integer").hasMessageContaining("compatible type");
        assertThat(toNative(Value.NULL, ColumnType.of(ValueType.INTEGER))).isEqualTo(Value.NULL);
    }

    /** One value of each type that every rule of the table accepts (a midnight, a whole number, 1 as a boolean). */
    private static final Map<ValueType, Value> SAMPLES = Map.of(
            ValueType.STRING, Value.str("text"), ValueType.INTEGER, Value.integer(1), ValueType.DECIMAL, new Value.Dec(BigDecimal.ONE),
            ValueType.BOOLEAN, Value.of(true), ValueType.DATE, new Value.Date(LocalDate.of(2026, 3, 1)),
            ValueType.TIMESTAMP, new Value.Timestamp(Instant.parse("2026-03-01T00:00:00Z")), ValueType.JSON, Value.Json.parse("{\"a\":1}"),
            ValueType.BYTES, new Value.Bytes(new byte[]{1, 2, 3}));

    @Test
    void convertibleIsTrueExactlyForThePairsWithARuleBothWays() {
        for (ValueType canonical : ValueType.values()) {
            for (ValueType column : ValueType.values()) {
                if (canonical == column || canonical == ValueType.STRING || column == ValueType.STRING) {
                    assertThat(TypeConversion.convertible(canonical, column)).as(canonical + " ⇄ " + column).isTrue();
                    continue;
                }
                boolean bothWays = converts(SAMPLES.get(canonical), column) && converts(SAMPLES.get(column), canonical);
                assertThat(TypeConversion.convertible(canonical, column)).as(canonical + " ⇄ " + column).isEqualTo(bothWays);
            }
        }
    }

    @Test
    void everyTypeIsConvertibleToTextAndComesBackTheSame() {
        ColumnType text = ColumnType.of(ValueType.STRING);
        SAMPLES.forEach((type, v) -> assertThat(toCanonical(toNative(v, text), type, text)).as(type.configName()).isEqualTo(v));
    }

    private static boolean converts(Value v, ValueType to) {
        try {
            TypeConversion.convert(v, to, ColumnType.of(to), "r1", "f");
            return true;
        } catch (MappingException e) {
            return false;
        }
    }
}
