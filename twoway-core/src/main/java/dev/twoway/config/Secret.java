package dev.twoway.config;

import java.util.Objects;

/** A password or token from the config. Its {@link #toString()} never shows it, so it cannot reach a log by accident. */
public record Secret(String value) {
    public Secret {
        Objects.requireNonNull(value);
    }

    /** Only for the code that hands it to a driver. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "***";
    }
}
