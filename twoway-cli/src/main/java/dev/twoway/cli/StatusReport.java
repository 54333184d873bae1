package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.config.TwowayConfig;
import dev.twoway.engine.Pauses;
import dev.twoway.engine.SyncEngine;
import dev.twoway.store.OutboxEntry;
import dev.twoway.store.StateStore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The health of each sync: what the running process last reported (errors, unreachable systems; it stores a
 * snapshot every half second) joined with what the state store knows (queued writes and how long the oldest has
 * waited, open conflicts, dead letters, pauses). Readable by any process, with or without a running {@code twoway run}.
 */
final class StatusReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StateStore store;

    StatusReport(StateStore store) {
        this.store = store;
    }

    private static String key(String sync) {
        return "status/" + sync;
    }

    /** Runner side: stores what only the running engines know. */
    void record(List<SyncEngine> engines, long pid) {
        Instant now = Instant.now();
        java.util.Map<String, String> snapshots = new java.util.LinkedHashMap<>();
        for (SyncEngine e : engines) {
            ObjectNode n = JSON.createObjectNode().put("pid", pid).put("at", now.toString());
            ArrayNode eps = n.putArray("endpoints");
            for (SyncEngine.EndpointStatus s : e.status().endpoints()) {
                ObjectNode x = eps.addObject().put("endpoint", s.endpoint()).put("unavailable", s.unavailable());
                if (s.lastError() != null) x.put("lastError", s.lastError());
                if (s.captureError() != null) x.put("captureError", s.captureError());
            }
            snapshots.put(key(e.definition().name()), n.toString());
        }
        store.run(tx -> snapshots.forEach(tx::putMeta));
    }

    /** The status of every sync of the config, as JSON. */
    ObjectNode read(TwowayConfig cfg) {
        Instant now = Instant.now();
        Pauses pauses = new Pauses(store);
        ObjectNode root = JSON.createObjectNode();
        root.put("state", cfg.stateDir().toString());
        boolean running = RunLock.held(cfg.stateDir());
        root.put("running", running ? "pid " + RunLock.holder(cfg.stateDir()) : "no");
        ArrayNode syncs = root.putArray("syncs");
        for (TwowayConfig.SyncConfig sync : cfg.syncs().values()) {
            ObjectNode s = syncs.addObject().put("sync", sync.name()).put("schedule", sync.schedule());
            Optional<String> paused = pauses.pausedBy(sync.name());
            s.put("paused", paused.orElse(null));
            // What a run reported is only news while it runs: a stopped run's errors say nothing about now.
            JsonNode snapshot = running ? store.inTransaction(tx -> tx.meta(key(sync.name()))).map(StatusReport::parse).orElse(JSON.createObjectNode())
                    : JSON.createObjectNode();
            s.put("reportedAt", snapshot.path("at").asText(null));
            ArrayNode eps = s.putArray("endpoints");
            store.run(tx -> {
                for (String endpoint : sync.endpoints().keySet()) {
                    ObjectNode x = eps.addObject().put("endpoint", endpoint).put("system", sync.endpoints().get(endpoint).system());
                    x.put("queued", tx.outboxDepth(sync.name(), endpoint));
                    List<OutboxEntry> oldest = tx.dueOutbox(sync.name(), endpoint, now, 1);
                    x.put("lagSeconds", dev.twoway.engine.SyncEngine.oldestDueWait(tx, sync.name(), endpoint, now).toSeconds());
                    x.put("captured", tx.checkpoint(sync.name(), endpoint).isPresent());
                    for (JsonNode r : snapshot.path("endpoints")) {
                        if (!r.path("endpoint").asText().equals(endpoint)) continue;
                        x.put("unavailable", r.path("unavailable").asBoolean());
                        if (r.has("lastError")) x.put("lastError", r.path("lastError").asText());
                        if (r.has("captureError")) x.put("captureError", r.path("captureError").asText());
                    }
                    if (!x.has("lastError")) {
                        oldest.stream().map(OutboxEntry::lastError).filter(java.util.Objects::nonNull).findFirst().ifPresent(err -> x.put("lastError", err));
                    }
                }
                s.put("openConflicts", tx.openConflicts(sync.name(), Integer.MAX_VALUE).size());
                s.put("deadLetters", tx.deadLetters(sync.name(), Integer.MAX_VALUE).size());
            });
        }
        return root;
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return JSON.createObjectNode();
        }
    }
}
