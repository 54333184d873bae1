package dev.twoway.invariants;

import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.engine.ConflictChoice;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineListener;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictPolicy;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.merge.DeleteConflictPolicy;
import dev.twoway.merge.DeletePolicy;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a sync pass tells its {@link EngineListener}: the counts and times that metrics are made of. */
class EngineListenerTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock();
    private final MemorySystem crm = new MemorySystem("crm", clock);
    private final MemorySystem erp = new MemorySystem("erp", clock);
    private final Recorder events = new Recorder();
    private CrashingStore store;
    private SyncEngine engine;

    /** Every event as one line of text, in order. */
    static final class Recorder implements EngineListener {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void captured(String sync, String system, int changes, boolean caughtUp) {
            if (changes > 0) lines.add("captured " + sync + " " + system + " " + changes);
        }

        @Override
        public void applied(String sync, String system, Instant sourceTime, Instant appliedAt) {
            lines.add("applied " + sync + " " + system + " " + (sourceTime == null ? "?" : Duration.between(sourceTime, appliedAt)));
        }

        @Override
        public void conflict(String sync, String field, String policy, String outcome) {
            lines.add("conflict " + sync + " " + field + " " + policy + " " + outcome);
        }

        @Override
        public void error(String sync, String system, Stage stage, boolean unavailable) {
            lines.add("error " + sync + " " + system + " " + stage + (unavailable ? " unavailable" : ""));
        }

        @Override
        public void deadLetter(String sync, String system, Stage stage) {
            lines.add("dead-letter " + sync + " " + system + " " + stage);
        }

        List<String> take() {
            synchronized (lines) {
                List<String> copy = List.copyOf(lines);
                lines.clear();
                return copy;
            }
        }
    }

    private SyncEngine start(EngineListener listener) {
        Set<String> fields = Set.of("name", "phone", "email");
        List<EndpointDefinition> endpoints = List.of(
                new EndpointDefinition("crm", "p", Direction.BOTH, EndpointMapping.identity(fields), null),
                new EndpointDefinition("erp", "p", Direction.BOTH, EndpointMapping.identity(fields), null));
        ConflictSettings conflicts = new ConflictSettings(new ConflictPolicy.LastWriteWins(), Map.of("email", new ConflictPolicy.Manual()),
                DeleteConflictPolicy.DELETE_WINS, new DeletePolicy.Propagate(), List.of("crm", "erp"), Duration.ofMillis(100));
        SyncDefinition sync = new SyncDefinition("people", endpoints, conflicts, List.of());
        Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
        io.put("crm", new SyncEngine.EndpointIo(crm.source("p"), crm.sink("p")));
        io.put("erp", new SyncEngine.EndpointIo(erp.source("p"), erp.sink("p")));
        store = new CrashingStore(SqliteStateStore.open(dir.resolve("state.db")));
        return new SyncEngine(sync, io, store, EngineOptions.defaults().withClock(clock), listener);
    }

    @AfterEach
    void close() {
        if (store != null) store.close();
    }

    /** Captures both systems until caught up, then delivers to both. */
    private void pass() {
        for (String s : List.of("crm", "erp")) {
            while (true) {
                SyncEngine.CaptureReport r = engine.captureOnce(s);
                if (r.caughtUp() && r.changes() == 0) break;
            }
        }
        engine.deliverOnce("crm");
        engine.deliverOnce("erp");
    }

    @Test
    void aPassTellsChangesCapturedWritesAppliedWithTheirLatencyAndConflictsByPolicy() {
        engine = start(events);
        NativeKey ada = crm.table("p").insert(Row.of("name", "Ada", "phone", "1", "email", "ada@x"));
        crm.table("p").insert(Row.of("name", "Alan", "phone", "2", "email", "alan@x"));
        clock.advance(Duration.ofMillis(1500)); // committed in crm at t, applied in erp 1.5 s later
        pass();
        assertThat(events.take()).containsExactly("captured people crm 2", "applied people erp PT1.5S", "applied people erp PT1.5S");
        pass(); // erp's capture sees the engine's own inserts: read, but they change nothing
        assertThat(events.take()).containsExactly("captured people erp 2");

        NativeKey adaInErp = erp.rows("p").keySet().stream().filter(k -> erp.rows("p").get(k).get("name").equals(Value.str("Ada")))
                .findFirst().orElseThrow();
        clock.advance(Duration.ofSeconds(10));
        crm.table("p").update(ada, Row.of("phone", "crm-phone", "email", "crm@x"));
        clock.advance(Duration.ofSeconds(2));
        erp.table("p").update(adaInErp, Row.of("phone", "erp-phone", "email", "erp@x"));
        clock.advance(Duration.ofSeconds(3));
        pass();
        // phone: the later edit (erp) wins by last-write-wins and goes to crm 3 s after it was made there;
        // email: manual, parked for a person. crm's edit wrote nothing yet (its phone lost, its email is held).
        assertThat(events.take()).containsExactlyInAnyOrder("captured people crm 1", "captured people erp 1",
                "conflict people phone last-write-wins decided", "conflict people email manual parked", "applied people crm PT3S");

        long conflict = engine.openConflicts().getFirst().id();
        clock.advance(Duration.ofSeconds(4));
        engine.resolveConflict(conflict, new ConflictChoice.TakeValue(Value.str("erp@x")), "alice", "checked");
        clock.advance(Duration.ofMillis(250));
        engine.deliverOnce("crm");
        assertThat(events.take()).as("the latency of a person's decision counts from the decision")
                .containsExactly("conflict people email manual resolved", "applied people crm PT0.25S");
    }

    @Test
    void eventsOfATransactionThatRolledBackAreNotTold() {
        engine = start(events);
        crm.table("p").insert(Row.of("name", "Ada", "phone", "1", "email", "ada@x"));
        pass();
        pass();
        events.take();
        NativeKey inCrm = crm.rows("p").keySet().iterator().next();
        NativeKey inErp = erp.rows("p").keySet().iterator().next();
        clock.advance(Duration.ofSeconds(10));
        crm.table("p").update(inCrm, Row.of("email", "crm@x"));
        erp.table("p").update(inErp, Row.of("email", "erp@x"));
        engine.captureOnce("crm");
        store.crashAfter(1);
        assertThatThrownBy(() -> engine.captureOnce("erp")).isInstanceOf(SimulatedCrash.class);
        assertThat(events.take()).as("the parked conflict was rolled back with its transaction").containsExactly("captured people crm 1");
        engine.captureOnce("erp");
        assertThat(events.take()).containsExactly("conflict people email manual parked", "captured people erp 1");
    }

    @Test
    void aListenerThatThrowsNeverStopsTheEngine() {
        engine = start(new EngineListener() {
            @Override
            public void captured(String sync, String system, int changes, boolean caughtUp) {
                throw new IllegalStateException("broken metrics");
            }

            @Override
            public void applied(String sync, String system, Instant sourceTime, Instant appliedAt) {
                throw new IllegalStateException("broken metrics");
            }
        });
        crm.table("p").insert(Row.of("name", "Ada", "phone", "1", "email", "ada@x"));
        pass();
        assertThat(erp.rows("p").values()).extracting(r -> r.get("name")).containsExactly(Value.str("Ada"));
    }

    @Test
    void anUnavailableTargetIsADeliveryErrorAndARefusedWriteADeadLetter() {
        engine = start(events);
        pass(); // both captures started
        crm.table("p").insert(Row.of("name", "Ada", "phone", "1", "email", "ada@x"));
        erp.setAvailable(false);
        engine.captureOnce("crm");
        engine.deliverOnce("erp");
        assertThatThrownBy(() -> engine.captureOnce("erp")).isInstanceOf(dev.twoway.spi.SystemUnavailableException.class);
        assertThat(events.take()).containsExactly("captured people crm 1", "error people erp DELIVERY unavailable",
                "error people erp CAPTURE unavailable");
        erp.setAvailable(true);
        erp.setFaults(new dev.twoway.connector.memory.WriteFaults() {
            @Override
            public String reject(dev.twoway.spi.Write write) {
                return "no such column";
            }
        });
        clock.advance(Duration.ofMinutes(10)); // past the outage backoff
        engine.deliverOnce("erp");
        assertThat(events.take()).containsExactly("dead-letter people erp DELIVERY");
    }
}
