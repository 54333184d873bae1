package dev.twoway.config;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of the small value forms a config uses (durations), and "did you mean" suggestions. */
final class ConfigValues {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private ConfigValues() {
    }

    /** {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}, {@code 1d}, or ISO-8601 ({@code PT2S}). */
    static Optional<Duration> duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                return Optional.of(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            } catch (NumberFormatException | ArithmeticException e) {
                return Optional.empty(); // beyond what a Duration holds: reported as not a duration, not a crash
            }
        }
        try {
            return Optional.of(Duration.parse(text.trim()));
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The closest of {@code known} to {@code given}, if it is close enough to be what was meant. */
    static Optional<String> closest(String given, Collection<String> known) {
        String g = given.toLowerCase(Locale.ROOT);
        return known.stream()
                .min(Comparator.comparingInt(k -> distance(g, k.toLowerCase(Locale.ROOT))))
                .filter(k -> distance(g, k.toLowerCase(Locale.ROOT)) <= Math.max(2, given.length() / 3));
    }

    /** " — did you mean 'x'?" or nothing. */
    static String suggestion(String given, Collection<String> known) {
        return closest(given, known).map(k -> "did you mean '" + k + "'?").orElse(null);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
