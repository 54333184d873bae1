package dev.twoway.jdbc;

import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.store.StateStore;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One or more syncs between SQL systems on one state store, and a loop that drives the engines until nothing
 * moves (the runtime's loops, made deterministic for tests).
 */
final class SqlSyncHarness implements AutoCloseable {
    final Map<String, SqlConnector> connectors = new LinkedHashMap<>();
    final List<SyncEngine> engines = new ArrayList<>();
    final List<Map<String, SyncEngine.EndpointIo>> ios = new ArrayList<>();
    final StateStore store;
    final SyncEngine engine;
    final Path dir;
    private final Duration settle;
    final List<String> captureErrors = new ArrayList<>();

    /** One endpoint; {@code references}: native column → referenced sync. */
    record Side(String system, TestDatabase db, TableConfig table, EndpointMapping mapping, Map<String, String> references) {
        Side(String system, TestDatabase db, TableConfig table, EndpointMapping mapping) {
            this(system, db, table, mapping, Map.of());
        }
    }

    record Sync(String name, List<Side> sides, ConflictSettings conflicts, List<String> matchFields) {
    }

    SqlSyncHarness(String sync, List<Side> sides, ConflictSettings conflicts, List<String> matchFields, Duration settle) throws Exception {
        this(List.of(new Sync(sync, sides, conflicts, matchFields)), settle);
    }

    SqlSyncHarness(List<Sync> syncs, Duration settle) throws Exception {
        this.dir = Files.createTempDirectory("twoway-sync");
        this.settle = settle;
        this.store = SqliteStateStore.open(dir.resolve("state.db"));
        Map<String, Map<String, TableConfig>> tablesBySystem = new LinkedHashMap<>();
        Map<String, TestDatabase> dbs = new LinkedHashMap<>();
        for (Sync s : syncs) {
            for (Side side : s.sides()) {
                tablesBySystem.computeIfAbsent(side.system(), k -> new LinkedHashMap<>()).put(side.table().table(), side.table());
                dbs.put(side.system(), side.db());
            }
        }
        for (var e : tablesBySystem.entrySet()) connectors.put(e.getKey(), new SqlConnector(dbs.get(e.getKey()).database(e.getKey()), e.getValue(), dir));
        for (Sync s : syncs) {
            List<EndpointDefinition> endpoints = new ArrayList<>();
            Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
            for (Side side : s.sides()) {
                SqlConnector c = connectors.get(side.system());
                io.put(side.system(), new SyncEngine.EndpointIo(c.source(side.table().table()), c.sink(side.table().table())));
                endpoints.add(new EndpointDefinition(side.system(), side.table().table(), Direction.BOTH, side.mapping(), null, side.references()));
            }
            ios.add(io);
            engines.add(new SyncEngine(new SyncDefinition(s.name(), endpoints, s.conflicts(), s.matchFields()), io, store, EngineOptions.defaults()));
        }
        this.engine = engines.getFirst();
    }

    /** Captures and delivers on every side until a full round moves nothing, also after the settle time. */
    Rounds syncUntilQuiet() throws InterruptedException {
        Rounds r = new Rounds();
        for (int quietChecks = 0; quietChecks < 2; ) {
            if (r.rounds > 400) throw new AssertionError("sync did not settle after 400 rounds; capture errors: " + captureErrors);
            int moved = round(r);
            if (moved == 0 && queued() > 0) {
                Thread.sleep(100); // writes waiting for a retry time (a referenced record, a backoff)
                moved = 1;
            }
            if (moved > 0) {
                quietChecks = 0;
                continue;
            }
            quietChecks++;
            if (!settle.isZero()) Thread.sleep(settle.toMillis() + 50);
        }
        return r;
    }

    long queued() {
        long n = 0;
        for (SyncEngine e : engines) n += e.status().endpoints().stream().mapToLong(SyncEngine.EndpointStatus::queued).sum();
        return n;
    }

    static final class Rounds {
        int rounds;
        int changesSeen;
        int resolved;
        int delivered;
    }

    /**
     * One round over every sync: capture each endpoint until caught up, then deliver once. A capture that fails
     * (e.g. waiting for a referenced record another sync has not captured yet) is retried next round, as the
     * runtime does.
     */
    int round(Rounds r) throws InterruptedException {
        r.rounds++;
        int moved = 0;
        for (int i = 0; i < engines.size(); i++) {
            SyncEngine engine = engines.get(i);
            for (String e : ios.get(i).keySet()) {
                try {
                    SyncEngine.CaptureReport c;
                    do {
                        c = engine.captureOnce(e);
                        r.changesSeen += c.changes();
                        r.resolved += c.resolved();
                        moved += c.resolved();
                    } while (!c.caughtUp());
                } catch (RuntimeException ex) {
                    captureErrors.add(engine.definition().name() + "/" + e + ": " + ex.getMessage());
                    moved++;
                }
            }
        }
        for (int i = 0; i < engines.size(); i++) {
            for (String e : ios.get(i).keySet()) {
                SyncEngine.DeliveryReport d = engines.get(i).deliverOnce(e);
                r.delivered += d.applied();
                moved += d.due();
            }
        }
        if (moved > 0 && r.rounds % 10 == 0) Thread.sleep(100); // let retry backoffs pass
        return moved;
    }

    @Override
    public void close() throws Exception {
        for (Map<String, SyncEngine.EndpointIo> io : ios) {
            for (SyncEngine.EndpointIo e : io.values()) {
                e.source().close();
                e.sink().close();
            }
        }
        store.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
