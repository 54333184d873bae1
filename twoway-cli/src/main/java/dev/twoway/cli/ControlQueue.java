package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.store.StateStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Operator requests (resolve a conflict, retry a dead letter) handed from a CLI process to the process running the
 * engines, through the state store: the CLI appends a request, the runner executes it within a second and stores
 * the outcome, the CLI waits for that outcome and prints it. Requests are JSON objects with an {@code op} field.
 */
final class ControlQueue {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUESTS = "control/requests";

    private final StateStore store;

    ControlQueue(StateStore store) {
        this.store = store;
    }

    /** Queues a request and waits for its outcome; empty if nobody executed it within {@code timeout}. */
    Optional<String> submit(ObjectNode request, Duration timeout) throws InterruptedException {
        String id = UUID.randomUUID().toString();
        request.put("id", id);
        store.run(tx -> {
            ArrayNode list = tx.meta(REQUESTS).map(ControlQueue::array).orElseGet(JSON::createArrayNode);
            list.add(request);
            tx.putMeta(REQUESTS, list.toString());
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> result = store.inTransaction(tx -> tx.meta(resultKey(id)).filter(s -> !s.isEmpty()));
            if (result.isPresent()) {
                store.run(tx -> tx.putMeta(resultKey(id), ""));
                return result;
            }
            Thread.sleep(200);
        }
        // Withdraw it, unless it was taken meanwhile.
        store.run(tx -> {
            ArrayNode list = tx.meta(REQUESTS).map(ControlQueue::array).orElseGet(JSON::createArrayNode);
            ArrayNode kept = JSON.createArrayNode();
            list.forEach(r -> {
                if (!id.equals(r.path("id").asText())) kept.add(r);
            });
            tx.putMeta(REQUESTS, kept.toString());
        });
        return Optional.empty();
    }

    /** Runner side: takes every queued request, executes each and stores its outcome text. */
    int drain(Function<JsonNode, String> execute) {
        List<JsonNode> taken = store.inTransaction(tx -> {
            ArrayNode list = tx.meta(REQUESTS).map(ControlQueue::array).orElseGet(JSON::createArrayNode);
            if (list.isEmpty()) return List.<JsonNode>of();
            tx.putMeta(REQUESTS, "[]");
            List<JsonNode> out = new ArrayList<>();
            list.forEach(out::add);
            return out;
        });
        for (JsonNode r : taken) {
            String outcome;
            try {
                outcome = execute.apply(r);
            } catch (RuntimeException e) {
                outcome = "error: " + e.getMessage();
            }
            String text = outcome;
            store.run(tx -> tx.putMeta(resultKey(r.path("id").asText()), text));
        }
        return taken.size();
    }

    private static String resultKey(String id) {
        return "control/result/" + id;
    }

    private static ArrayNode array(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            return n instanceof ArrayNode a ? a : JSON.createArrayNode();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return JSON.createArrayNode();
        }
    }
}
