package dev.twoway.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.clock.HlcTimestamp;
import dev.twoway.merge.Base;
import dev.twoway.merge.FieldVersion;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.ValueJson;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The record state codec as it was before docs/performance.md's profiling (a Jackson tree, every shadow's values
 * written in full), kept only so that {@link MappingBenchmark} measures the old and the new codec in the same run.
 */
final class TreeRecordStateCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TreeRecordStateCodec() {
    }

    public static String encode(RecordState s) {
        ObjectNode root = JSON.createObjectNode();
        if (s.base() != null) {
            ObjectNode b = root.putObject("base");
            b.set("values", ValueJson.encode(s.base().values()));
            ObjectNode versions = b.putObject("versions");
            s.base().versions().forEach((f, v) -> versions.set(f, encodeVersion(v)));
            if (s.base().deleted()) b.set("deletedBy", encodeVersion(s.base().deletedBy()));
        }
        ObjectNode shadows = root.putObject("shadows");
        s.shadows().forEach((e, sh) -> {
            ObjectNode n = shadows.putObject(e);
            if (sh.key() != null) n.put("key", sh.key().value());
            n.put("status", sh.status().name());
            if (sh.holdsRow()) n.set("values", ValueJson.encode(sh.values()));
            n.put("confirmed", sh.confirmedSeq());
            if (sh.pending() != null) n.set("pending", ValueJson.encode(sh.pending()));
        });
        if (!s.held().isEmpty()) {
            ArrayNode held = root.putArray("held");
            s.held().forEach(held::add);
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RecordState decode(RecordId id, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored state of record " + id + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        Base base = null;
        JsonNode b = root.get("base");
        if (b != null) {
            Map<String, FieldVersion> versions = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = b.path("versions").fields(); it.hasNext(); ) {
                var e = it.next();
                versions.put(e.getKey(), decodeVersion(e.getValue()));
            }
            JsonNode del = b.get("deletedBy");
            base = new Base(ValueJson.decodeRow(b.path("values")), versions, del != null, del == null ? null : decodeVersion(del));
        }
        Map<String, Shadow> shadows = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("shadows").fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode n = e.getValue();
            NativeKey key = n.hasNonNull("key") ? new NativeKey(n.get("key").asText()) : null;
            Shadow.Status status = Shadow.Status.valueOf(n.path("status").asText());
            var values = n.has("values") ? ValueJson.decodeRow(n.get("values")) : null;
            var pending = n.has("pending") ? ValueJson.decodeRow(n.get("pending")) : null;
            shadows.put(e.getKey(), new Shadow(key, status, values, n.path("confirmed").asLong(), pending));
        }
        Set<String> held = new TreeSet<>();
        root.path("held").forEach(h -> held.add(h.asText()));
        return new RecordState(id, base, shadows, held);
    }

    private static JsonNode encodeVersion(FieldVersion v) {
        return JSON.createArrayNode().add(v.time().encode()).add(v.origin());
    }

    private static FieldVersion decodeVersion(JsonNode n) {
        return new FieldVersion(HlcTimestamp.decode(n.get(0).asText()), n.get(1).asText());
    }
}
