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

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 20 s");
            Thread.sleep(10);
        }
    }
}
