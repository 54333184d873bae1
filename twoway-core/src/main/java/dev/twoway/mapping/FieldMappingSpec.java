package dev.twoway.mapping;

import dev.twoway.model.Value;

import java.util.Map;
import java.util.Objects;

/** How one canonical field of a sync maps to an endpoint's columns; the configuration binds to these. */
public sealed interface FieldMappingSpec {

    /** The canonical field this spec produces. */
    String field();

    /**
     * The field is one column, possibly renamed and converted.
     *
     * @param valueMap     canonical value → native value, both as text (enums: {@code gold: "1"}); one-to-one;
     *                     empty for none. A value outside the map is refused unless {@code fallback} is set.
     * @param fallback     canonical text for native values outside the map, or {@code null}
     * @param defaultValue used when the native value is missing or null on read, and when the canonical value is
     *                     missing or null on write; {@code null} for none. (So a default makes a real null
     *                     indistinguishable from "not set": use it for columns that must not be null.)
     */
    record Direct(String field, String column, ColumnType columnType, Map<String, String> valueMap, String fallback,
                  Value defaultValue) implements FieldMappingSpec {
        public Direct {
            Objects.requireNonNull(field);
            Objects.requireNonNull(column);
            Objects.requireNonNull(columnType);
            valueMap = valueMap == null ? Map.of() : Map.copyOf(valueMap);
        }

        public static Direct of(String field, String column, ColumnType type) {
            return new Direct(field, column, type, Map.of(), null, null);
        }
    }

    /**
     * The field is computed from several columns, and each column from the canonical record, by expressions:
     * {@code fromNative} over {@code row} (e.g. {@code row.first + ' ' + row.last}), and per column an expression
     * over {@code record} (e.g. {@code first: record.full_name.split(' ')[0]}). A value whose columns do not
     * give the same value back is refused, so nothing is lost silently.
     */
    record Computed(String field, String fromNative, Map<String, String> toNative, Map<String, ColumnType> columnTypes)
            implements FieldMappingSpec {
        public Computed {
            Objects.requireNonNull(field);
            Objects.requireNonNull(fromNative);
            toNative = Map.copyOf(toNative);
            columnTypes = Map.copyOf(columnTypes);
        }
    }
}
