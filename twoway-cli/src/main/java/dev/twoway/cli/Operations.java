package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.engine.ConflictChoice;
import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.TypeConversion;
import dev.twoway.merge.RecordState;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;

/**
 * The operator's actions on a deployment, as requests that can run here or be handed to the running process
 * ({@link ControlQueue}): resolve a conflict, retry or discard a dead letter. Each returns a one-line outcome.
 */
final class Operations {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Operations() {
    }

    static ObjectNode resolve(long conflict, String take, String value, boolean delete, boolean keep, String actor, String comment) {
        ObjectNode r = JSON.createObjectNode().put("op", "resolve").put("conflict", conflict).put("actor", actor).put("comment", comment);
        if (take != null) r.put("take", take);
        if (value != null) r.put("value", value);
        if (delete) r.put("delete", true);
        if (keep) r.put("keep", true);
        return r;
    }

    static ObjectNode retry(long deadLetter) {
        return JSON.createObjectNode().put("op", "retry").put("deadLetter", deadLetter);
    }

    static ObjectNode discard(long deadLetter, String actor, String reason) {
        return JSON.createObjectNode().put("op", "discard").put("deadLetter", deadLetter).put("actor", actor).put("reason", reason);
    }

    static String execute(Deployment d, JsonNode request) {
        return switch (request.path("op").asText()) {
            case "resolve" -> resolve(d, request);
            case "retry" -> retry(d, request.path("deadLetter").asLong());
            case "discard" -> discard(d, request.path("deadLetter").asLong(), request.path("actor").asText(), request.path("reason").asText(""));
            default -> throw new IllegalArgumentException("unknown request " + request.path("op").asText());
        };
    }

    private static String resolve(Deployment d, JsonNode r) {
        long id = r.path("conflict").asLong();
        ConflictRecord c = d.store().inTransaction(tx -> tx.conflict(id))
                .orElseThrow(() -> new IllegalArgumentException("there is no conflict " + id + " (twoway conflicts list shows the open ones)"));
        if (!c.open()) throw new IllegalArgumentException("conflict " + id + " is already resolved");
        JsonNode candidates = readTree(c.candidates());
        ConflictChoice choice;
        String shown;
        if (r.has("take")) {
            String system = r.path("take").asText();
            JsonNode v = candidates.path("versions").get(system);
            if (v == null) {
                throw new IllegalArgumentException("conflict " + id + " has no version from '" + system + "'; versions: "
                        + String.join(", ", (Iterable<String>) candidates.path("versions")::fieldNames));
            }
            boolean wholeRecord = c.field().equals(RecordState.RECORD);
            // A record-level conflict (delete confirmation, delete against update) stores the deleting system's version as null.
            if (wholeRecord && ((v.isTextual() && v.asText().equals("deleted")) || ValueJson.decode(v).isNull())) {
                choice = new ConflictChoice.Delete();
                shown = "delete (as " + system + ")";
            } else if (wholeRecord) {
                choice = new ConflictChoice.Keep();
                shown = "keep (as " + system + ")";
            } else {
                Value val = ValueJson.decode(v);
                choice = new ConflictChoice.TakeValue(val);
                shown = val.display() + " (from " + system + ")";
            }
        } else if (r.has("value")) {
            Value typed = typed(r.path("value").asText(), candidates);
            choice = new ConflictChoice.TakeValue(typed);
            shown = typed.display();
        } else if (r.path("delete").asBoolean()) {
            choice = new ConflictChoice.Delete();
            shown = "delete";
        } else if (r.path("keep").asBoolean()) {
            choice = new ConflictChoice.Keep();
            shown = "keep";
        } else {
            throw new IllegalArgumentException("say what to keep: --take <system>, --value <value>, --delete or --keep");
        }
        d.engine(c.sync()).resolveConflict(id, choice, r.path("actor").asText(), r.path("comment").asText(""));
        return "conflict " + id + " (" + c.sync() + ", record " + c.recordId().value() + ", " + c.field() + ") resolved: " + shown;
    }

    /** A value typed in by a person, in the type of the conflict's versions. */
    private static Value typed(String text, JsonNode candidates) {
        Value sample = ValueJson.decode(candidates.path("base"));
        for (JsonNode v : candidates.path("versions")) {
            Value x = ValueJson.decode(v);
            if (!x.isNull()) sample = x;
        }
        if (sample.isNull()) return Value.str(text);
        return TypeConversion.toCanonical(Value.str(text), sample.type(), ColumnType.of(sample.type()), "the value given", "value");
    }

    private static String retry(Deployment d, long id) {
        DeadLetter letter = d.store().inTransaction(tx -> tx.deadLetter(id))
                .orElseThrow(() -> new IllegalArgumentException("there is no dead letter " + id + " (twoway deadletters list shows them)"));
        d.engine(letter.sync()).retryDeadLetter(id);
        return "dead letter " + id + " (" + letter.sync() + " → " + letter.target() + ") queued again";
    }

    private static String discard(Deployment d, long id, String actor, String reason) {
        DeadLetter letter = d.store().inTransaction(tx -> tx.deadLetter(id))
                .orElseThrow(() -> new IllegalArgumentException("there is no dead letter " + id + " (twoway deadletters list shows them)"));
        d.engine(letter.sync()).discardDeadLetter(id, actor, reason);
        return "dead letter " + id + " (" + letter.sync() + " → " + letter.target() + ", record " + letter.recordId().value() + ") discarded by "
                + actor + "; the write will not be made";
    }

    private static JsonNode readTree(String text) {
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreadable conflict candidates: " + e.getOriginalMessage(), e);
        }
    }
}
