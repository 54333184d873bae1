package dev.twoway.model;

/** The canonical types a field of a sync can have. Every connector maps its native types onto these. */
public enum ValueType {
    STRING, INTEGER, DECIMAL, BOOLEAN, DATE, TIMESTAMP, JSON, BYTES;

    /** Parses a config spelling such as {@code "timestamp"} or {@code "int"}; names the accepted spellings if wrong. */
    public static ValueType parse(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "string", "text" -> STRING;
            case "integer", "int", "long" -> INTEGER;
            case "decimal", "number", "numeric" -> DECIMAL;
            case "boolean", "bool" -> BOOLEAN;
            case "date" -> DATE;
            case "timestamp", "timestamptz", "datetime" -> TIMESTAMP;
            case "json" -> JSON;
            case "bytes", "binary" -> BYTES;
            default -> throw new IllegalArgumentException("unknown type '" + text
                    + "': use one of string, integer, decimal, boolean, date, timestamp, json, bytes");
        };
    }

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
