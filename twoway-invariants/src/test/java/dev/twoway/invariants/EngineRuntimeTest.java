package dev.twoway.invariants;

import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.EngineRuntime;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.spi.Connector;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine running on its own threads, as `twoway run` will run it: changes flow both ways, stop is clean. */
class EngineRuntimeTest {
    @TempDir
    Path dir;

    @Test
    void changesFlowBothWaysWhileRunningAndStopFinishesCleanly() throws Exception {
        MemorySystem a = new MemorySystem("a", InstantSource.system());
        MemorySystem b = new MemorySystem("b", InstantSource.system());
        b.setTagOwnWrites(true);
        EndpointMapping identity = EndpointMapping.identity(Set.of("name", "phone"));
        SyncDefinition sync = new SyncDefinition("people", List.of(
                new EndpointDefinition("a", "p", Direction.BOTH, identity, null),
                new EndpointDefinition("b", "p", Direction.BOTH, identity, null)),
                ConflictSettings.lastWriteWins(List.of("a", "b")), List.of());
        Map<String, SyncEngine.EndpointIo> io = Map.of(
                "a", new SyncEngine.EndpointIo(a.source("p"), a.sink("p")),
                "b", new SyncEngine.EndpointIo(b.source("p"), b.sink("p")));
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
            SyncEngine engine = new SyncEngine(sync, io, store, EngineOptions.defaults());
            EngineRuntime runtime = new EngineRuntime(List.of(engine),
                    Map.of("people/a", io.get("a"), "people/b", io.get("b")), Map.<String, Connector>of("a", a, "b", b),
                    new EngineRuntime.Options(Duration.ofMillis(20), Duration.ofMillis(20),
                            new dev.twoway.engine.Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofSeconds(1)));
            runtime.start();
            try {
                NativeKey ada = a.table("p").insert(Row.of("name", "Ada", "phone", "1"));
                eventually(() -> b.rows("p").size() == 1);
                NativeKey inB = b.rows("p").keySet().iterator().next();
                b.table("p").update(inB, Row.of("phone", "2"));
                eventually(() -> a.table("p").get(ada).orElseThrow().get("phone").equals(Value.str("2")));
                for (int i = 0; i < 50; i++) a.table("p").insert(Row.of("name", "n" + i, "phone", "p" + i));
                eventually(() -> b.rows("p").size() == 51);
                b.setAvailable(false); // an outage while running: writes queue
                a.table("p").update(ada, Row.of("name", "Ada L."));
                eventually(() -> engine.status().endpoints().stream().anyMatch(e -> e.endpoint().equals("b") && e.queued() == 1));
                b.setAvailable(true);
                eventually(() -> b.table("p").get(inB).orElseThrow().get("name").equals(Value.str("Ada L.")));
            } finally {
                runtime.stop(Duration.ofSeconds(10));
            }
            assertThat(runtime.running()).isFalse();
            assertThat(runtime.failure()).isEmpty();
            assertThat(engine.status().endpoints()).allSatisfy(e -> assertThat(e.queued()).isZero());
        }
    }

    /**
     * A system whose clock is five minutes ahead and slow to read (a network round trip): its first capture must wait
     * for the measurement. Before, the clock thread read it while capture already stamped the system's initial changes
     * uncorrected, and the stamp stayed in its hybrid logical clock (persisted), so for five minutes every edit of that
     * system beat every other system's, as if made five minutes later than it was.
     */
    @Test
    void aSkewedSystemsClockIsMeasuredBeforeItsFirstCaptureSoTheLaterRealEditWins() throws Exception {
        MemorySystem a = new MemorySystem("a", InstantSource.system());
        MemorySystem b = new MemorySystem("b", InstantSource.system());
        b.setSkew(Duration.ofMinutes(5));
        b.setTagOwnWrites(true);
        Connector slowClockB = new Connector() {
            public String system() {
                return "b";
            }

            public dev.twoway.spi.ChangeSource source(String entity) {
                return b.source(entity);
            }

            public dev.twoway.spi.RecordSink sink(String entity) {
                return b.sink(entity);
            }

            public java.util.Optional<java.time.Instant> currentTime() {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return b.currentTime();
            }
        };
        EndpointMapping identity = EndpointMapping.identity(Set.of("name", "phone"));
        SyncDefinition sync = new SyncDefinition("people", List.of(
                new EndpointDefinition("a", "p", Direction.BOTH, identity, null),
                new EndpointDefinition("b", "p", Direction.BOTH, identity, null)),
                ConflictSettings.lastWriteWins(List.of("a", "b")), List.of());
        Map<String, SyncEngine.EndpointIo> io = Map.of(
                "a", new SyncEngine.EndpointIo(a.source("p"), a.sink("p")),
                "b", new SyncEngine.EndpointIo(b.source("p"), b.sink("p")));
        NativeKey inB = b.table("p").insert(Row.of("name", "Ada", "phone", "1")); // read by b's first capture
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
            SyncEngine engine = new SyncEngine(sync, io, store, EngineOptions.defaults());
            EngineRuntime runtime = new EngineRuntime(List.of(engine),
                    Map.of("people/a", io.get("a"), "people/b", io.get("b")), Map.<String, Connector>of("a", a, "b", slowClockB),
                    new EngineRuntime.Options(Duration.ofMillis(20), Duration.ofMillis(20),
                            new dev.twoway.engine.Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofMinutes(10)));
            runtime.start();
            try {
                eventually(() -> a.rows("p").size() == 1);
                NativeKey inA = a.rows("p").keySet().iterator().next();
                a.setAvailable(false); // so that both edits meet in one merge
                b.table("p").update(inB, Row.of("phone", "b-earlier"));
                eventually(() -> engine.status().endpoints().stream().anyMatch(e -> e.endpoint().equals("a") && e.queued() == 1));
                Thread.sleep(1_500); // beyond the skew window (1 s): not a tie
                a.table("p").update(inA, Row.of("phone", "a-later"));
                a.setAvailable(true);
                eventually(() -> engine.status().endpoints().stream().allMatch(e -> e.queued() == 0)
                        && a.table("p").get(inA).orElseThrow().equals(b.table("p").get(inB).orElseThrow()));
                assertThat(b.table("p").get(inB).orElseThrow().get("phone")).as("the later real edit wins").isEqualTo(Value.str("a-later"));
            } finally {
                runtime.stop(Duration.ofSeconds(10));
            }
            assertThat(runtime.failure()).isEmpty();
        }
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 20 s");
            Thread.sleep(10);
        }
    }
}
