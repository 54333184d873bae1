package dev.twoway.schedule;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A standard 5-field cron expression ({@code minute hour day-of-month month day-of-week}) with {@code *}, numbers,
 * ranges {@code a-b}, steps {@code * /n} and {@code a-b/n}, lists, month names (JAN–DEC) and day names (SUN–SAT),
 * day-of-week 0–7 (0 and 7 are Sunday), and the macros {@code @hourly}, {@code @daily}, {@code @weekly},
 * {@code @monthly}, {@code @yearly}. As in Vixie cron, when both day-of-month and day-of-week are restricted a day
 * matches if either does.
 *
 * <p>Times are read in the zone given to {@link #next}. A local time that does not exist (a DST gap) does not
 * fire; one that exists twice (a DST overlap) fires once, at its first occurrence. An expression that never matches
 * (e.g. {@code 0 0 31 2 *}) is refused when parsed.
 */
public final class CronExpression {
    private static final Map<String, String> MACROS = Map.of("@hourly", "0 * * * *", "@daily", "0 0 * * *", "@midnight", "0 0 * * *",
            "@weekly", "0 0 * * 0", "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *");
    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    private final String text;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek; // 0 = Sunday
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private CronExpression(String text, BitSet minutes, BitSet hours, BitSet dom, BitSet months, BitSet dow, boolean domR, boolean dowR) {
        this.text = text;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = dom;
        this.months = months;
        this.daysOfWeek = dow;
        this.domRestricted = domR;
        this.dowRestricted = dowR;
    }

    public static CronExpression parse(String text) {
        String t = text.trim();
        String expanded = t.startsWith("@") ? MACROS.get(t.toLowerCase(Locale.ROOT)) : t;
        if (expanded == null) {
            throw new IllegalArgumentException("cron '" + text + "': unknown macro; use @hourly, @daily, @weekly, @monthly or @yearly");
        }
        String[] f = expanded.split("\\s+");
        if (f.length != 5) {
            throw new IllegalArgumentException("cron '" + text + "' has " + f.length + " fields; it needs 5: minute hour day-of-month month day-of-week, e.g. '*/15 * * * *'");
        }
        BitSet dow = field(text, "day-of-week", f[4], 0, 7, DAYS);
        if (dow.get(7)) {
            dow.clear(7);
            dow.set(0);
        }
        CronExpression c = new CronExpression(text.trim(), field(text, "minute", f[0], 0, 59, null), field(text, "hour", f[1], 0, 23, null),
                field(text, "day-of-month", f[2], 1, 31, null), field(text, "month", f[3], 1, 12, MONTHS), dow,
                !f[2].equals("*"), !f[4].equals("*"));
        if (c.next(Instant.parse("2000-01-01T00:00:00Z"), java.time.ZoneOffset.UTC).isEmpty()) {
            throw new IllegalArgumentException("cron '" + text + "' never fires (no month has that day)");
        }
        return c;
    }

    private static BitSet field(String text, String name, String spec, int min, int max, List<String> names) {
        BitSet bits = new BitSet(max + 1);
        for (String part : spec.split(",", -1)) {
            String range = part;
            int step = 1;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                range = part.substring(0, slash);
                step = number(text, name, part.substring(slash + 1), 1, max, null);
            }
            int lo;
            int hi;
            if (range.equals("*")) {
                lo = min;
                hi = max;
            } else if (range.contains("-")) {
                String[] ab = range.split("-", 2);
                lo = number(text, name, ab[0], min, max, names);
                hi = number(text, name, ab[1], min, max, names);
                if (hi < lo) throw new IllegalArgumentException("cron '" + text + "': " + name + " range '" + range + "' runs backwards");
            } else {
                lo = number(text, name, range, min, max, names);
                hi = slash >= 0 ? max : lo;
            }
            for (int v = lo; v <= hi; v += step) bits.set(v);
        }
        return bits;
    }

    private static int number(String text, String name, String token, int min, int max, List<String> names) {
        String t = token.trim().toUpperCase(Locale.ROOT);
        if (names != null && names.contains(t)) return names.indexOf(t) + (names == MONTHS ? 1 : 0);
        try {
            int v = Integer.parseInt(t);
            if (v >= min && v <= max) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("cron '" + text + "': " + name + " '" + token + "' is not allowed; " + name + " takes " + min + "-" + max
                + (names == null ? "" : " or " + names.getFirst() + "-" + names.getLast()) + ", '*', ranges a-b, steps */n and lists a,b");
    }

    public String text() {
        return text;
    }

    /** The first matching minute strictly after {@code after}, in {@code zone}; empty if none within 5 years. */
    public Optional<Instant> next(Instant after, ZoneId zone) {
        LocalDateTime t = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        LocalDate limit = t.toLocalDate().plusYears(5);
        LocalDate day = t.toLocalDate();
        LocalTime from = t.toLocalTime();
        while (!day.isAfter(limit)) {
            if (months.get(day.getMonthValue()) && dayMatches(day)) {
                for (int h = from.getHour(); h < 24; h++) {
                    if (!hours.get(h)) continue;
                    int m0 = h == from.getHour() ? from.getMinute() : 0;
                    for (int m = minutes.nextSetBit(m0); m >= 0 && m < 60; m = minutes.nextSetBit(m + 1)) {
                        LocalDateTime local = day.atTime(h, m);
                        ZonedDateTime z = ZonedDateTime.ofLocal(local, zone, null);
                        if (!z.toLocalDateTime().equals(local)) continue; // in a DST gap: this local time does not exist
                        Instant at = ZonedDateTime.ofLocal(local, zone, zone.getRules().getValidOffsets(local).getFirst()).toInstant();
                        if (at.isAfter(after)) return Optional.of(at);
                    }
                }
            }
            day = day.plusDays(1);
            from = LocalTime.MIDNIGHT;
        }
        return Optional.empty();
    }

    private boolean dayMatches(LocalDate day) {
        boolean dom = daysOfMonth.get(day.getDayOfMonth());
        boolean dow = daysOfWeek.get(day.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : day.getDayOfWeek().getValue());
        if (domRestricted && dowRestricted) return dom || dow;
        return dom && dow;
    }

    @Override
    public String toString() {
        return text;
    }
}
