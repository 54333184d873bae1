package dev.twoway.server;

import java.util.Locale;
import java.util.Optional;

/** What a caller may do. Each role includes the ones before it. */
public enum Role {
    /** Read status, conflicts, dead letters, records and the audit trail. */
    VIEWER,
    /** Also resolve conflicts, retry dead letters, pause and resume syncs. */
    OPERATOR,
    /** Also manage API keys and configuration. */
    ADMIN;

    public boolean includes(Role other) {
        return compareTo(other) >= 0;
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> parse(String text) {
        for (Role r : values()) if (r.configName().equalsIgnoreCase(text == null ? "" : text.trim())) return Optional.of(r);
        return Optional.empty();
    }
}
