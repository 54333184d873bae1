package dev.twoway.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
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

    /** Writes {@code row} in the same form as {@link #encode(Row)}, straight to a generator (no tree). */
    public static void write(JsonGenerator g, Row row) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Value> e : row.asMap().entrySet()) {
            g.writeObjectFieldStart(e.getKey());
            switch (e.getValue()) {
                case Value.Null x -> g.writeStringField("t", "null");
                case Value.Str s -> tagged(g, "str").writeStringField("v", s.value());
                case Value.Int i -> tagged(g, "int").writeNumberField("v", i.value());
                case Value.Dec d -> tagged(g, "dec").writeStringField("v", d.value().toPlainString());
                case Value.Bool b -> tagged(g, "bool").writeBooleanField("v", b.value());
                case Value.Date d -> tagged(g, "date").writeStringField("v", d.value().toString());
                case Value.Timestamp t -> tagged(g, "ts").writeStringField("v", t.value().toString());
                case Value.Json j -> tagged(g, "json").writeStringField("v", j.canonicalText());
                case Value.Bytes b -> tagged(g, "bytes").writeStringField("v", b.base64());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static JsonGenerator tagged(JsonGenerator g, String tag) throws IOException {
        g.writeStringField("t", tag);
        return g;
    }

    /**
     * Reads a row written by {@link #write} or {@link #encode(Row)}; the parser stands on the row's
     * {@code START_OBJECT} and is left on its {@code END_OBJECT}. A value's members may come in any order.
     */
    public static Row readRow(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw new JsonParseException(p, "expected a row (an object), found " + p.currentToken());
        Map<String, Value> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (p.nextToken() != JsonToken.START_OBJECT) throw new JsonParseException(p, "field '" + field + "': expected a tagged value");
            String tag = null;
            String text = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("t")) tag = p.getText();
                else if (name.equals("v")) text = t.isScalarValue() ? p.getText() : skip(p);
                else p.skipChildren();
            }
            m.put(field, fromText(tag, text));
        }
        return Row.of(m);
    }

    private static String skip(JsonParser p) throws IOException {
        p.skipChildren();
        return "";
    }

    /** The value of a tag and its text, as {@link #write} writes them ({@code "dec"} and {@code "12.50"}). */
    public static Value fromTagged(String tag, String text) {
        return fromText(tag, text);
    }

    /** The value of a tag and the text of its {@code v} (a number or boolean as its JSON text). */
    private static Value fromText(String t, String v) {
        String text = v == null ? "" : v;
        return switch (t == null ? "" : t) {
            case "null" -> Value.NULL;
            case "str" -> new Value.Str(text);
            case "int" -> new Value.Int(text.isEmpty() ? 0 : Long.parseLong(text));
            case "dec" -> new Value.Dec(new BigDecimal(text));
            case "bool" -> new Value.Bool(Boolean.parseBoolean(text));
            case "date" -> new Value.Date(LocalDate.parse(text));
            case "ts" -> new Value.Timestamp(instant(text));
            case "json" -> new Value.Json(text);
            case "bytes" -> new Value.Bytes(Base64.getDecoder().decode(text));
            default -> throw new IllegalArgumentException("unknown value tag '" + t + "' in stored state");
        };
    }

    /**
     * {@link Instant#parse}, with a fast path for the form {@link Instant#toString} writes for years 0000–9999
     * ({@code 2024-01-01T00:00:01.234567Z}): a stored state holds a timestamp per timestamp column, and the
     * formatter-based parse was the largest single cost of reading one back (docs/performance.md).
     */
    static Instant instant(String text) {
        int n = text.length();
        if (n < 20 || n > 30 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
                || text.charAt(16) != ':' || text.charAt(n - 1) != 'Z') {
            return Instant.parse(text);
        }
        int year = digits(text, 0, 4), month = digits(text, 5, 7), day = digits(text, 8, 10);
        int hour = digits(text, 11, 13), minute = digits(text, 14, 16), second = digits(text, 17, 19);
        int nanos = 0;
        if (n > 20) {
            if (text.charAt(19) != '.' || n == 21) return Instant.parse(text);
            int fraction = digits(text, 20, n - 1);
            if (fraction < 0) return Instant.parse(text);
            for (int i = n - 1 - 20; i < 9; i++) fraction *= 10;
            nanos = fraction;
        } else if (text.charAt(19) != 'Z') {
            return Instant.parse(text);
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 28 && day > java.time.YearMonth.of(year, month).lengthOfMonth()
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return Instant.parse(text); // out of range: let the real parser say what is wrong
        }
        long days = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal number in {@code text[from, to)}, or -1 if a character is not a digit. */
    private static int digits(String text, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
