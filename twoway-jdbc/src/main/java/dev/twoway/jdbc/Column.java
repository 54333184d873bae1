package dev.twoway.jdbc;

import dev.twoway.mapping.ColumnType;

import java.util.List;
import java.util.Objects;

/**
 * One column of a table as introspected.
 *
 * @param name          the column's name exactly as the database spells it
 * @param typeName      the database's own type name, e.g. {@code varchar}, {@code timestamptz}, {@code enum('a','b')}
 * @param kind          how twoway reads and writes it
 * @param maxLength     text: most characters; bytes: most bytes; else {@code null}
 * @param min           integers: smallest value; else {@code null}
 * @param max           integers: largest value; else {@code null}
 * @param precision     decimals: most significant digits; else {@code null}
 * @param scale         decimals: digits after the point; else {@code null}
 * @param fractionDigits timestamps and times: digits of fractional seconds kept (0 = whole seconds); else {@code null}
 * @param enumValues    enums: the allowed labels; else empty
 * @param nullable      whether NULL is allowed
 * @param generated     the database fills it (identity, auto_increment, serial): inserts may leave it out
 */
public record Column(String name, String typeName, SqlKind kind, Integer maxLength, Long min, Long max,
                     Integer precision, Integer scale, Integer fractionDigits, List<String> enumValues,
                     boolean nullable, boolean generated) {

    public Column {
        Objects.requireNonNull(name);
        Objects.requireNonNull(kind);
        enumValues = List.copyOf(enumValues);
    }

    /** The column type the field mapping needs to convert canonical values into this column. */
    public ColumnType columnType() {
        ColumnType t = ColumnType.of(kind.canonical());
        if (maxLength != null && kind.canonical() == dev.twoway.model.ValueType.STRING) t = t.withMaxLength(maxLength);
        if (min != null && max != null) t = t.withRange(min, max);
        if (kind == SqlKind.DECIMAL && precision != null && scale != null) t = t.withDecimal(precision, scale);
        return t;
    }

    @Override
    public String toString() {
        return name + " " + typeName;
    }
}
