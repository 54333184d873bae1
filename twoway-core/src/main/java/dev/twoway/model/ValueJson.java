package dev.twoway.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The lossless JSON form of values and rows, used by state stores and audit entries. Each value is tagged
 * with its type so that a decimal stays a decimal and bytes stay bytes: {@code {"t":"dec","v":"12.50"}}.
 */
public final class ValueJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ValueJson() {
    }

    public static JsonNode encode(Value value) {
        ObjectNode n = NODES.objectNode();
        switch (value) {
            case Value.Null x -> n.put("t", "null");
            case Value.Str s -> n.put("t", "str").put("v", s.value());
            case Value.Int i -> n.put("t", "int").put("v", i.value());
            case Value.Dec d -> n.put("t", "dec").put("v", d.value().toPlainString());
            case Value.Bool b -> n.put("t", "bool").put("v", b.value());
            case Value.Date d -> n.put("t", "date").put("v", d.value().toString());
            case Value.Timestamp t -> n.put("t", "ts").put("v", t.value().toString());
            case Value.Json j -> n.put("t", "json").put("v", j.canonicalText());
            case Value.Bytes b -> n.put("t", "bytes").put("v", b.base64());
        }
        return n;
    }

    public static Value decode(JsonNode n) {
        String t = n.path("t").asText();
        JsonNode v = n.path("v");
        return switch (t) {
            case "null" -> Value.NULL;
            case "str" -> new Value.Str(v.asText());
            case "int" -> new Value.Int(v.asLong());
            case "dec" -> new Value.Dec(new BigDecimal(v.asText()));
            case "bool" -> new Value.Bool(v.asBoolean());
            case "date" -> new Value.Date(LocalDate.parse(v.asText()));
            case "ts" -> new Value.Timestamp(Instant.parse(v.asText()));
            case "json" -> new Value.Json(v.asText());
            case "bytes" -> new Value.Bytes(Base64.getDecoder().decode(v.asText()));
            default -> throw new IllegalArgumentException("unknown value tag '" + t + "' in stored state");
        };
    }

    public static ObjectNode encode(Row row) {
        ObjectNode n = NODES.objectNode();
        row.asMap().forEach((k, v) -> n.set(k, encode(v)));
        return n;
    }

    public static Row decodeRow(JsonNode n) {
        Map<String, Value> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            m.put(e.getKey(), decode(e.getValue()));
        }
        return Row.of(m);
    }
}
