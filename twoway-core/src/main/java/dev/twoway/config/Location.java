package dev.twoway.config;

import java.nio.file.Path;

/** Where a value stands in a config file; lines and columns count from 1. */
public record Location(Path file, int line, int column) {

    public static Location unknown(Path file) {
        return new Location(file, 0, 0);
    }

    @Override
    public String toString() {
        String f = file == null ? "<config>" : file.toString();
        return line <= 0 ? f : f + ":" + line + ":" + column;
    }
}
