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
import dev.twoway.model.ValueJson;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Serializes a {@link RecordState} to compact JSON text, so any state store can keep it in one column.
 *
 * <p>Layout: {@code {"base":{"values":{..},"versions":{"f":["hlc","origin"]},"deletedBy":[..]},
 * "shadows":{"endpoint":{"key":..,"status":..,"values":{..},"confirmed":n,"pending":{..}}},"held":[..]}};
 * values as {@link ValueJson}. A shadow's {@code values} or {@code pending} equal to the base's values (the usual case
 * once a record is in sync) is written as the string {@code "base"} instead of another copy: a synced state then
 * holds its values once, which is less to encode, decode and write to the store for every record. Written and read with Jackson's streaming API, not a tree: the engine encodes and
 * decodes a state several times per record synced, and building the tree was most of the CPU time of an
 * initial sync (docs/performance.md). Readers accept the members in any order and skip unknown ones.
 */
public final class RecordStateCodec {
    private static final JsonFactory JSON = new JsonFactory();
    /** Written for a shadow's values that equal the base's values. */
    private static final String SAME_AS_BASE = "base";
    /** Stands for {@link #SAME_AS_BASE} while a state is read; replaced by the base's values once it is read. */
    private static final Row BASE_REF = Row.of(Map.of("\u0000base", dev.twoway.model.Value.NULL));

    private RecordStateCodec() {
    }

    public static String encode(RecordState s) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (s.base() != null) writeBase(g, s.base());
            g.writeObjectFieldStart("shadows");
            Row base = s.base() == null ? null : s.base().values();
            for (Map.Entry<String, Shadow> e : s.shadows().entrySet()) writeShadow(g, e.getKey(), e.getValue(), base);
            g.writeEndObject();
            if (!s.held().isEmpty()) {
                g.writeArrayFieldStart("held");
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
        g.writeObjectFieldStart("base");
        g.writeFieldName("values");
        ValueJson.write(g, base.values());
        g.writeObjectFieldStart("versions");
        for (Map.Entry<String, FieldVersion> v : base.versions().entrySet()) {
            g.writeFieldName(v.getKey());
            writeVersion(g, v.getValue());
        }
        g.writeEndObject();
        if (base.deleted()) {
            g.writeFieldName("deletedBy");
            writeVersion(g, base.deletedBy());
        }
        g.writeEndObject();
    }

    private static void writeShadow(JsonGenerator g, String endpoint, Shadow sh, Row base) throws IOException {
        g.writeObjectFieldStart(endpoint);
        if (sh.key() != null) g.writeStringField("key", sh.key().value());
        g.writeStringField("status", sh.status().name());
        if (sh.holdsRow()) writeRow(g, "values", sh.values(), base);
        g.writeNumberField("confirmed", sh.confirmedSeq());
        if (sh.pending() != null) writeRow(g, "pending", sh.pending(), base);
        g.writeEndObject();
    }

    private static void writeRow(JsonGenerator g, String name, Row row, Row base) throws IOException {
        if (row.equals(base)) {
            g.writeStringField(name, SAME_AS_BASE);
        } else {
            g.writeFieldName(name);
            ValueJson.write(g, row);
        }
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
                    case "base" -> base = readBase(p);
                    case "shadows" -> readShadows(p, shadows);
                    case "held" -> {
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

    private static Base readBase(JsonParser p) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT);
        Row values = Row.of(Map.of());
        Map<String, FieldVersion> versions = new HashMap<>();
        FieldVersion deletedBy = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "values" -> values = ValueJson.readRow(p);
                case "versions" -> {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        p.nextToken();
                        versions.put(field, readVersion(p));
                    }
                }
                case "deletedBy" -> deletedBy = readVersion(p);
                default -> p.skipChildren();
            }
        }
        return new Base(values, versions, deletedBy != null, deletedBy);
    }

    private static void readShadows(JsonParser p, Map<String, Shadow> shadows) throws IOException {
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
                switch (name) {
                    case "key" -> key = t == JsonToken.VALUE_NULL ? null : new NativeKey(p.getValueAsString());
                    case "status" -> status = Shadow.Status.valueOf(p.getValueAsString());
                    case "values" -> values = readRowOrRef(p);
                    case "confirmed" -> confirmed = p.getValueAsLong();
                    case "pending" -> pending = readRowOrRef(p);
                    default -> p.skipChildren();
                }
            }
            if (status == null) throw new IllegalStateException("stored shadow of endpoint " + endpoint + " has no status");
            shadows.put(endpoint, new Shadow(key, status, values, confirmed, pending));
        }
    }

    private static Row readRowOrRef(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING && SAME_AS_BASE.equals(p.getText())) return BASE_REF;
        return ValueJson.readRow(p);
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
