package dev.twoway.model;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValueJsonTest {

    @Property(tries = 2_000)
    void theFastTimestampParserReadsWhatInstantWritesForYearsZeroTo9999(
            @ForAll @LongRange(min = -62_167_219_200L, max = 253_402_300_799L) long seconds,
            @ForAll @IntRange(min = 0, max = 999_999_999) int nanos, @ForAll @IntRange(min = 0, max = 3) int precision) {
        int kept = switch (precision) { // whole seconds, millis, micros, nanos: each a different length of fraction
            case 0 -> 0;
            case 1 -> nanos / 1_000_000 * 1_000_000;
            case 2 -> nanos / 1_000 * 1_000;
            default -> nanos;
        };
        Instant t = Instant.ofEpochSecond(seconds, kept);

        assertThat(ValueJson.instant(t.toString())).isEqualTo(t);
    }

    @Test
    void otherFormsGoToTheFullParser() {
        assertThat(ValueJson.instant("2024-02-29T23:59:59.5Z")).isEqualTo(Instant.parse("2024-02-29T23:59:59.500Z"));
        assertThat(ValueJson.instant("+12024-01-01T00:00:00Z")).isEqualTo(Instant.parse("+12024-01-01T00:00:00Z"));
        assertThat(ValueJson.instant("2024-01-01T01:00:00+01:00")).isEqualTo(Instant.parse("2024-01-01T00:00:00Z"));
        // whatever Instant.parse makes of odd or wrong text, the fast parser makes of it too
        for (String odd : new String[]{"2024-01-01T00:00:00.Z", "2024-01-01T24:00:00Z"}) {
            assertThat(ValueJson.instant(odd)).as(odd).isEqualTo(Instant.parse(odd));
        }
        for (String wrong : new String[]{"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T00:60:00Z", "2024-0a-01T00:00:00Z", "2024-01-01T00:00:00.1234567890Z"}) {
            assertThatThrownBy(() -> ValueJson.instant(wrong)).as(wrong).isInstanceOf(DateTimeParseException.class);
        }
    }
}
