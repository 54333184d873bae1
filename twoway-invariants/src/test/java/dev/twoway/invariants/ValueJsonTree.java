package dev.twoway.invariants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the candidate versions of a parked conflict. */
final class ValueJsonTree {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ValueJsonTree() {
    }

    static Map<String, Value> versions(String candidates) {
        try {
            JsonNode root = JSON.readTree(candidates);
            Map<String, Value> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("versions").fields(); it.hasNext(); ) {
                var e = it.next();
                out.put(e.getKey(), ValueJson.decode(e.getValue()));
            }
            return out;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError("unreadable conflict candidates: " + candidates, e);
        }
    }
}
