package dev.twoway.jdbc;

import dev.twoway.model.ValueType;

/** How twoway reads, writes and validates one SQL column: the native type family, below the canonical type. */
public enum SqlKind {
    INTEGER(ValueType.INTEGER),
    DECIMAL(ValueType.DECIMAL),
    FLOAT(ValueType.DECIMAL),
    BOOLEAN(ValueType.BOOLEAN),
    TEXT(ValueType.STRING),
    /** Fixed-length character column: PostgreSQL pads with spaces, which twoway strips on read. */
    CHAR(ValueType.STRING),
    ENUM(ValueType.STRING),
    UUID(ValueType.STRING),
    /** Time of day, kept as ISO text ({@code 13:45:00}). */
    TIME(ValueType.STRING),
    DATE(ValueType.DATE),
    /** Timestamp without zone: read and written in the connector's zone (UTC unless configured). */
    TIMESTAMP(ValueType.TIMESTAMP),
    TIMESTAMPTZ(ValueType.TIMESTAMP),
    JSON(ValueType.JSON),
    BYTES(ValueType.BYTES);

    private final ValueType canonical;

    SqlKind(ValueType canonical) {
        this.canonical = canonical;
    }

    public ValueType canonical() {
        return canonical;
    }
}
