package dev.twoway.server.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** What each event says in a Slack message, and the JSON envelope. */
class WebhookPayloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant AT = Instant.parse("2026-11-23T10:42:00Z");

    @Test
    void theJsonEnvelopeHasIdEventTimeAndDataAndValuesOnlyWhenIncluded() {
        ObjectNode values = JSON.createObjectNode().put("base", "a");
        Notification n = new Notification("evt_1", EventType.CONFLICT_WAITING, AT, JSON.createObjectNode().put("sync", "customers"), values);
        ObjectNode without = WebhookPayload.json(n, false);
        assertThat(without.toString()).isEqualTo("{\"id\":\"evt_1\",\"event\":\"conflict.waiting\",\"time\":\"2026-11-23T10:42:00Z\",\"data\":{\"sync\":\"customers\"}}");
        assertThat(WebhookPayload.json(n, true).path("data").path("values").path("base").asText()).isEqualTo("a");
        assertThat(n.data().has("values")).as("the shared event is not changed for other webhooks").isFalse();
    }

    @Test
    void eachEventSaysWhatHappenedAndWhatToDo() {
        assertThat(summary(EventType.DEADLETTER_CREATED, data().put("target", "erp").put("deadLetterId", 3).put("error", "too long")))
                .contains("*erp*").contains("*customers*").contains("too long").contains("twoway deadletters retry 3");
        assertThat(summary(EventType.SYNC_FAILING, data().put("stage", "delivery").put("endpoint", "erp").put("error", "denied").put("since", "2026-11-23T10:40:00Z")))
                .contains("Sync *customers* is failing (delivery, erp) since 2026-11-23T10:40:00Z: denied");
        assertThat(summary(EventType.SYNC_RECOVERED, data().put("failingSince", "2026-11-23T10:40:00Z"))).contains("works again").contains("2 min");
        assertThat(summary(EventType.SYSTEM_DOWN, JSON.createObjectNode().put("system", "erp").put("reason", "refused")))
                .contains("System *erp* cannot be reached: refused").contains("queued");
        assertThat(summary(EventType.SYSTEM_UP, JSON.createObjectNode().put("system", "erp").put("downSince", "2026-11-23T09:30:00Z")))
                .contains("reachable again").contains("1 h 12 min");
    }

    @Test
    void aConflictSaysWhatItIsAboutByItsKind() {
        assertThat(summary(EventType.CONFLICT_WAITING, conflict("field").put("field", "phone")))
                .contains("Conflict 7 in sync *customers* waits for a decision: field `phone` of record `r-1` changed in crm and erp")
                .contains("`twoway conflicts resolve 7`");
        assertThat(summary(EventType.CONFLICT_WAITING, conflict("delete-confirm").put("field", "__record__")))
                .contains("the delete of record `r-1` in crm and erp waits for confirmation");
        assertThat(summary(EventType.CONFLICT_WAITING, conflict("delete-update").put("field", "__record__")))
                .contains("record `r-1` was deleted and changed (crm and erp)");
    }

    private static ObjectNode conflict(String kind) {
        ObjectNode d = data().put("conflictId", 7).put("recordId", "r-1").put("kind", kind);
        d.putArray("systems").add("crm").add("erp");
        return d;
    }

    @Test
    void slackControlCharactersInValuesAreEscaped() {
        String s = summary(EventType.SYSTEM_DOWN, JSON.createObjectNode().put("system", "erp").put("reason", "<!here> & <https://evil|click>"));
        assertThat(s).contains("&lt;!here&gt; &amp; &lt;https://evil|click&gt;").doesNotContain("<!here>");
    }

    private static ObjectNode data() {
        return JSON.createObjectNode().put("sync", "customers");
    }

    private static String summary(EventType type, ObjectNode data) {
        String text = WebhookPayload.summary(new Notification("evt_1", type, AT, data, null));
        assertThat(WebhookPayload.slack(new Notification("evt_1", type, AT, data, null), false).path("text").asText()).isEqualTo(text);
        return text;
    }
}
