package dev.twoway.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One typed canonical value. Values are immutable and compare by meaning, not by representation:
 * {@code 1.0} equals {@code 1.00}, and two JSON documents with the same members in another order are equal.
 * That matters for echo suppression: a value written by the engine and read back must equal the value
 * written, whatever the target did with scale or key order.
 */
public sealed interface Value {

    Null NULL = new Null();

    /** The canonical type, or {@code null} for {@link Null} (a null fits every type). */
    ValueType type();

    /** A short human-readable rendering for audit entries and error messages (bytes as hex, truncated). */
    String display();

    static Value of(Object plain) {
        return switch (plain) {
            case null -> NULL;
            case Value v -> v;
            case String s -> new Str(s);
            case Integer i -> new Int(i);
            case Long l -> new Int(l);
            case Short s -> new Int(s);
            case Byte b -> new Int(b);
            case BigDecimal d -> new Dec(d);
            case Double d -> new Dec(BigDecimal.valueOf(d));
            case Boolean b -> new Bool(b);
            case LocalDate d -> new Date(d);
            case Instant t -> new Timestamp(t);
            case byte[] b -> new Bytes(b);
            case JsonNode n -> Json.of(n);
            default -> throw new IllegalArgumentException("no canonical value for " + plain.getClass().getName());
        };
    }

    static Str str(String s) {
        return new Str(s);
    }

    static Int integer(long v) {
        return new Int(v);
    }

    default boolean isNull() {
        return this instanceof Null;
    }

    record Null() implements Value {
        public ValueType type() {
            return null;
        }

        public String display() {
            return "null";
        }
    }

    record Str(String value) implements Value {
        public Str {
            Objects.requireNonNull(value, "use Value.NULL for a missing string");
        }

        public ValueType type() {
            return ValueType.STRING;
        }

        public String display() {
            return value.length() <= 200 ? value : value.substring(0, 200) + "…(" + value.length() + " chars)";
        }
    }

    record Int(long value) implements Value {
        public ValueType type() {
            return ValueType.INTEGER;
        }

        public String display() {
            return Long.toString(value);
        }
    }

    /** A decimal number, normalized (no trailing zeros) so that equality ignores scale. */
    record Dec(BigDecimal value) implements Value {
        public Dec {
            Objects.requireNonNull(value, "use Value.NULL for a missing decimal");
            value = value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
        }

        public ValueType type() {
            return ValueType.DECIMAL;
        }

        public String display() {
            return value.toPlainString();
        }
    }

    record Bool(boolean value) implements Value {
        public ValueType type() {
            return ValueType.BOOLEAN;
        }

        public String display() {
            return Boolean.toString(value);
        }
    }

    record Date(LocalDate value) implements Value {
        public Date {
            Objects.requireNonNull(value);
        }

        public ValueType type() {
            return ValueType.DATE;
        }

        public String display() {
            return value.toString();
        }
    }

    /** An instant on the time line (a timestamp with zone, normalized to UTC), microsecond precision or finer. */
    record Timestamp(Instant value) implements Value {
        public Timestamp {
            Objects.requireNonNull(value);
        }

        public ValueType type() {
            return ValueType.TIMESTAMP;
        }

        public String display() {
            return value.toString();
        }
    }

    /** A JSON document held in canonical text: object members sorted, no insignificant whitespace. */
    record Json(String canonicalText) implements Value {
        private static final ObjectMapper CANONICAL = JsonMapper.builder()
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build();

        public Json {
            Objects.requireNonNull(canonicalText);
        }

        /** Parses and canonicalizes JSON text; throws {@link IllegalArgumentException} naming the parse error. */
        public static Json parse(String text) {
            try {
                return of(CANONICAL.readTree(text));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
            }
        }

        public static Json of(JsonNode node) {
            try {
                Object plain = CANONICAL.treeToValue(node, Object.class);
                return new Json(CANONICAL.writeValueAsString(plain));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
            }
        }

        public JsonNode tree() {
            try {
                return CANONICAL.readTree(canonicalText);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("canonical JSON no longer parses", e);
            }
        }

        public ValueType type() {
            return ValueType.JSON;
        }

        public String display() {
            return canonicalText.length() <= 200 ? canonicalText : canonicalText.substring(0, 200) + "…";
        }
    }

    /** Binary data; the array is copied in and out so the value stays immutable. */
    record Bytes(byte[] value) implements Value {
        public Bytes {
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        public String base64() {
            return Base64.getEncoder().encodeToString(value);
        }

        public int length() {
            return value.length;
        }

        public ValueType type() {
            return ValueType.BYTES;
        }

        public String display() {
            String hex = HexFormat.of().formatHex(value, 0, Math.min(value.length, 32));
            return "0x" + hex + (value.length > 32 ? "…(" + value.length + " bytes)" : "");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes other && Arrays.equals(value, other.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Bytes[" + display() + "]";
        }
    }
}
