package dev.twoway.config;

import java.util.Collection;
import java.util.Objects;

/**
 * One thing wrong with a config: where, which setting, what is wrong with it, and how to fix it.
 *
 * @param at      the file, line and column of the offending value (or of the section missing a setting)
 * @param path    the setting's dotted path, e.g. {@code syncs.customers.fields.email.crm}
 * @param message what is wrong, quoting the offending value
 * @param fix     what to do about it; {@code null} when the message already says it
 */
public record ConfigProblem(Location at, String path, String message, String fix) {
    public ConfigProblem {
        Objects.requireNonNull(at);
        Objects.requireNonNull(path);
        Objects.requireNonNull(message);
    }

    /** {@code twoway.yaml:12:7: syncs.customers.fields.email.crm: column "emial" … — fix: …} */
    public String render() {
        return at + ": " + (path.isEmpty() ? "" : path + ": ") + message + (fix == null ? "" : "\n    fix: " + fix);
    }

    /** {@code "did you mean 'x'? "} when one of {@code known} is close to {@code given} (for a fix text), else "". */
    public static String didYouMean(String given, Collection<String> known) {
        return ConfigValues.closest(given, known).map(k -> "did you mean '" + k + "'? ").orElse("");
    }
}
