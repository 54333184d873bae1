package dev.twoway.invariants;

import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.engine.Backoff;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.EngineRuntime;
import dev.twoway.engine.Pauses;
import dev.twoway.schedule.Schedule;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.engine.SyncPass;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.Row;
import dev.twoway.spi.Connector;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scheduled syncs run full passes at their times; paused syncs wait, and catch up once resumed. */
class ScheduledRuntimeTest {
    @TempDir
    Path dir;

    private final MemorySystem a = new MemorySystem("a", InstantSource.system());
    private final MemorySystem b = new MemorySystem("b", InstantSource.system());

    private SyncEngine engine(SqliteStateStore store, String name) {
        EndpointMapping identity = EndpointMapping.identity(Set.of("name"));
        SyncDefinition sync = new SyncDefinition(name, List.of(
                new EndpointDefinition("a", name, Direction.BOTH, identity, null),
                new EndpointDefinition("b", name, Direction.BOTH, identity, null)),
                ConflictSettings.lastWriteWins(List.of("a", "b")), List.of());
        return new SyncEngine(sync, io(name), store, EngineOptions.defaults());
    }

    private Map<String, SyncEngine.EndpointIo> io(String table) {
        return Map.of("a", new SyncEngine.EndpointIo(a.source(table), a.sink(table)), "b", new SyncEngine.EndpointIo(b.source(table), b.sink(table)));
    }

    private EngineRuntime runtime(List<SyncEngine> engines, Map<String, Schedule> schedules, Pauses pauses) {
        Map<String, SyncEngine.EndpointIo> all = new java.util.HashMap<>();
        for (SyncEngine e : engines) io(e.definition().name()).forEach((k, v) -> all.put(e.definition().name() + "/" + k, v));
        return new EngineRuntime(engines, all, Map.<String, Connector>of("a", a, "b", b),
                new EngineRuntime.Options(Duration.ofMillis(20), Duration.ofMillis(20), new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)),
                        Duration.ofMinutes(1)), schedules, pauses, ZoneOffset.UTC);
    }

    @Test
    void aScheduledSyncDeliversAtItsIntervalAndAPausedOneWaitsUntilResumed() throws Exception {
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
            SyncEngine every = engine(store, "every");
            SyncEngine live = engine(store, "live");
            Pauses pauses = new Pauses(store);
            pauses.pause("live", "test");
            EngineRuntime runtime = runtime(List.of(every, live), Map.of("every", Schedule.parse("every 2s")), pauses);
            long started = System.nanoTime();
            runtime.start();
            try {
                a.table("every").insert(Row.of("name", "scheduled"));
                a.table("live").insert(Row.of("name", "paused"));
                eventually(() -> b.rows("every").size() == 1);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the first pass comes at the first interval, not at once")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
                assertThat(b.rows("live")).as("the paused sync moved nothing").isEmpty();
                pauses.resume("live");
                eventually(() -> b.rows("live").size() == 1);
            } finally {
                runtime.stop(Duration.ofSeconds(10));
            }
            assertThat(runtime.failure()).isEmpty();
        }
    }

    @Test
    void oneSyncPassReadsEverythingDeliversEverythingAndReportsIt() throws Exception {
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
            SyncEngine engine = engine(store, "people");
            for (int i = 0; i < 1200; i++) a.table("people").insert(Row.of("name", "a" + i)); // more than two batches
            for (int i = 0; i < 10; i++) b.table("people").insert(Row.of("name", "b" + i));
            java.util.concurrent.atomic.AtomicLong shown = new java.util.concurrent.atomic.AtomicLong();
            SyncPass.Report r = SyncPass.run(engine, Duration.ofSeconds(5), new SyncPass.Progress() {
                public void captured(String sync, String endpoint, long changesSoFar) {
                    shown.set(Math.max(shown.get(), changesSoFar));
                }

                public void delivered(String sync, String endpoint, long writesSoFar) {
                }
            });
            assertThat(a.rows("people")).hasSize(1210);
            assertThat(b.rows("people")).hasSize(1210);
            assertThat(r.applied()).isEqualTo(1210);
            assertThat(r.queued()).isZero();
            assertThat(r.unavailable()).isEmpty();
            assertThat(shown.get()).as("progress was reported").isGreaterThanOrEqualTo(1200);

            b.setAvailable(false);
            a.table("people").insert(Row.of("name", "during the outage"));
            SyncPass.Report outage = SyncPass.run(engine, Duration.ofMillis(200), SyncPass.Progress.NONE);
            assertThat(outage.unavailable()).containsKey("b");
            assertThat(outage.queued()).as("the write waits in the outbox").isEqualTo(1);
            b.setAvailable(true);
            SyncPass.Report after = SyncPass.run(engine, Duration.ofSeconds(5), SyncPass.Progress.NONE);
            assertThat(after.queued()).isZero();
            assertThat(b.rows("people")).hasSize(1211);
        }
    }

    @Test
    void runNowStartsAPassOfAScheduledSyncAtOnceAndRefusesAPausedOrUnknownSync() throws Exception {
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
            SyncEngine hourly = engine(store, "hourly");
            SyncEngine live = engine(store, "live");
            Pauses pauses = new Pauses(store);
            EngineRuntime runtime = runtime(List.of(hourly, live), Map.of("hourly", Schedule.parse("every 1h")), pauses);
            assertThatThrownBy(() -> runtime.runNow("hourly")).as("before start").isInstanceOf(IllegalStateException.class);
            runtime.start();
            try {
                a.table("hourly").insert(Row.of("name", "now please"));
                Thread.sleep(300);
                assertThat(b.rows("hourly")).as("nothing before the first hour").isEmpty();
                long asked = System.nanoTime();
                assertThat(runtime.runNow("hourly")).isEqualTo("a pass of sync 'hourly' starts now");
                eventually(() -> b.rows("hourly").size() == 1);
                assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("the pass came at once, not at the hour").isLessThan(Duration.ofSeconds(10));
                // A second request after the first pass also runs (the schedule's next time was kept, not consumed).
                a.table("hourly").insert(Row.of("name", "again"));
                runtime.runNow("hourly");
                eventually(() -> b.rows("hourly").size() == 2);

                assertThat(runtime.runNow("live")).contains("runs continuously (realtime)");
                pauses.pause("hourly", "test");
                assertThatThrownBy(() -> runtime.runNow("hourly")).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("sync 'hourly' is paused; resume it first");
                assertThatThrownBy(() -> runtime.runNow("nosuch")).hasMessage("there is no sync 'nosuch'");
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
