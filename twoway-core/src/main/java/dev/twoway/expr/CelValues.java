package dev.twoway.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.NullValue;
import com.google.protobuf.Timestamp;
import dev.twoway.model.Row;
import dev.twoway.model.Value;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Canonical values to CEL values and back. CEL has no decimal and no date type:
 * <ul>
 *   <li>a decimal is a CEL {@code double} inside expressions (comparisons and arithmetic are approximate beyond
 *       15–17 significant digits); a result converts back to a decimal only as the shortest decimal that
 *       reads as that double, e.g. {@code 0.1 + 0.2} gives {@code 0.30000000000000004};</li>
 *   <li>a date is an ISO string {@code 'YYYY-MM-DD'} (ISO strings compare in date order);</li>
 *   <li>a timestamp is a CEL {@code timestamp}; JSON is a CEL map or list; bytes are CEL {@code bytes}.</li>
 * </ul>
 */
final class CelValues {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CelValues() {
    }

    static Object toCel(Value v) {
        return switch (v) {
            case Value.Null n -> NullValue.NULL_VALUE;
            case Value.Str s -> s.value();
            case Value.Int i -> i.value();
            case Value.Dec d -> d.value().doubleValue();
            case Value.Bool b -> b.value();
            case Value.Date d -> d.value().toString();
            case Value.Timestamp t -> t.value();
            case Value.Json j -> fromJson(j.tree());
            case Value.Bytes b -> dev.cel.common.values.CelByteString.of(b.value());
        };
    }

    static Map<String, Object> toCel(Row row) {
        Map<String, Object> m = new HashMap<>();
        row.asMap().forEach((k, v) -> m.put(k, toCel(v)));
        return m;
    }

    private static Object fromJson(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                m.put(e.getKey(), fromJson(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(fromJson(x)));
            return l;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) return n.asLong();
        if (n.isNumber()) return n.asDouble();
        if (n.isBoolean()) return n.asBoolean();
        if (n.isNull()) return NullValue.NULL_VALUE;
        return n.asText();
    }

    /** A CEL result as a canonical value, without any conversion to a target type yet. */
    static Value fromCel(Object o) {
        return switch (o) {
            case null -> Value.NULL;
            case NullValue n -> Value.NULL;
            case String s -> Value.str(s);
            case Long l -> Value.integer(l);
            case Integer i -> Value.integer(i);
            case Double d -> new Value.Dec(new BigDecimal(Double.toString(d)));
            case Boolean b -> Value.of(b);
            case Instant t -> new Value.Timestamp(t);
            case Timestamp t -> new Value.Timestamp(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
            case ByteString b -> new Value.Bytes(b.toByteArray());
            case dev.cel.common.values.CelByteString b -> new Value.Bytes(b.toByteArray());
            case dev.cel.common.values.NullValue n -> Value.NULL;
            case Map<?, ?> m -> Value.Json.of(JSON.valueToTree(plain(m)));
            case List<?> l -> Value.Json.of(JSON.valueToTree(plain(l)));
            default -> throw new ExpressionException("an expression gave a " + o.getClass().getSimpleName() + ", which has no canonical value");
        };
    }

    private static Object plain(Object o) {
        return switch (o) {
            case NullValue n -> null;
            case Map<?, ?> m -> {
                Map<String, Object> out = new HashMap<>();
                m.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
                yield out;
            }
            case List<?> l -> l.stream().map(CelValues::plain).toList();
            case Timestamp t -> Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
            case Instant t -> t.toString();
            case dev.cel.common.values.NullValue n -> null;
            case ByteString b -> java.util.Base64.getEncoder().encodeToString(b.toByteArray());
            default -> o;
        };
    }
}
