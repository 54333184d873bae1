package dev.twoway.schedule;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {
    static final ZoneId UTC = ZoneOffset.UTC;
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static Instant next(String expr, String after, ZoneId zone) {
        return Schedule.parse(expr).next(Instant.parse(after), zone).orElseThrow();
    }

    @Test
    void realtimeNeverWaits() {
        assertThat(Schedule.parse(" Realtime ")).isEqualTo(new Schedule.Realtime());
        assertThat(new Schedule.Realtime().next(Instant.EPOCH, UTC)).isEmpty();
    }

    @Test
    void everyTakesShortAndSpelledOutUnits() {
        assertThat(Schedule.parse("every 30s")).isEqualTo(new Schedule.Every(Duration.ofSeconds(30)));
        assertThat(Schedule.parse("every 5m").text()).isEqualTo("every 5m");
        assertThat(Schedule.parse("every 90 seconds").text()).isEqualTo("every 90s");
        assertThat(Schedule.parse("every 2 hours")).isEqualTo(new Schedule.Every(Duration.ofHours(2)));
        assertThat(Schedule.parse("every 1d").next(Instant.EPOCH, UTC)).contains(Instant.EPOCH.plus(Duration.ofDays(1)));
    }

    @Test
    void badSchedulesSayWhatIsWrongAndShowValidForms() {
        assertThatThrownBy(() -> Schedule.parse("every 5x")).hasMessageContaining("unknown unit 'x'").hasMessageContaining("'every 30s'");
        assertThatThrownBy(() -> Schedule.parse("every 0s")).hasMessageContaining("at least 1s");
        assertThatThrownBy(() -> Schedule.parse("hourly")).hasMessageContaining("schedule 'hourly'").hasMessageContaining("'*/15 * * * *'");
        assertThatThrownBy(() -> Schedule.parse("61 * * * *")).hasMessageContaining("minute '61' is not allowed; minute takes 0-59");
        assertThatThrownBy(() -> Schedule.parse("0 0 * 13 *")).hasMessageContaining("month '13'").hasMessageContaining("1-12 or JAN-DEC");
        assertThatThrownBy(() -> Schedule.parse("0 0 * * FUNDAY")).hasMessageContaining("day-of-week 'FUNDAY'");
        assertThatThrownBy(() -> Schedule.parse("0 5-2 * * *")).hasMessageContaining("hour range '5-2' runs backwards");
        assertThatThrownBy(() -> Schedule.parse("0 0 31 2 *")).hasMessageContaining("never fires");
        assertThatThrownBy(() -> Schedule.parse("@fortnightly")).hasMessageContaining("unknown macro");
        assertThatThrownBy(() -> Schedule.parse("* * * *")).hasMessageContaining("is not realtime");
    }

    @Test
    void cronFiresAtTheNextMatchingMinuteStrictlyAfter() {
        assertThat(next("*/15 * * * *", "2026-03-10T10:07:30Z", UTC)).isEqualTo("2026-03-10T10:15:00Z");
        assertThat(next("*/15 * * * *", "2026-03-10T10:15:00Z", UTC)).isEqualTo("2026-03-10T10:30:00Z");
        assertThat(next("0 9-17/4 * * MON-FRI", "2026-03-13T17:30:00Z", UTC)).isEqualTo("2026-03-16T09:00:00Z"); // Friday evening → Monday
        assertThat(next("30 2 1 jan,jul *", "2026-03-10T00:00:00Z", UTC)).isEqualTo("2026-07-01T02:30:00Z");
        assertThat(next("0 0 29 2 *", "2026-01-01T00:00:00Z", UTC)).isEqualTo("2028-02-29T00:00:00Z");
        assertThat(next("@monthly", "2026-03-10T00:00:00Z", UTC)).isEqualTo("2026-04-01T00:00:00Z");
        assertThat(next("@weekly", "2026-03-10T00:00:00Z", UTC)).isEqualTo("2026-03-15T00:00:00Z"); // a Sunday
        assertThat(next("0 12 * * 7", "2026-03-10T00:00:00Z", UTC)).as("7 is Sunday too").isEqualTo("2026-03-15T12:00:00Z");
    }

    @Test
    void dayOfMonthAndDayOfWeekBothRestrictedMatchEither() {
        // The 13th or any Friday: Friday 2026-03-06 comes before the 13th.
        assertThat(next("0 0 13 * FRI", "2026-03-01T00:00:00Z", UTC)).isEqualTo("2026-03-06T00:00:00Z");
        assertThat(next("0 0 13 * FRI", "2026-03-10T00:00:00Z", UTC)).isEqualTo("2026-03-13T00:00:00Z");
    }

    @Test
    void cronIsReadInTheGivenZoneAcrossDaylightSavingChanges() {
        assertThat(next("0 9 * * *", "2026-03-10T00:00:00Z", BERLIN)).isEqualTo("2026-03-10T08:00:00Z"); // CET
        assertThat(next("0 9 * * *", "2026-06-10T00:00:00Z", BERLIN)).isEqualTo("2026-06-10T07:00:00Z"); // CEST
        // 2026-03-29 02:30 does not exist in Berlin: skipped to the next day's 02:30.
        assertThat(next("30 2 * * *", "2026-03-28T12:00:00Z", BERLIN)).isEqualTo("2026-03-30T00:30:00Z");
        // 2026-10-25 02:30 exists twice: fires once, at the first.
        Instant first = next("30 2 * * *", "2026-10-24T12:00:00Z", BERLIN);
        assertThat(first).isEqualTo("2026-10-25T00:30:00Z");
        assertThat(next("30 2 * * *", first.toString(), BERLIN)).isEqualTo("2026-10-26T01:30:00Z");
    }

    /** Each generated field form with its meaning written independently of the parser: the oracle. */
    static final java.util.Map<String, java.util.function.IntPredicate> MINUTE = java.util.Map.of("*", v -> true, "0", v -> v == 0,
            "*/5", v -> v % 5 == 0, "15,45", v -> v == 15 || v == 45, "10-20", v -> v >= 10 && v <= 20, "0-59/7", v -> v % 7 == 0);
    static final java.util.Map<String, java.util.function.IntPredicate> HOUR = java.util.Map.of("*", v -> true, "3", v -> v == 3,
            "*/6", v -> v % 6 == 0, "9-17", v -> v >= 9 && v <= 17, "0,12", v -> v == 0 || v == 12);
    static final java.util.Map<String, java.util.function.IntPredicate> DOM = java.util.Map.of("*", v -> true, "1", v -> v == 1,
            "15", v -> v == 15, "1-10", v -> v <= 10, "*/3", v -> (v - 1) % 3 == 0);
    static final java.util.Map<String, java.util.function.IntPredicate> DOW = java.util.Map.of("*", v -> true, "MON-FRI", v -> v >= 1 && v <= 5,
            "0", v -> v == 0, "SAT,SUN", v -> v == 6 || v == 0, "3", v -> v == 3);

    record Spec(String minute, String hour, String dom, String dow) {
        String text() {
            return minute + " " + hour + " " + dom + " * " + dow;
        }

        boolean matches(Instant t) {
            ZonedDateTime z = t.atZone(UTC);
            if (z.getSecond() != 0 || z.getNano() != 0) return false;
            int weekday = z.getDayOfWeek().getValue() % 7; // Sunday = 0
            boolean d = DOM.get(dom).test(z.getDayOfMonth());
            boolean w = DOW.get(dow).test(weekday);
            boolean day = !dom.equals("*") && !dow.equals("*") ? d || w : d && w;
            return MINUTE.get(minute).test(z.getMinute()) && HOUR.get(hour).test(z.getHour()) && day;
        }
    }

    @Provide
    Arbitrary<Spec> expressions() {
        return Combinators.combine(Arbitraries.of(MINUTE.keySet()), Arbitraries.of(HOUR.keySet()), Arbitraries.of(DOM.keySet()),
                Arbitraries.of(DOW.keySet())).as(Spec::new);
    }

    /** next(t) is after t, matches, and no matching minute lies between t and it (checked minute by minute). */
    @Property(tries = 300)
    void nextIsTheFirstMatchingMinuteAfterT(@ForAll("expressions") Spec spec, @ForAll("instants") Instant t) {
        CronExpression cron = CronExpression.parse(spec.text());
        Instant n = cron.next(t, UTC).orElseThrow();
        assertThat(n).isAfter(t);
        assertThat(spec.matches(n)).as("%s does not match %s", n, spec.text()).isTrue();
        for (Instant m = t.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1)); m.isBefore(n); m = m.plus(Duration.ofMinutes(1))) {
            assertThat(spec.matches(m)).as("%s also matches %s, before %s", m, spec.text(), n).isFalse();
        }
    }

    @Provide
    Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(Instant.parse("2026-01-01T00:00:00Z").getEpochSecond(), Instant.parse("2029-12-31T00:00:00Z").getEpochSecond())
                .map(Instant::ofEpochSecond);
    }
}
