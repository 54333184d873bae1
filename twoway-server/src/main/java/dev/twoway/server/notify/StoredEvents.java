package dev.twoway.server.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditMask;
import dev.twoway.audit.AuditQuery;
import dev.twoway.model.RecordId;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.StateTransaction;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The events that have a durable source: parked conflicts and dead letters, read from the audit trail after a
 * position (the last seq a webhook has dealt with). The trail's seq has no gaps and only grows, and its entries commit
 * with the conflict or dead letter they describe, so a reader that stores its position after each delivery neither
 * skips nor (beyond one at-least-once repeat after a crash) resends.
 */
final class StoredEvents {
    static final String CONFLICT_PARKED = "conflict-parked";
    static final String DEAD_LETTER = "dead-letter";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuditMask mask;

    StoredEvents(AuditMask mask) {
        this.mask = mask;
    }

    /** One audit entry and what it becomes; {@code notification} is empty when nothing waits any more. */
    record Item(long seq, Optional<Notification> notification) {
    }

    /**
     * Up to {@code limit} items after {@code afterSeq}, in seq order. Both kinds are read with the same limit; when a
     * page is full, only the items up to its last seq are returned, so none of the other kind is passed over.
     */
    List<Item> after(StateTransaction tx, long afterSeq, int limit) {
        List<AuditEntry> conflicts = tx.audit(AuditQuery.after(afterSeq, limit).action(CONFLICT_PARKED));
        List<AuditEntry> letters = tx.audit(AuditQuery.after(afterSeq, limit).action(DEAD_LETTER));
        long bound = Long.MAX_VALUE;
        if (conflicts.size() == limit) bound = conflicts.getLast().seq();
        if (letters.size() == limit) bound = Math.min(bound, letters.getLast().seq());
        List<AuditEntry> all = new ArrayList<>(conflicts);
        all.addAll(letters);
        all.sort(Comparator.comparingLong(AuditEntry::seq));
        List<Item> out = new ArrayList<>();
        for (AuditEntry e : all) {
            if (e.seq() > bound) break;
            out.add(new Item(e.seq(), e.action().equals(CONFLICT_PARKED) ? conflict(tx, e) : deadLetter(tx, e)));
        }
        return out;
    }

    private Optional<Notification> conflict(StateTransaction tx, AuditEntry e) {
        ObjectNode detail = parse(e.detail());
        String field = detail.path("field").asText();
        // The entry commits with the conflict it parked; if none is open, it was decided before we got here.
        Optional<ConflictRecord> open = tx.openConflicts(e.sync(), new RecordId(e.recordId())).stream()
                .filter(c -> c.field().equals(field)).findFirst();
        if (open.isEmpty()) return Optional.empty();
        ObjectNode data = JSON.createObjectNode().put("sync", e.sync()).put("conflictId", open.get().id()).put("recordId", e.recordId())
                .put("field", field).put("kind", detail.path("kind").asText("field"));
        var systems = data.putArray("systems");
        detail.path("versions").fieldNames().forEachRemaining(systems::add);
        mask.mask(detail, mask.names(e.sync()));
        ObjectNode values = JSON.createObjectNode().put("base", display(detail.path("base")));
        ObjectNode versions = values.putObject("versions");
        detail.path("versions").properties().forEach(v -> versions.put(v.getKey(), display(v.getValue())));
        return Optional.of(new Notification(deliveryId(e), EventType.CONFLICT_WAITING, e.time(), data, values));
    }

    private Optional<Notification> deadLetter(StateTransaction tx, AuditEntry e) {
        ObjectNode detail = parse(e.detail());
        Optional<DeadLetter> letter = tx.deadLetter(e.sync(), e.system(), new dev.twoway.model.RecordId(e.recordId()));
        if (letter.isEmpty()) return Optional.empty(); // retried (and removed) before we got here
        ObjectNode data = JSON.createObjectNode().put("sync", e.sync()).put("target", e.system()).put("deadLetterId", letter.get().id())
                .put("recordId", e.recordId()).put("error", mask.error(e.sync(), detail.path("error").asText(letter.get().error())));
        return Optional.of(new Notification(deliveryId(e), EventType.DEADLETTER_CREATED, e.time(), data, null));
    }

    /** Stable for the entry, across restarts, and distinct between deployments: taken from the entry's chain hash. */
    static String deliveryId(AuditEntry e) {
        return "evt_" + e.hash().substring(0, 32);
    }

    /** A tagged value as text; a masked one stays {@value AuditMask#MASKED}. */
    private static String display(JsonNode v) {
        if (v.isObject() && v.has("t")) {
            try {
                return ValueJson.decode(v).display();
            } catch (RuntimeException ex) {
                return v.toString();
            }
        }
        return v.isTextual() ? v.asText() : v.toString();
    }

    private static ObjectNode parse(String text) {
        try {
            return JSON.readTree(text) instanceof ObjectNode o ? o : JSON.createObjectNode();
        } catch (JsonProcessingException ex) {
            return JSON.createObjectNode();
        }
    }
}
