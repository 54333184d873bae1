package dev.twoway.bench;

import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * End-to-end throughput of the engine core with the embedded store and in-memory systems (so the figure is the
 * engine's own cost, without any database driver), beside a baseline measured in the same run: the state store
 * doing only the writes the engine needs at the minimum for the same records (one state row and one outbox entry
 * per record, same batch size, same durability). Prints a table; never part of the test run.
 *
 * <pre>./mvnw -Pbench -DskipTests package
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *      -cp twoway-bench/target/benchmarks.jar dev.twoway.bench.EngineThroughput [records]</pre>
 */
public final class EngineThroughput {
    private static final int BATCH = 500;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        System.out.printf("records: %,d of 20 fields, batch %d, SQLite store (WAL, synchronous=FULL)%n%n", n, BATCH);
        warmUp();
        double baseline = baseline(n);
        double[] engine = engine(n);
        System.out.printf("%-46s %14s %10s%n", "phase", "records/s", "vs store");
        System.out.printf("%-46s %,14.0f %10s%n", "baseline: store writes only (state + outbox)", baseline, "1.00");
        System.out.printf("%-46s %,14.0f %10.2f%n", "capture+resolve of inserts (A)", engine[0], engine[0] / baseline);
        System.out.printf("%-46s %,14.0f %10.2f%n", "deliver inserts to B", engine[1], engine[1] / baseline);
        System.out.printf("%-46s %,14.0f %10.2f%n", "capture+resolve of 1-field updates (A)", engine[2], engine[2] / baseline);
        System.out.printf("%-46s %,14.0f %10.2f%n", "deliver updates to B", engine[3], engine[3] / baseline);
        System.out.printf("%-46s %,14.0f %10.2f%n", "echo: capture of B's own writes (untagged)", engine[4], engine[4] / baseline);
    }

    private static void warmUp() throws Exception {
        baseline(5_000);
        engine(5_000);
    }

    static Row record(int i) {
        Row r = MergeBenchmark.record(i);
        return r.with("f0", Value.str("row " + i));
    }

    private static double baseline(int n) throws Exception {
        Path dir = Files.createTempDirectory("twoway-bench");
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
            long t0 = System.nanoTime();
            for (int from = 0; from < n; from += BATCH) {
                int start = from;
                store.run(tx -> {
                    for (int i = start; i < Math.min(n, start + BATCH); i++) {
                        RecordId id = new RecordId("r" + i);
                        Row values = record(i);
                        RecordState s = RecordState.fresh(id).withShadow("a", Shadow.present(new NativeKey(Integer.toString(i)), values, 0));
                        tx.saveRecord("bench", s, null);
                        tx.enqueue("bench", "b", id, java.time.Instant.EPOCH);
                    }
                });
            }
            return n / seconds(t0);
        }
    }

    private static double[] engine(int n) throws Exception {
        Path dir = Files.createTempDirectory("twoway-bench");
        MemorySystem a = new MemorySystem("a", InstantSource.system());
        MemorySystem b = new MemorySystem("b", InstantSource.system());
        a.setTagOwnWrites(true);
        var fields = record(0).names();
        EndpointMapping identity = EndpointMapping.identity(java.util.Set.copyOf(fields));
        SyncDefinition sync = new SyncDefinition("bench", List.of(
                new EndpointDefinition("a", "t", Direction.BOTH, identity, null),
                new EndpointDefinition("b", "t", Direction.BOTH, identity, null)),
                ConflictSettings.lastWriteWins(List.of("a", "b")), List.of());
        try (SqliteStateStore store = SqliteStateStore.open(dir.resolve("state.db"))) {
            SyncEngine engine = new SyncEngine(sync, Map.of(
                    "a", new SyncEngine.EndpointIo(a.source("t"), a.sink("t")),
                    "b", new SyncEngine.EndpointIo(b.source("t"), b.sink("t"))), store, EngineOptions.defaults().withBatchSize(BATCH));
            engine.captureOnce("a");
            engine.captureOnce("b");
            List<NativeKey> keys = new ArrayList<>(n);
            for (int i = 0; i < n; i++) keys.add(a.table("t").insert(record(i)));
            double[] out = new double[5];
            out[0] = n / time(() -> drainCapture(engine, "a"));
            out[1] = n / time(() -> drainDelivery(engine, "b"));
            drainCapture(engine, "b"); // B's log holds the inserts (B is untagged); consumed outside the timings
            for (int i = 0; i < n; i++) a.table("t").update(keys.get(i), Row.of("f3", Value.str("changed " + i)));
            out[2] = n / time(() -> drainCapture(engine, "a"));
            out[3] = n / time(() -> drainDelivery(engine, "b"));
            out[4] = n / time(() -> drainCapture(engine, "b"));
            if (b.rows("t").size() != n) throw new IllegalStateException("B holds " + b.rows("t").size() + " rows, expected " + n);
            return out;
        }
    }

    private static void drainCapture(SyncEngine engine, String endpoint) {
        SyncEngine.CaptureReport r;
        do {
            r = engine.captureOnce(endpoint);
        } while (!r.caughtUp() || r.changes() > 0);
    }

    private static void drainDelivery(SyncEngine engine, String endpoint) {
        while (engine.deliverOnce(endpoint).due() > 0) {
            // keep going until the outbox of the endpoint is empty
        }
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return seconds(t0);
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
