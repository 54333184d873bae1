package dev.twoway.server.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's charts: changes per minute from the audit trail, queued writes from the status, and their sparklines. */
class ActivityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void countsCapturedChangesPerMinuteOfTheLastHourAndSamplesQueuedWrites() {
        Instant now = Instant.parse("2026-11-23T10:30:30Z");
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
            append(store, now.minus(Duration.ofMinutes(90)), "customers", "change"); // older than an hour: not counted
            append(store, now.minus(Duration.ofMinutes(5)), "customers", "create");
            append(store, now.minus(Duration.ofMinutes(5)), "customers", "change");
            append(store, now, "customers", "delete");
            append(store, now, "customers", "write:update"); // a write, not a captured change
            append(store, now, "orders", "change");
            AtomicLong queued = new AtomicLong(4);
            Activity a = new Activity(store, () -> status(queued.get()), Clock.fixed(now, ZoneOffset.UTC));
            a.sample();
            List<Integer> perMinute = a.changesPerMinute("customers");
            assertThat(perMinute).hasSize(60);
            assertThat(perMinute.getLast()).isEqualTo(1);
            assertThat(perMinute.get(54)).isEqualTo(2);
            assertThat(perMinute.stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
            assertThat(a.changesPerMinute("orders").getLast()).isEqualTo(1);

            append(store, now, "customers", "change"); // only new entries are read by the next sample
            queued.set(9);
            a.sample();
            assertThat(a.changesPerMinute("customers").getLast()).isEqualTo(2);
            assertThat(a.queued("customers")).containsExactly(4L, 9L);
        }
    }

    @Test
    void sparklinePointsSpanTheBoxWithTheHighestValueAtTheTop() {
        assertThat(Sparkline.points(List.of())).isEmpty();
        String[] pts = Sparkline.points(List.of(0, 5, 10)).split(" ");
        assertThat(pts).containsExactly("0.0,35.0", "120.0,18.5", "240.0,2.0");
        assertThat(Sparkline.points(List.of(0, 0))).isEqualTo("0.0,35.0 240.0,35.0");
    }

    private static void append(SqliteStateStore store, Instant at, String sync, String action) {
        store.run(tx -> tx.appendAudit(new AuditEntry.Draft(at, sync, "r1", "crm", "capture", action, "{}")));
    }

    private static ObjectNode status(long queued) {
        ObjectNode s = JSON.createObjectNode();
        ObjectNode sync = s.putArray("syncs").addObject().put("sync", "customers");
        sync.putArray("endpoints").addObject().put("endpoint", "erp").put("queued", queued);
        return s;
    }
}
