package dev.twoway.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An audit entry's detail in words for the timeline ("phone: +44 1 → +44 2"); the JSON stays available beside it. */
final class AuditSummary {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX = 300;

    private AuditSummary() {
    }

    static String of(String action, String detailJson) {
        JsonNode d;
        try {
            d = JSON.readTree(detailJson);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        if (d.path("fields").isObject()) {
            for (Map.Entry<String, JsonNode> f : d.path("fields").properties()) {
                JsonNode v = f.getValue();
                parts.add(v.has("old") || v.has("new") ? f.getKey() + ": " + show(v.get("old")) + " → " + show(v.get("new")) : f.getKey() + " = " + show(v));
            }
        } else if (d.path("fields").isArray()) {
            List<String> names = new ArrayList<>();
            d.path("fields").forEach(f -> names.add(f.asText()));
            parts.add("fields " + String.join(", ", names));
        }
        if (d.path("values").isObject()) {
            for (Map.Entry<String, JsonNode> f : d.path("values").properties()) parts.add(f.getKey() + " = " + show(f.getValue()));
        }
        if (d.hasNonNull("field")) {
            String f = d.path("field").asText().equals("__record__") ? "whole record" : d.path("field").asText();
            if (d.has("chosen")) parts.add(f + " = " + show(d.get("chosen")));
            else if (d.has("versions")) {
                List<String> vs = new ArrayList<>();
                d.path("versions").properties().forEach(e -> vs.add(e.getKey() + ": " + show(e.getValue())));
                parts.add(f + " differs — " + String.join(", ", vs));
            } else if (d.has("winner")) {
                parts.add(f + ": " + show(d.path("winner").path("value")) + " (" + d.path("winner").path("system").asText() + ") won over "
                        + show(d.path("loser").path("value")) + " (" + d.path("loser").path("system").asText() + ") by " + d.path("policy").asText());
            } else parts.add(f);
        }
        if (d.hasNonNull("comment") && !d.path("comment").asText().isEmpty()) parts.add("“" + d.path("comment").asText() + "”");
        if (d.hasNonNull("error")) parts.add(d.path("error").asText());
        if (d.hasNonNull("policy") && !d.has("field")) parts.add("policy " + d.path("policy").asText());
        String s = parts.isEmpty() ? "" : String.join("; ", parts);
        return s.length() > MAX ? s.substring(0, MAX - 1) + "…" : s;
    }

    private static String show(JsonNode v) {
        String s = WebUi.display(v);
        return s == null ? "∅" : s.isEmpty() ? "''" : s;
    }
}
