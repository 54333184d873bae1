package dev.twoway.mapping;

import dev.twoway.model.Value;
import dev.twoway.model.ValueType;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Converts values between canonical and native types by explicit rules that lose nothing or refuse. A value
 * that cannot be represented exactly is a {@link MappingException} naming the record, the field, the value and
 * a fix — never a truncation or a rounding.
 *
 * <table>
 *   <caption>Conversion rules (both directions unless noted)</caption>
 *   <tr><th>between</th><th>rule</th></tr>
 *   <tr><td>string ⇄ integer</td><td>decimal digits with an optional minus, in canonical form only
 *       ({@code "007"}, {@code " 7"}, {@code "7.0"} are refused: they would not come back the same)</td></tr>
 *   <tr><td>string ⇄ decimal</td><td>plain decimal notation; written with the column's scale if it has one</td></tr>
 *   <tr><td>integer ⇄ decimal</td><td>exact only: {@code 12.5} is not an integer</td></tr>
 *   <tr><td>string ⇄ boolean</td><td>the column's spellings (default {@code true}/{@code false}, case-insensitive)</td></tr>
 *   <tr><td>integer ⇄ boolean</td><td>1 and 0 only</td></tr>
 *   <tr><td>string ⇄ date / timestamp</td><td>the column's pattern, or ISO-8601; a timestamp pattern without
 *       zone is read in the column's zone (UTC by default)</td></tr>
 *   <tr><td>date ⇄ timestamp</td><td>midnight in the column's zone; a timestamp that is not a midnight is refused</td></tr>
 *   <tr><td>string ⇄ json</td><td>parse / canonical text</td></tr>
 *   <tr><td>string ⇄ bytes</td><td>base64 (default), hex, or UTF-8 (invalid UTF-8 is refused)</td></tr>
 *   <tr><td>anything → string column</td><td>at most the column's length in characters</td></tr>
 *   <tr><td>integer → integer column</td><td>inside the column's range</td></tr>
 *   <tr><td>decimal → decimal column</td><td>at most the column's scale and precision</td></tr>
 * </table>
 * Any other pair is refused. A null converts to null.
 */
public final class TypeConversion {
    private static final Pattern CANONICAL_INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
    private static final Pattern PLAIN_DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    private TypeConversion() {
    }

    /**
     * Whether values can go both ways between a canonical type and a column type at all (by the table above);
     * a config that maps a field onto a column where they cannot is refused before anything runs.
     */
    public static boolean convertible(ValueType canonical, ValueType column) {
        if (canonical == column || canonical == ValueType.STRING || column == ValueType.STRING) return true;
        return switch (canonical) {
            case INTEGER -> column == ValueType.DECIMAL || column == ValueType.BOOLEAN;
            case DECIMAL, BOOLEAN -> column == ValueType.INTEGER;
            case DATE -> column == ValueType.TIMESTAMP;
            case TIMESTAMP -> column == ValueType.DATE;
            default -> false;
        };
    }

    /** A canonical value as the native column holds it, within the column's limits. */
    public static Value toNative(Value canonical, ColumnType column, String record, String field) {
        Value v = convert(canonical, column.type(), column, record, field);
        checkLimits(v, column, record, field);
        return v;
    }

    /** A native value of {@code column} as a canonical value of type {@code to}. */
    public static Value toCanonical(Value nativeValue, ValueType to, ColumnType column, String record, String field) {
        return convert(nativeValue, to, column, record, field);
    }

    static Value convert(Value v, ValueType to, ColumnType rules, String record, String field) {
        if (v.isNull() || v.type() == to) return v;
        Fail fail = new Fail(v, to, record, field);
        return switch (v) {
            case Value.Str s -> fromString(s.value(), to, rules, fail);
            case Value.Int i -> switch (to) {
                case STRING -> Value.str(Long.toString(i.value()));
                case DECIMAL -> new Value.Dec(BigDecimal.valueOf(i.value()));
                case BOOLEAN -> i.value() == 0 || i.value() == 1 ? Value.of(i.value() == 1)
                        : fail.because("only 1 and 0 are booleans");
                default -> fail.noRule();
            };
            case Value.Dec d -> switch (to) {
                case STRING -> Value.str(rules.scale() != null ? d.value().setScale(rules.scale(), java.math.RoundingMode.UNNECESSARY).toPlainString()
                        : d.value().toPlainString());
                case INTEGER -> {
                    try {
                        yield Value.integer(d.value().longValueExact());
                    } catch (ArithmeticException e) {
                        yield fail.because("it is not a whole number in the integer range; use a decimal column or round it in the source");
                    }
                }
                default -> fail.noRule();
            };
            case Value.Bool b -> switch (to) {
                case STRING -> Value.str(b.value() ? rules.trueSpelling() : rules.falseSpelling());
                case INTEGER -> Value.integer(b.value() ? 1 : 0);
                default -> fail.noRule();
            };
            case Value.Date d -> switch (to) {
                case STRING -> Value.str(rules.format() == null ? d.value().toString() : DateTimeFormatter.ofPattern(rules.format()).format(d.value()));
                case TIMESTAMP -> new Value.Timestamp(d.value().atStartOfDay(rules.zoneOrUtc()).toInstant());
                default -> fail.noRule();
            };
            case Value.Timestamp t -> switch (to) {
                case STRING -> Value.str(rules.format() == null ? t.value().toString()
                        : DateTimeFormatter.ofPattern(rules.format()).withZone(rules.zoneOrUtc()).format(t.value()));
                case DATE -> {
                    ZonedDateTime z = t.value().atZone(rules.zoneOrUtc());
                    yield z.toLocalTime().equals(LocalTime.MIDNIGHT) ? new Value.Date(z.toLocalDate())
                            : fail.because("it is not a midnight in " + rules.zoneOrUtc() + ", so a date would lose its time of day");
                }
                default -> fail.noRule();
            };
            case Value.Json j -> to == ValueType.STRING ? Value.str(j.canonicalText()) : fail.noRule();
            case Value.Bytes b -> to == ValueType.STRING ? Value.str(bytesToText(b.value(), rules, fail)) : fail.noRule();
            case Value.Null n -> n;
        };
    }

    private static Value fromString(String s, ValueType to, ColumnType rules, Fail fail) {
        return switch (to) {
            case INTEGER -> {
                if (!CANONICAL_INTEGER.matcher(s).matches()) yield fail.because("it is not a whole number written plainly (no spaces, signs, leading zeros or decimals)");
                try {
                    yield Value.integer(Long.parseLong(s));
                } catch (NumberFormatException e) {
                    yield fail.because("it is outside the 64-bit integer range");
                }
            }
            case DECIMAL -> PLAIN_DECIMAL.matcher(s).matches() ? new Value.Dec(new BigDecimal(s))
                    : fail.because("it is not a decimal number written plainly (e.g. 1234.50)");
            case BOOLEAN -> {
                if (s.equalsIgnoreCase(rules.trueSpelling())) yield Value.of(true);
                if (s.equalsIgnoreCase(rules.falseSpelling())) yield Value.of(false);
                yield fail.because("only '" + rules.trueSpelling() + "' and '" + rules.falseSpelling() + "' are booleans here");
            }
            case DATE -> {
                try {
                    yield new Value.Date(rules.format() == null ? LocalDate.parse(s) : LocalDate.parse(s, DateTimeFormatter.ofPattern(rules.format())));
                } catch (DateTimeParseException e) {
                    yield fail.because("it is not a date in the format " + (rules.format() == null ? "YYYY-MM-DD" : rules.format()));
                }
            }
            case TIMESTAMP -> {
                try {
                    yield new Value.Timestamp(parseInstant(s, rules));
                } catch (DateTimeParseException e) {
                    yield fail.because("it is not a timestamp in the format " + (rules.format() == null ? "ISO-8601 (2026-03-01T10:00:00Z)" : rules.format()));
                }
            }
            case JSON -> {
                try {
                    yield Value.Json.parse(s);
                } catch (IllegalArgumentException e) {
                    yield fail.because(e.getMessage());
                }
            }
            case BYTES -> new Value.Bytes(textToBytes(s, rules, fail));
            default -> fail.noRule();
        };
    }

    private static Instant parseInstant(String s, ColumnType rules) {
        if (rules.format() == null) {
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                return LocalDateTime.parse(s).atZone(rules.zoneOrUtc()).toInstant();
            }
        }
        DateTimeFormatter f = DateTimeFormatter.ofPattern(rules.format());
        TemporalAccessor parsed = f.parseBest(s, ZonedDateTime::from, LocalDateTime::from);
        return parsed instanceof ZonedDateTime z ? z.toInstant() : ((LocalDateTime) parsed).atZone(rules.zoneOrUtc()).toInstant();
    }

    private static String bytesToText(byte[] b, ColumnType rules, Fail fail) {
        String enc = rules.bytesText() == null ? "base64" : rules.bytesText();
        return switch (enc) {
            case "hex" -> HexFormat.of().formatHex(b);
            case "utf8" -> {
                try {
                    yield StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
                } catch (CharacterCodingException e) {
                    fail.because("the bytes are not valid UTF-8; store them as base64 or hex instead");
                    yield null;
                }
            }
            default -> Base64.getEncoder().encodeToString(b);
        };
    }

    private static byte[] textToBytes(String s, ColumnType rules, Fail fail) {
        String enc = rules.bytesText() == null ? "base64" : rules.bytesText();
        try {
            return switch (enc) {
                case "hex" -> HexFormat.of().parseHex(s);
                case "utf8" -> s.getBytes(StandardCharsets.UTF_8);
                default -> Base64.getDecoder().decode(s);
            };
        } catch (IllegalArgumentException e) {
            fail.because("it is not valid " + enc);
            return null;
        }
    }

    /** Refuses a value the column cannot hold exactly. */
    static void checkLimits(Value v, ColumnType c, String record, String field) {
        switch (v) {
            case Value.Str s when c.maxLength() != null -> {
                int chars = s.value().codePointCount(0, s.value().length());
                if (chars > c.maxLength()) {
                    throw new MappingException(record, field, "'" + s.display() + "' is " + chars + " characters but the column holds "
                            + c.maxLength() + ": shorten it in the source or widen the column (it is never truncated)");
                }
            }
            case Value.Int i when (c.min() != null && i.value() < c.min()) || (c.max() != null && i.value() > c.max()) ->
                    throw new MappingException(record, field, i.value() + " is outside the column's range [" + c.min() + ", " + c.max()
                            + "]: use a wider integer column or correct the value in the source");
            case Value.Dec d -> {
                if (c.scale() != null && Math.max(0, d.value().scale()) > c.scale()) {
                    throw new MappingException(record, field, d.display() + " has " + d.value().scale() + " decimal places but the column keeps "
                            + c.scale() + ": it would be rounded; widen the column's scale or round the value in the source");
                }
                if (c.precision() != null && d.value().precision() - d.value().scale() > c.precision() - (c.scale() == null ? 0 : c.scale())) {
                    throw new MappingException(record, field, d.display() + " has too many digits for the column (precision "
                            + c.precision() + ", scale " + c.scale() + "): widen the column");
                }
            }
            default -> {
            }
        }
    }

    /** Builds the refusal messages for one conversion. */
    private record Fail(Value value, ValueType to, String record, String field) {
        <T> T because(String why) {
            throw new MappingException(record, field, value.type().configName() + " '" + value.display() + "' cannot become "
                    + to.configName() + ": " + why);
        }

        <T> T noRule() {
            return because("there is no lossless conversion from " + value.type().configName() + " to " + to.configName()
                    + "; map the field to a column of a compatible type or add a computed field");
        }
    }
}
