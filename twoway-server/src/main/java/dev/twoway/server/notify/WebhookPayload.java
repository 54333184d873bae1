package dev.twoway.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The body of one delivery: the twoway event as JSON, or a Slack message. */
final class WebhookPayload {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WebhookPayload() {
    }

    static byte[] body(Notification n, WebhookSettings hook) {
        ObjectNode body = hook.format() == WebhookSettings.Format.SLACK ? slack(n, hook.includeValues()) : json(n, hook.includeValues());
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code {"id", "event", "time", "data": {...}}}; {@code data.values} only when the webhook includes values. */
    static ObjectNode json(Notification n, boolean includeValues) {
        ObjectNode root = JSON.createObjectNode().put("id", n.id()).put("event", n.type().wireName()).put("time", n.time().toString());
        ObjectNode data = n.data().deepCopy();
        if (includeValues && n.values() != null) data.set("values", n.values());
        root.set("data", data);
        return root;
    }

    /** A Slack incoming-webhook message: {@code text} (also the notification's fallback) plus {@code blocks}. */
    static ObjectNode slack(Notification n, boolean includeValues) {
        String text = summary(n);
        ObjectNode root = JSON.createObjectNode().put("text", text);
        ArrayNode blocks = root.putArray("blocks");
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", text);
        List<String> details = details(n, includeValues);
        if (!details.isEmpty()) {
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", String.join("\n", details));
        }
        blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", escape(n.type().wireName() + " · " + n.time() + " · " + n.id()));
        return root;
    }

    /** One line saying what happened and what to do. */
    static String summary(Notification n) {
        JsonNode d = n.data();
        String sync = "*" + escape(d.path("sync").asText()) + "*";
        return switch (n.type()) {
            case CONFLICT_WAITING -> ":warning: Conflict " + d.path("conflictId").asText() + " in sync " + sync + " waits for a decision: "
                    + what(d) + ". Decide with `twoway conflicts resolve " + d.path("conflictId").asText() + "`.";
            case DEADLETTER_CREATED -> ":x: A write to *" + escape(d.path("target").asText()) + "* in sync " + sync + " went to dead letters (id "
                    + d.path("deadLetterId").asText() + "): " + escape(d.path("error").asText()) + ". Fix the cause, then `twoway deadletters retry "
                    + d.path("deadLetterId").asText() + "`.";
            case SYNC_FAILING -> ":rotating_light: Sync " + sync + " is failing (" + escape(d.path("stage").asText()) + ", " + escape(d.path("endpoint").asText())
                    + ") since " + d.path("since").asText() + ": " + escape(d.path("error").asText());
            case SYNC_RECOVERED -> ":white_check_mark: Sync " + sync + " works again (failing since " + d.path("failingSince").asText() + ", "
                    + took(d.path("failingSince").asText(), n.time()) + ").";
            case SYSTEM_DOWN -> ":red_circle: System *" + escape(d.path("system").asText()) + "* cannot be reached: " + escape(d.path("reason").asText())
                    + ". Its writes are queued until it is back.";
            case SYSTEM_UP -> ":large_green_circle: System *" + escape(d.path("system").asText()) + "* is reachable again (down since "
                    + d.path("downSince").asText() + ", " + took(d.path("downSince").asText(), n.time()) + ").";
        };
    }

    /** What the conflict is about, by its kind. */
    private static String what(JsonNode d) {
        String record = "record `" + escape(d.path("recordId").asText()) + "`";
        return switch (d.path("kind").asText("field")) {
            case "delete-confirm" -> "the delete of " + record + " in " + escape(join(d.path("systems"))) + " waits for confirmation";
            case "delete-update" -> record + " was deleted and changed (" + escape(join(d.path("systems"))) + ")";
            default -> "field `" + escape(d.path("field").asText()) + "` of " + record + " changed in " + escape(join(d.path("systems")));
        };
    }

    private static List<String> details(Notification n, boolean includeValues) {
        List<String> out = new ArrayList<>();
        if (n.type() == EventType.CONFLICT_WAITING && includeValues && n.values() != null) {
            out.add("base: `" + escape(n.values().path("base").asText()) + "`");
            n.values().path("versions").properties().forEach(e -> out.add(escape(e.getKey()) + ": `" + escape(e.getValue().asText()) + "`"));
        }
        return out;
    }

    private static String join(JsonNode systems) {
        List<String> s = new ArrayList<>();
        systems.forEach(x -> s.add(x.asText()));
        return String.join(" and ", s);
    }

    private static String took(String since, Instant now) {
        try {
            Duration d = Duration.between(Instant.parse(since), now);
            return d.toHours() > 0 ? d.toHours() + " h " + d.toMinutesPart() + " min" : d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
        } catch (java.time.format.DateTimeParseException e) {
            return "for an unknown time";
        }
    }

    /** Slack's mrkdwn reserves &, < and > (links and mentions); a value must not become one. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
