package dev.twoway.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a sync runs, as written in the config's {@code schedule:}: {@code realtime} (continuously; capture wakes the
 * engine), {@code every 5m} (a full pass at a fixed interval), or a 5-field cron expression (a full pass at each
 * matching minute).
 */
public sealed interface Schedule {

    /** The canonical text form. */
    String text();

    /** The first time strictly after {@code after} at which a pass runs; empty for realtime (it never waits). */
    Optional<Instant> next(Instant after, ZoneId zone);

    String EXAMPLES = "write e.g. 'realtime', 'every 30s', 'every 5m', or a cron expression like '*/15 * * * *'";

    /** Parses the config text; an {@link IllegalArgumentException} quotes it and says what is wrong. */
    static Schedule parse(String text) {
        Objects.requireNonNull(text, "schedule");
        String t = text.trim();
        if (t.equalsIgnoreCase("realtime")) return new Realtime();
        if (t.toLowerCase(Locale.ROOT).startsWith("every")) return Every.parse(text, t.substring(5).trim());
        if (t.startsWith("@") || t.split("\\s+").length == 5) return new Cron(CronExpression.parse(t));
        throw new IllegalArgumentException("schedule '" + text + "' is not realtime, 'every …' or a 5-field cron expression; " + EXAMPLES);
    }

    record Realtime() implements Schedule {
        public String text() {
            return "realtime";
        }

        public Optional<Instant> next(Instant after, ZoneId zone) {
            return Optional.empty();
        }
    }

    /** A pass every {@code interval}, counted from the end of the previous one. */
    record Every(Duration interval) implements Schedule {
        private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([a-z]+)");

        public Every {
            if (interval.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("a schedule interval must be at least 1s, was " + interval);
        }

        static Every parse(String text, String rest) {
            Matcher m = FORM.matcher(rest.toLowerCase(Locale.ROOT));
            if (!m.matches()) throw new IllegalArgumentException("schedule '" + text + "': expected a number and a unit after 'every'; " + EXAMPLES);
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s", "sec", "secs", "second", "seconds" -> Duration.ofSeconds(n);
                case "m", "min", "mins", "minute", "minutes" -> Duration.ofMinutes(n);
                case "h", "hour", "hours" -> Duration.ofHours(n);
                case "d", "day", "days" -> Duration.ofDays(n);
                default -> throw new IllegalArgumentException("schedule '" + text + "': unknown unit '" + m.group(2) + "' (use s, m, h or d); " + EXAMPLES);
            };
            if (n < 1) throw new IllegalArgumentException("schedule '" + text + "': the interval must be at least 1s");
            return new Every(d);
        }

        public String text() {
            long s = interval.toSeconds();
            if (s % 86_400 == 0) return "every " + s / 86_400 + "d";
            if (s % 3_600 == 0) return "every " + s / 3_600 + "h";
            if (s % 60 == 0) return "every " + s / 60 + "m";
            return "every " + s + "s";
        }

        public Optional<Instant> next(Instant after, ZoneId zone) {
            return Optional.of(after.plus(interval));
        }
    }

    record Cron(CronExpression expression) implements Schedule {
        public String text() {
            return expression.text();
        }

        public Optional<Instant> next(Instant after, ZoneId zone) {
            return expression.next(after, zone);
        }
    }
}
