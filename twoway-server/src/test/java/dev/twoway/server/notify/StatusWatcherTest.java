package dev.twoway.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StatusWatcherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StatusWatcher watcher = new StatusWatcher();
    private Instant now = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void aSystemDownInTwoReportsInARowIsPublishedOnceAndItsReturnToo() {
        assertThat(observe(report("erp", true, null, null))).as("one report could be a blip").isEmpty();
        List<Notification> down = observe(report("erp", true, "connection refused", null));
        assertThat(down).extracting(n -> n.type()).containsExactly(EventType.SYSTEM_DOWN);
        assertThat(down.getFirst().data().path("reason").asText()).isEqualTo("connection refused");
        assertThat(down.getFirst().data().path("syncs")).extracting(JsonNode::asText).containsExactly("customers");
        assertThat(observe(report("erp", true, "connection refused", null))).as("still down: no news").isEmpty();
        assertThat(observe(report("erp", false, null, null))).isEmpty();
        List<Notification> up = observe(report("erp", false, null, null));
        assertThat(up).extracting(Notification::type).containsExactly(EventType.SYSTEM_UP);
        assertThat(up.getFirst().data().path("downSince").asText()).as("since the first report that saw it down").isEqualTo("2026-11-23T10:00:00Z");
    }

    @Test
    void aFailingSyncIsPublishedWithItsStageAndErrorAndRecoversOnce() {
        observe(report("erp", false, "Data too long for column 'Phone'", null));
        List<Notification> failing = observe(report("erp", false, "Data too long for column 'Phone'", null));
        assertThat(failing).extracting(Notification::type).containsExactly(EventType.SYNC_FAILING);
        assertThat(failing.getFirst().data().path("stage").asText()).isEqualTo("delivery");
        assertThat(failing.getFirst().data().path("endpoint").asText()).isEqualTo("erp");
        assertThat(failing.getFirst().data().path("error").asText()).isEqualTo("Data too long for column 'Phone'");
        assertThat(failing.getFirst().data().path("since").asText()).isEqualTo("2026-11-23T10:00:00Z");
        assertThat(observe(report("erp", false, null, "permission denied for table customer"))).as("another error, still failing").isEmpty();
        observe(report("erp", false, null, null));
        assertThat(observe(report("erp", false, null, null))).extracting(Notification::type).containsExactly(EventType.SYNC_RECOVERED);
    }

    @Test
    void aCaptureErrorIsTheCaptureStage() {
        observe(report("erp", false, null, "relation \"customer\" does not exist"));
        assertThat(observe(report("erp", false, null, "relation \"customer\" does not exist")).getFirst().data().path("stage").asText()).isEqualTo("capture");
    }

    @Test
    void aSystemThatIsDownDoesNotAlsoMakeItsSyncsFailing() {
        observe(report("erp", true, "connection refused", null));
        assertThat(observe(report("erp", true, "connection refused", null))).extracting(Notification::type).containsExactly(EventType.SYSTEM_DOWN);
    }

    @Test
    void aStateThatFlipsBackBeforeItIsStableIsNeverPublished() {
        List<Notification> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.addAll(observe(report("erp", true, "timeout", null)));
            all.addAll(observe(report("erp", false, null, null)));
        }
        assertThat(all).isEmpty();
    }

    @Test
    void withoutAReportFromARunningEngineNothingChanges() {
        observe(report("erp", true, "down", null));
        observe(report("erp", true, "down", null));
        ObjectNode unknown = JSON.createObjectNode();
        unknown.putArray("syncs").addObject().put("sync", "customers").putArray("endpoints").addObject().put("endpoint", "erp").put("queued", 3);
        assertThat(observe(unknown)).isEmpty();
        assertThat(observe(unknown)).as("no up without evidence").isEmpty();
    }

    private List<Notification> observe(JsonNode status) {
        List<Notification> out = watcher.observe(status, now);
        now = now.plusSeconds(1);
        return out;
    }

    private static JsonNode report(String endpoint, boolean unavailable, String lastError, String captureError) {
        ObjectNode root = JSON.createObjectNode();
        var eps = root.putArray("syncs").addObject().put("sync", "customers").putArray("endpoints");
        eps.addObject().put("endpoint", "crm").put("unavailable", false);
        ObjectNode e = eps.addObject().put("endpoint", endpoint).put("unavailable", unavailable);
        if (lastError != null) e.put("lastError", lastError);
        if (captureError != null) e.put("captureError", captureError);
        return root;
    }
}
