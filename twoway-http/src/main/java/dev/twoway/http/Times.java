package dev.twoway.http;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Modification times as APIs write them: ISO-8601 instants, always with milliseconds when twoway writes one. */
final class Times {
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Times() {
    }

    /** {@code 2024-01-01T10:00:00.000Z}: fixed width, so it compares as text the way it compares as time. */
    static String format(Instant t) {
        return MILLIS.format(t);
    }

    static Instant parse(String s) {
        try {
            return Instant.parse(s);
        } catch (RuntimeException e) {
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (RuntimeException e2) {
                return null;
            }
        }
    }
}
