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

/** Two or more SQL systems, one sync between them, and a loop that drives the engine until nothing moves. */
final class SqlSyncHarness implements AutoCloseable {
    final Map<String, SqlConnector> connectors = new LinkedHashMap<>();
    final Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
    final StateStore store;
    final SyncEngine engine;
    final Path dir;
    private final Duration settle;

    record Side(String system, TestDatabase db, TableConfig table, EndpointMapping mapping) {
    }

    SqlSyncHarness(String sync, List<Side> sides, ConflictSettings conflicts, List<String> matchFields, Duration settle) throws Exception {
        this.dir = Files.createTempDirectory("twoway-sync");
        this.settle = settle;
        List<EndpointDefinition> endpoints = new ArrayList<>();
        for (Side s : sides) {
            SqlConnector c = new SqlConnector(s.db().database(s.system()), Map.of(s.table().table(), s.table()), dir);
            connectors.put(s.system(), c);
            io.put(s.system(), new SyncEngine.EndpointIo(c.source(s.table().table()), c.sink(s.table().table())));
            endpoints.add(new EndpointDefinition(s.system(), s.table().table(), Direction.BOTH, s.mapping(), null));
        }
        this.store = SqliteStateStore.open(dir.resolve("state.db"));
        this.engine = new SyncEngine(new SyncDefinition(sync, endpoints, conflicts, matchFields), io, store, EngineOptions.defaults());
    }

    /** Captures and delivers on every side until a full round moves nothing, also after the settle time. */
    Rounds syncUntilQuiet() throws InterruptedException {
        Rounds r = new Rounds();
        for (int quietChecks = 0; quietChecks < 2; ) {
            int moved = round(r);
            if (moved > 0) {
                quietChecks = 0;
                continue;
            }
            quietChecks++;
            if (!settle.isZero()) Thread.sleep(settle.toMillis() + 50);
            if (r.rounds > 200) throw new AssertionError("sync did not settle after 200 rounds");
        }
        return r;
    }

    static final class Rounds {
        int rounds;
        int changesSeen;
        int resolved;
        int delivered;
    }

    int round(Rounds r) {
        r.rounds++;
        int moved = 0;
        for (String e : io.keySet()) {
            SyncEngine.CaptureReport c;
            do {
                c = engine.captureOnce(e);
                r.changesSeen += c.changes();
                r.resolved += c.resolved();
                moved += c.resolved();
            } while (!c.caughtUp());
        }
        for (String e : io.keySet()) {
            SyncEngine.DeliveryReport d = engine.deliverOnce(e);
            r.delivered += d.applied();
            moved += d.due();
        }
        return moved;
    }

    @Override
    public void close() throws Exception {
        for (SyncEngine.EndpointIo e : io.values()) {
            e.source().close();
            e.sink().close();
        }
        store.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
