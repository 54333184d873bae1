package dev.twoway.merge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.twoway.clock.HlcTimestamp;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Serializes a {@link RecordState} to compact JSON text, so any state store can keep it in one column.
 *
 * <p>Layout (format 2, written since store schema V4):
 * {@code {"b":{"v":{..},"vs":[["hlc","origin","f1","f2",..],..],"del":["hlc","origin"]},
 * "s":{"endpoint":{"k":..,"st":..,"v":{..},"c":n,"p":{..}}},"h":[..]}}. Values are written as plain JSON where
 * that is unambiguous (a text as a string, an integer as a number, a boolean, null) and as {@code ["tag","text"]}
 * otherwise ({@code dec}, {@code date}, {@code ts}, {@code json}, {@code bytes}, the tags of {@link ValueJson}); the
 * base's field versions are grouped, one entry per distinct version with the fields it covers (after an initial sync
 * every field has the same one). A shadow's {@code v} or {@code p} equal to the base's values (the usual case once a
 * record is in sync) is written as the string {@code "base"} instead of another copy. A synced record of 15 columns
 * takes about 500 bytes instead of the 1,300 of format 1, which matters twice: every record is written several
 * times per sync, and SQLite keeps a row over ~1,000 bytes of a {@code WITHOUT ROWID} table on an overflow page of
 * its own, so format 1 cost two 4 KiB pages per save (docs/performance.md).
 *
 * <p>Format 1 ({@code {"base":{"values":{..},"versions":{"f":["hlc","origin"]},"deletedBy":[..]},
 * "shadows":{"endpoint":{"key":..,"status":..,"values":{..},"confirmed":n,"pending":{..}}},"held":[..]}}, values
 * as {@link ValueJson}) is still read: stores written before keep working, and a record is rewritten in format 2
 * the next time it is saved. Written and read with Jackson's streaming API, not a tree: the engine encodes and
 * decodes a state several times per record synced. Readers accept the members in any order and skip unknown ones.
 */
public final class RecordStateCodec {
    private static final JsonFactory JSON = new JsonFactory();
    /** Written for a shadow's values that equal the base's values. */
    private static final String SAME_AS_BASE = "base";
    /** Stands for {@link #SAME_AS_BASE} while a state is read; replaced by the base's values once it is read. */
    private static final Row BASE_REF = Row.of(Map.of("\u0000base", Value.NULL));

    private RecordStateCodec() {
    }

    public static String encode(RecordState s) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (s.base() != null) writeBase(g, s.base());
            g.writeObjectFieldStart("s");
            Row base = s.base() == null ? null : s.base().values();
            for (Map.Entry<String, Shadow> e : s.shadows().entrySet()) writeShadow(g, e.getKey(), e.getValue(), base);
            g.writeEndObject();
            if (!s.held().isEmpty()) {
                g.writeArrayFieldStart("h");
                for (String h : s.held()) g.writeString(h);
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void writeBase(JsonGenerator g, Base base) throws IOException {
        g.writeObjectFieldStart("b");
        g.writeFieldName("v");
        writeCompactRow(g, base.values());
        Map<FieldVersion, List<String>> groups = new LinkedHashMap<>();
        for (Map.Entry<String, FieldVersion> v : base.versions().entrySet()) {
            groups.computeIfAbsent(v.getValue(), k -> new ArrayList<>()).add(v.getKey());
        }
        g.writeArrayFieldStart("vs");
        for (Map.Entry<FieldVersion, List<String>> group : groups.entrySet()) {
            g.writeStartArray();
            g.writeString(group.getKey().time().encode());
            g.writeString(group.getKey().origin());
            for (String field : group.getValue()) g.writeString(field);
            g.writeEndArray();
        }
        g.writeEndArray();
        if (base.deleted()) {
            g.writeFieldName("del");
            writeVersion(g, base.deletedBy());
        }
        g.writeEndObject();
    }

    private static void writeShadow(JsonGenerator g, String endpoint, Shadow sh, Row base) throws IOException {
        g.writeObjectFieldStart(endpoint);
        if (sh.key() != null) g.writeStringField("k", sh.key().value());
        g.writeStringField("st", sh.status().name());
        if (sh.holdsRow()) writeRow(g, "v", sh.values(), base);
        g.writeNumberField("c", sh.confirmedSeq());
        if (sh.pending() != null) writeRow(g, "p", sh.pending(), base);
        g.writeEndObject();
    }

    private static void writeRow(JsonGenerator g, String name, Row row, Row base) throws IOException {
        if (row.equals(base)) {
            g.writeStringField(name, SAME_AS_BASE);
        } else {
            g.writeFieldName(name);
            writeCompactRow(g, row);
        }
    }

    private static void writeCompactRow(JsonGenerator g, Row row) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Value> e : row.asMap().entrySet()) {
            g.writeFieldName(e.getKey());
            switch (e.getValue()) {
                case Value.Null x -> g.writeNull();
                case Value.Str v -> g.writeString(v.value());
                case Value.Int v -> g.writeNumber(v.value());
                case Value.Bool v -> g.writeBoolean(v.value());
                case Value.Dec v -> tagged(g, "dec", v.value().toPlainString());
                case Value.Date v -> tagged(g, "date", v.value().toString());
                case Value.Timestamp v -> tagged(g, "ts", v.value().toString());
                case Value.Json v -> tagged(g, "json", v.canonicalText());
                case Value.Bytes v -> tagged(g, "bytes", v.base64());
            }
        }
        g.writeEndObject();
    }

    private static void tagged(JsonGenerator g, String tag, String text) throws IOException {
        g.writeStartArray();
        g.writeString(tag);
        g.writeString(text);
        g.writeEndArray();
    }

    private static void writeVersion(JsonGenerator g, FieldVersion v) throws IOException {
        g.writeStartArray();
        g.writeString(v.time().encode());
        g.writeString(v.origin());
        g.writeEndArray();
    }

    public static RecordState decode(RecordId id, String text) {
        try (JsonParser p = JSON.createParser(text)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            Base base = null;
            Map<String, Shadow> shadows = new HashMap<>();
            Set<String> held = new TreeSet<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "b" -> base = readBase(p, true);
                    case "s" -> readShadows(p, shadows, true);
                    case "base" -> base = readBase(p, false);
                    case "shadows" -> readShadows(p, shadows, false);
                    case "h", "held" -> {
                        expect(p, t, JsonToken.START_ARRAY);
                        while (p.nextToken() != JsonToken.END_ARRAY) held.add(p.getText());
                    }
                    default -> p.skipChildren();
                }
            }
            return new RecordState(id, base, baseFilledIn(id, shadows, base), held);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored state of record " + id + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String does not fail
        }
    }

    /** @param compact format 2 (short member names, compact values, grouped versions), else format 1 */
    private static Base readBase(JsonParser p, boolean compact) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT);
        Row values = Row.empty();
        Map<String, FieldVersion> versions = new HashMap<>();
        FieldVersion deletedBy = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (compact ? "2" + name : name) {
                case "2v" -> values = readCompactRow(p);
                case "values" -> values = ValueJson.readRow(p);
                case "2vs" -> {
                    expect(p, p.currentToken(), JsonToken.START_ARRAY);
                    while (p.nextToken() == JsonToken.START_ARRAY) {
                        p.nextToken();
                        String time = p.getValueAsString();
                        p.nextToken();
                        FieldVersion v = new FieldVersion(HlcTimestamp.decode(time), p.getValueAsString());
                        while (p.nextToken() == JsonToken.VALUE_STRING) versions.put(p.getText(), v);
                        expect(p, p.currentToken(), JsonToken.END_ARRAY);
                    }
                    expect(p, p.currentToken(), JsonToken.END_ARRAY);
                }
                case "versions" -> {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        p.nextToken();
                        versions.put(field, readVersion(p));
                    }
                }
                case "2del", "deletedBy" -> deletedBy = readVersion(p);
                default -> p.skipChildren();
            }
        }
        return new Base(values, versions, deletedBy != null, deletedBy);
    }

    private static void readShadows(JsonParser p, Map<String, Shadow> shadows, boolean compact) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String endpoint = p.currentName();
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            NativeKey key = null;
            Shadow.Status status = null;
            Row values = null;
            Row pending = null;
            long confirmed = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (compact ? "2" + name : name) {
                    case "2k", "key" -> key = t == JsonToken.VALUE_NULL ? null : new NativeKey(p.getValueAsString());
                    case "2st", "status" -> status = Shadow.Status.valueOf(p.getValueAsString());
                    case "2v", "values" -> values = readRowOrRef(p, compact);
                    case "2c", "confirmed" -> confirmed = p.getValueAsLong();
                    case "2p", "pending" -> pending = readRowOrRef(p, compact);
                    default -> p.skipChildren();
                }
            }
            if (status == null) throw new IllegalStateException("stored shadow of endpoint " + endpoint + " has no status");
            shadows.put(endpoint, new Shadow(key, status, values, confirmed, pending));
        }
    }

    private static Row readRowOrRef(JsonParser p, boolean compact) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING && SAME_AS_BASE.equals(p.getText())) return BASE_REF;
        return compact ? readCompactRow(p) : ValueJson.readRow(p);
    }

    /** Reads a row written by {@link #writeCompactRow}; the parser stands on its START_OBJECT, left on its END_OBJECT. */
    private static Row readCompactRow(JsonParser p) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT);
        java.util.TreeMap<String, Value> m = new java.util.TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            Value v = switch (t) {
                case VALUE_NULL -> Value.NULL;
                case VALUE_STRING -> new Value.Str(p.getText());
                case VALUE_NUMBER_INT -> new Value.Int(p.getLongValue());
                case VALUE_TRUE -> new Value.Bool(true);
                case VALUE_FALSE -> new Value.Bool(false);
                case START_ARRAY -> {
                    p.nextToken();
                    String tag = p.getValueAsString();
                    p.nextToken();
                    String text = p.getValueAsString();
                    expect(p, p.nextToken(), JsonToken.END_ARRAY);
                    yield ValueJson.fromTagged(tag, text);
                }
                default -> throw new com.fasterxml.jackson.core.JsonParseException(p, "field '" + field + "': unexpected " + t);
            };
            m.put(field, v);
        }
        return Row.of(m);
    }

    /** Replaces the stand-ins for "same as the base" (the base may come after the shadows in the text). */
    private static Map<String, Shadow> baseFilledIn(RecordId id, Map<String, Shadow> shadows, Base base) {
        Map<String, Shadow> out = new HashMap<>(shadows);
        for (Map.Entry<String, Shadow> e : shadows.entrySet()) {
            Shadow sh = e.getValue();
            if (sh.values() != BASE_REF && sh.pending() != BASE_REF) continue;
            if (base == null) {
                throw new IllegalStateException("stored state of record " + id + ": the shadow of " + e.getKey()
                        + " refers to the base's values, but the state has no base");
            }
            out.put(e.getKey(), new Shadow(sh.key(), sh.status(), sh.values() == BASE_REF ? base.values() : sh.values(),
                    sh.confirmedSeq(), sh.pending() == BASE_REF ? base.values() : sh.pending()));
        }
        return out;
    }

    private static FieldVersion readVersion(JsonParser p) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_ARRAY);
        p.nextToken();
        String time = p.getValueAsString();
        p.nextToken();
        String origin = p.getValueAsString();
        expect(p, p.nextToken(), JsonToken.END_ARRAY);
        return new FieldVersion(HlcTimestamp.decode(time), origin);
    }

    private static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws JsonProcessingException {
        if (actual != expected) {
            throw new com.fasterxml.jackson.core.JsonParseException(p, "expected " + expected + " but found " + actual);
        }
    }
}
