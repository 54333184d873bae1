package dev.twoway.engine;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.merge.Decision;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.spi.Write;
import dev.twoway.store.StateTransaction;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;

/**
 * Turns merge decisions and delivered writes into audit entries. Values are kept with their types
 * ({@link ValueJson}) so that a losing value can be restored exactly from the trail.
 */
final class AuditRecorder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String sync;
    private final InstantSource clock;

    AuditRecorder(String sync, InstantSource clock) {
        this.sync = sync;
        this.clock = clock;
    }

    void decision(StateTransaction tx, RecordId id, Decision d) {
        if (d instanceof Decision.Created c) {
            // The most frequent entry (every record of an initial sync): written straight to text, as below.
            tx.appendAudit(new AuditEntry.Draft(now(), sync, id.value(), c.system(), "capture", "create",
                    streamed(g -> rowField(g, "values", c.values()))));
            return;
        }
        ObjectNode detail = JSON.createObjectNode();
        String system;
        String action;
        String actor = "engine";
        switch (d) {
            case Decision.Created c -> throw new IllegalStateException("written above");
            case Decision.FieldsChanged c -> {
                system = c.system();
                action = "change";
                actor = "capture";
                ObjectNode fields = detail.putObject("fields");
                c.changes().forEach((f, oldNew) -> {
                    ObjectNode n = fields.putObject(f);
                    n.set("old", ValueJson.encode(oldNew[0]));
                    n.set("new", ValueJson.encode(oldNew[1]));
                });
            }
            case Decision.Agreed a -> {
                system = a.system();
                action = "agreed";
                actor = "capture";
                var fields = detail.putArray("fields");
                a.fields().forEach(fields::add);
            }
            case Decision.ConflictDecided c -> {
                system = c.loser().system();
                action = "conflict";
                detail.put("field", c.field()).put("policy", c.policy()).put("tie", c.tie());
                detail.set("winner", side(c.winner()));
                detail.set("loser", side(c.loser()));
            }
            case Decision.Reverted r -> {
                system = r.system();
                action = "conflict";
                detail.put("field", r.field()).put("policy", "owner").put("owner", r.owner());
                detail.set("loser", JSON.createObjectNode().put("system", r.system()).set("value", ValueJson.encode(r.attempted())));
            }
            case Decision.Parked p -> {
                system = String.join(",", p.versions().keySet());
                action = "conflict-parked";
                detail.put("field", p.field()).put("kind", p.kind());
                detail.set("base", ValueJson.encode(p.base()));
                ObjectNode versions = detail.putObject("versions");
                p.versions().forEach((s, v) -> versions.set(s, ValueJson.encode(v)));
            }
            case Decision.HeldUpdated h -> {
                system = h.system();
                action = "conflict-updated";
                detail.put("field", h.field());
                detail.set("value", ValueJson.encode(h.value()));
            }
            case Decision.Deleted del -> {
                system = del.system();
                action = "delete";
                actor = "capture";
                detail.put("policy", del.policy());
            }
            case Decision.Detached det -> {
                system = det.system();
                action = "detach";
                actor = "capture";
                detail.put("policy", "ignore");
            }
            case Decision.UpdateLostToDelete u -> {
                system = u.system();
                action = "conflict";
                detail.put("field", "__record__").put("policy", "delete-wins");
                detail.set("loser", JSON.createObjectNode().put("system", u.system()).set("values", ValueJson.encode(u.values())));
            }
            case Decision.DeleteLostToUpdate u -> {
                system = u.system();
                action = "conflict";
                detail.put("field", "__record__").put("policy", "update-wins").put("loser", "delete in " + u.system());
            }
            case Decision.Resurrected r -> {
                system = r.system();
                action = "conflict";
                detail.put("field", "__record__").put("policy", "update-wins").put("resurrected", true);
                detail.set("values", ValueJson.encode(r.values()));
            }
        }
        tx.appendAudit(new AuditEntry.Draft(now(), sync, id.value(), system, actor, action, detail.toString()));
    }

    void write(StateTransaction tx, String target, Write w, String nativeKey) {
        // One per record synced: written straight to text, without building a tree (docs/performance.md).
        String detail = streamed(g -> {
            switch (w) {
                case Write.Insert i -> rowField(g, "values", i.values());
                case Write.Update u -> {
                    rowField(g, "values", u.values());
                    rowField(g, "expected", u.expected());
                }
                case Write.Delete d -> {
                    g.writeBooleanField("archive", d.archive());
                    rowField(g, "expected", d.expected());
                }
            }
            g.writeStringField("key", nativeKey);
        });
        String action = switch (w) {
            case Write.Insert i -> "insert";
            case Write.Update u -> "update";
            case Write.Delete d -> "delete";
        };
        tx.appendAudit(new AuditEntry.Draft(now(), sync, w.recordId().value(), target, "engine", "write:" + action, detail));
    }

    void event(StateTransaction tx, RecordId id, String system, String actor, String action, Map<String, String> detail) {
        ObjectNode n = JSON.createObjectNode();
        detail.forEach(n::put);
        tx.appendAudit(new AuditEntry.Draft(now(), sync, id == null ? null : id.value(), system, actor, action, n.toString()));
    }

    void decided(StateTransaction tx, RecordId id, String actor, String field, Value chosen, String comment, Row versionsShown) {
        ObjectNode n = JSON.createObjectNode();
        n.put("field", field);
        n.set("chosen", ValueJson.encode(chosen));
        if (comment != null) n.put("comment", comment);
        if (versionsShown != null) n.set("versions", ValueJson.encode(versionsShown));
        tx.appendAudit(new AuditEntry.Draft(now(), sync, id.value(), null, actor, "conflict-decided", n.toString()));
    }

    private interface Members {
        void write(JsonGenerator g) throws IOException;
    }

    /** An object of {@code members} as text, written with the streaming generator. */
    private static String streamed(Members members) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            members.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void rowField(JsonGenerator g, String name, Row row) throws IOException {
        g.writeFieldName(name);
        ValueJson.write(g, row);
    }

    private static ObjectNode side(Decision.Side s) {
        ObjectNode n = JSON.createObjectNode().put("system", s.system()).put("time", s.time().toString());
        n.set("value", ValueJson.encode(s.value()));
        return n;
    }

    private Instant now() {
        return clock.instant();
    }
}
