package dev.twoway.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditMask;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;

import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The JSON the API answers with for conflicts, dead letters, records, audit entries and keys. Every value of a
 * field marked sensitive is shown as {@value AuditMask#MASKED}: the mask is applied here, where values leave
 * twoway, so no handler can forget it.
 */
final class ApiJson {
    static final ObjectMapper JSON = new ObjectMapper();

    private final AuditMask mask;

    ApiJson(AuditMask mask) {
        this.mask = mask;
    }

    /** A conflict: the base and each system's version (a record-level one also field by field), masked. */
    ObjectNode conflict(ConflictRecord c) {
        ObjectNode o = JSON.createObjectNode().put("id", c.id()).put("sync", c.sync()).put("recordId", c.recordId().value()).put("field", c.field())
                .put("kind", c.kind()).put("status", c.status()).put("createdAt", c.createdAt().toString());
        JsonNode cand = tree(c.candidates());
        Set<String> sensitive = mask.names(c.sync());
        boolean masked = sensitive.contains(c.field());
        o.put("base", masked && present(cand.path("base")) ? AuditMask.MASKED : display(cand.path("base"), sensitive));
        ObjectNode versions = o.putObject("versions");
        ObjectNode fields = JSON.createObjectNode();
        cand.path("versions").properties().forEach(e -> {
            versions.put(e.getKey(), masked && present(e.getValue()) ? AuditMask.MASKED : display(e.getValue(), sensitive));
            Row row = row(e.getValue());
            if (row != null) fields.set(e.getKey(), values(row, sensitive));
        });
        if (!fields.isEmpty()) o.set("fields", fields); // a record-level version is a whole row: shown field by field too
        if (c.resolution() != null) {
            JsonNode r = tree(c.resolution());
            if (masked && r instanceof ObjectNode ro) {
                for (String k : List.of("chosen", "value")) if (ro.has(k)) ro.put(k, AuditMask.MASKED);
            }
            o.set("resolution", r);
        }
        if (c.resolvedAt() != null) o.put("resolvedAt", c.resolvedAt().toString());
        return o;
    }

    ObjectNode deadLetter(DeadLetter d) {
        return JSON.createObjectNode().put("id", d.id()).put("sync", d.sync()).put("target", d.target()).put("recordId", d.recordId().value())
                .put("error", mask.error(d.sync(), d.error())).put("attempts", d.attempts()).put("createdAt", d.createdAt().toString());
    }

    /** An audit entry as {@code GET /api/v1/audit} lists it, its detail masked. */
    ObjectNode auditEntry(AuditEntry e) {
        ObjectNode o = JSON.createObjectNode().put("seq", e.seq()).put("time", e.time().toString()).put("sync", e.sync()).put("recordId", e.recordId())
                .put("system", e.system()).put("actor", e.actor()).put("action", e.action());
        o.set("detail", tree(mask.detail(e)));
        return o.put("hash", e.hash());
    }

    /**
     * A record: its agreed values (the base), where it lives in each system, the open conflicts on it and a page of
     * its history ({@code next}: the {@code after} of the next page, or {@code null} on the last).
     */
    ObjectNode record(String sync, RecordState state, List<ConflictRecord> open, List<AuditEntry> history, int limit) {
        Set<String> sensitive = mask.names(sync);
        ObjectNode o = JSON.createObjectNode().put("sync", sync).put("recordId", state.id().value());
        o.put("deleted", state.base() != null && state.base().deleted());
        o.set("values", state.base() == null ? JSON.createObjectNode() : values(state.base().values(), sensitive));
        ObjectNode links = o.putObject("links");
        new TreeMap<>(state.shadows()).forEach((endpoint, s) -> links.putObject(endpoint).put("key", s.key() == null ? null : s.key().value())
                .put("status", status(s.status())));
        ArrayNode held = o.putArray("held");
        state.held().stream().sorted().forEach(held::add);
        ArrayNode conflicts = o.putArray("openConflicts");
        open.forEach(c -> conflicts.add(conflict(c)));
        ObjectNode h = o.putObject("history");
        ArrayNode entries = h.putArray("entries");
        history.forEach(e -> entries.add(auditEntry(e)));
        if (history.size() == limit) h.put("next", history.getLast().seq());
        else h.putNull("next");
        return o;
    }

    static ObjectNode key(ApiKeys.Key k) {
        ObjectNode o = JSON.createObjectNode().put("id", k.id()).put("name", k.name()).put("role", k.role().configName())
                .put("createdAt", k.createdAt().toString()).put("revokedAt", k.revokedAt() == null ? null : k.revokedAt().toString());
        ArrayNode s = o.putArray("syncs");
        k.syncs().forEach(s::add);
        return o;
    }

    private static String status(Shadow.Status s) {
        return s.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Field → shown value, sensitive ones masked, in name order. */
    private static ObjectNode values(Row row, Set<String> sensitive) {
        ObjectNode o = JSON.createObjectNode();
        new TreeMap<>(row.asMap()).forEach((f, v) -> {
            if (sensitive.contains(f) && !v.isNull()) o.put(f, AuditMask.MASKED);
            else o.put(f, v.isNull() ? null : v.display());
        });
        return o;
    }

    private static boolean present(JsonNode v) {
        return v != null && !v.isMissingNode() && !v.isNull() && !(v.isTextual() && v.asText().equals("deleted")) && !ValueJson.decode(v).isNull();
    }

    /** A candidate as text; a whole-row candidate is shown as its fields, sensitive ones masked. */
    private static String display(JsonNode v, Set<String> sensitive) {
        if (v == null || v.isMissingNode() || v.isNull()) return null;
        if (v.isTextual()) return v.asText();
        Row row = row(v);
        if (row != null) return values(row, sensitive).toString();
        Value value = ValueJson.decode(v);
        return value.isNull() ? null : value.display();
    }

    /** The row inside a record-level candidate (a JSON value holding tagged field values), or null. */
    private static Row row(JsonNode v) {
        if (v == null || !v.isObject() || v.isTextual()) return null;
        Value value;
        try {
            value = ValueJson.decode(v);
        } catch (RuntimeException e) {
            return null;
        }
        if (!(value instanceof Value.Json j)) return null;
        try {
            JsonNode inner = JSON.readTree(j.canonicalText());
            return inner.isObject() ? ValueJson.decodeRow(inner) : null;
        } catch (JsonProcessingException | RuntimeException e) {
            return null; // a JSON field value, not a row
        }
    }

    static JsonNode tree(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return JSON.createObjectNode().put("unreadable", AuditMask.MASKED); // never pass unparsed text through unmasked
        }
    }
}
