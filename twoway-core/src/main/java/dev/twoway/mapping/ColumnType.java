package dev.twoway.mapping;

import dev.twoway.model.ValueType;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * A native column's type as far as conversion needs it: its canonical value type and its limits.
 *
 * @param type       the value type the column holds
 * @param maxLength  strings: the most characters (Unicode code points) it holds, or {@code null}
 * @param min        integers: the smallest value (e.g. -32768 for SMALLINT), or {@code null}
 * @param max        integers: the largest value, or {@code null}
 * @param precision  decimals: the most significant digits, or {@code null}
 * @param scale      decimals: the most digits after the point, or {@code null}; also how a decimal is written
 *                   as text (so {@code 1.50} in a scale-2 column becomes {@code "1.50"}, not {@code "1.5"})
 * @param format     dates and timestamps held as text: a {@link DateTimeFormatter} pattern, or {@code null} for ISO-8601
 * @param zone       the zone of local date-times (a timestamp without zone, a date turned into a timestamp), or {@code null} for UTC
 * @param trueText   booleans held as text: the spelling of true (default {@code "true"})
 * @param falseText  booleans held as text: the spelling of false (default {@code "false"})
 * @param bytesText  bytes held as text: {@code base64} (default), {@code hex} or {@code utf8}
 */
public record ColumnType(ValueType type, Integer maxLength, Long min, Long max, Integer precision, Integer scale,
                         String format, ZoneId zone, String trueText, String falseText, String bytesText) {

    public ColumnType {
        Objects.requireNonNull(type, "type");
        if (format != null) DateTimeFormatter.ofPattern(format); // fails early on a bad pattern
        if (bytesText != null && !java.util.Set.of("base64", "hex", "utf8").contains(bytesText)) {
            throw new IllegalArgumentException("bytes encoding '" + bytesText + "' is not one of base64, hex, utf8");
        }
    }

    public static ColumnType of(ValueType type) {
        return new ColumnType(type, null, null, null, null, null, null, null, null, null, null);
    }

    public ColumnType withMaxLength(int n) {
        return new ColumnType(type, n, min, max, precision, scale, format, zone, trueText, falseText, bytesText);
    }

    public ColumnType withRange(long lo, long hi) {
        return new ColumnType(type, maxLength, lo, hi, precision, scale, format, zone, trueText, falseText, bytesText);
    }

    public ColumnType withDecimal(int p, int s) {
        return new ColumnType(type, maxLength, min, max, p, s, format, zone, trueText, falseText, bytesText);
    }

    public ColumnType withFormat(String pattern) {
        return new ColumnType(type, maxLength, min, max, precision, scale, pattern, zone, trueText, falseText, bytesText);
    }

    public ColumnType withZone(ZoneId z) {
        return new ColumnType(type, maxLength, min, max, precision, scale, format, z, trueText, falseText, bytesText);
    }

    public ColumnType withBooleanText(String t, String f) {
        return new ColumnType(type, maxLength, min, max, precision, scale, format, zone, t, f, bytesText);
    }

    public ColumnType withBytesText(String encoding) {
        return new ColumnType(type, maxLength, min, max, precision, scale, format, zone, trueText, falseText, encoding);
    }

    ZoneId zoneOrUtc() {
        return zone == null ? java.time.ZoneOffset.UTC : zone;
    }

    String trueSpelling() {
        return trueText == null ? "true" : trueText;
    }

    String falseSpelling() {
        return falseText == null ? "false" : falseText;
    }
}
