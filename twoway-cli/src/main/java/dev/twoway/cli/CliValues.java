package dev.twoway.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Option values of the command line. */
final class CliValues {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private CliValues() {
    }

    static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new IllegalArgumentException(option + " '" + text + "' is not a duration; write e.g. 500ms, 10s, 5m, 1h");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** "1 sync", "2 syncs", "1,200 syncs": a count with its noun (regular plurals only). */
    static String count(long n, String noun) {
        return count(n, noun, noun + "s");
    }

    /** "1 change read", "3 changes read": a count with the singular or plural phrase. */
    static String count(long n, String singular, String plural) {
        return String.format("%,d %s", n, n == 1 ? singular : plural);
    }

    static String actor() {
        String user = System.getenv("USER");
        return user == null || user.isBlank() ? System.getProperty("user.name", "operator") : user;
    }
}
