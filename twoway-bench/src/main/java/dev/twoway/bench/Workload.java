package dev.twoway.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Application writes against both sides of a running sync. PostgreSQL's writers touch even ids, MariaDB's odd ids, so
 * the two sides never edit the same row (no conflicts: this measures throughput, not conflict handling). Latency
 * probes use the ids above the burst range. In poll mode every write also sets {@code created}, the poll column.
 * A one-way workload writes only to PostgreSQL and waits for MariaDB (the comparison with {@link DebeziumPeer}).
 */
final class Workload {
    private static final Duration GIVE_UP = Duration.ofSeconds(60);
    private final BenchDatabase pg;
    private final BenchDatabase my;
    private final boolean touchCreated;
    private final int rows;
    private final boolean oneWay;
    private final String tagPrefix;
    private int round;
    private int burstIds;
    private int nextProbeId;

    Workload(BenchDatabase pg, BenchDatabase my, boolean touchCreated, int rows) {
        this(pg, my, touchCreated, rows, false, "");
    }

    /**
     * @param oneWay    only PostgreSQL is written; changes are awaited in MariaDB only
     * @param tagPrefix prefix of the values written, so that two workloads on the same PostgreSQL table never write
     *                  a value the other one waits for
     */
    Workload(BenchDatabase pg, BenchDatabase my, boolean touchCreated, int rows, boolean oneWay, String tagPrefix) {
        this.pg = pg;
        this.my = my;
        this.touchCreated = touchCreated;
        this.rows = rows;
        this.oneWay = oneWay;
        this.tagPrefix = tagPrefix;
    }

    private String update(BenchDatabase db, String set, String where) {
        String created = !touchCreated ? "" : db == pg ? ", created = localtimestamp" : ", created = now(6)";
        return "UPDATE bench SET " + set + created + " WHERE " + where;
    }

    private static int parity(BenchDatabase db, BenchDatabase pg) {
        return db == pg ? 0 : 1;
    }

    /**
     * {@code perSide} updates committed on each side at once (1,000 rows per statement and commit); returns the
     * changes per second from the first write until the last change is visible on the other side. One-way: only
     * PostgreSQL's {@code perSide} updates.
     */
    double burst(int perSide) throws Exception {
        String tag = tagPrefix + "b" + (++round);
        burstIds = 2 * perSide;
        nextProbeId = burstIds + 1;
        long t0 = System.nanoTime();
        AtomicReference<Exception> error = new AtomicReference<>();
        List<Thread> writers = new ArrayList<>();
        for (BenchDatabase db : oneWay ? List.of(pg) : List.of(pg, my)) {
            writers.add(Thread.ofPlatform().start(() -> {
                try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                        update(db, "qty = qty + 1, c7 = ?", "id BETWEEN ? AND ? AND MOD(id, 2) = " + parity(db, pg)))) {
                    for (int from = 1; from <= burstIds; from += 2_000) {
                        ps.setString(1, tag);
                        ps.setInt(2, from);
                        ps.setInt(3, Math.min(burstIds, from + 1_999));
                        ps.executeUpdate();
                    }
                } catch (SQLException e) {
                    error.set(e);
                }
            }));
        }
        for (Thread t : writers) t.join();
        if (error.get() != null) throw error.get();
        System.out.printf("  writers committed %,d updates %s in %.2f s%n", perSide, oneWay ? "in PostgreSQL" : "on each side", BenchSuite.seconds(t0));
        awaitCount(my, "c7 = '" + tag + "' AND MOD(id, 2) = 0", perSide, t0);
        if (oneWay) return perSide / BenchSuite.seconds(t0);
        awaitCount(pg, "c7 = '" + tag + "' AND MOD(id, 2) = 1", perSide, t0);
        return 2.0 * perSide / BenchSuite.seconds(t0);
    }

    private static void awaitCount(BenchDatabase db, String where, long expected, long t0) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM bench WHERE " + where)) {
                    rs.next();
                    if (rs.getLong(1) >= expected) return;
                }
                if (System.nanoTime() - t0 > Duration.ofMinutes(10).toNanos()) {
                    throw new IllegalStateException(db.name + ": not all " + expected + " changes arrived within 10 minutes");
                }
                Thread.sleep(20);
            }
        }
    }

    record Latencies(Map<String, List<Long>> perDirection, int timeouts) {
    }

    /**
     * Commits {@code perSecond} one-row updates per second for {@code duration}, alternating PostgreSQL and MariaDB,
     * each to a row of its own (one-way: all in PostgreSQL), and measures from the return of each commit until the other side shows the value
     * (checked every 2 ms, all open probes of a side in one query). Meanwhile {@code background} changes per
     * second (half on each side, 100-row statements) keep the sync busy.
     */
    Latencies latency(int perSecond, Duration duration, int background) throws Exception {
        String tag = tagPrefix + "p" + (++round) + "-";
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        if (background > 0) for (BenchDatabase db : oneWay ? List.of(pg) : List.of(pg, my)) load.add(Thread.ofPlatform().start(() -> backgroundLoad(db, background / 2, stop)));
        Map<String, List<Long>> out = new LinkedHashMap<>();
        out.put("PG→MariaDB", new ArrayList<>());
        if (!oneWay) out.put("MariaDB→PG", new ArrayList<>());
        int timeouts = 0;
        try (Connection pgWrite = pg.connect(); Connection myWrite = my.connect(); Connection pgRead = pg.connect(); Connection myRead = my.connect()) {
            Map<Integer, long[]> open = new HashMap<>(); // probe id → {commit time, 0 = written in PG / 1 = MariaDB}
            long start = System.nanoTime();
            long interval = 1_000_000_000L / perSecond;
            int sent = 0;
            int total = (int) (duration.toSeconds() * perSecond);
            while (sent < total || !open.isEmpty()) {
                long now = System.nanoTime();
                if (sent < total && now >= start + sent * interval) {
                    int id = nextProbeId++;
                    if (id > rows) throw new IllegalStateException("out of probe rows: use more rows");
                    boolean fromPg = oneWay || sent % 2 == 0;
                    Connection w = fromPg ? pgWrite : myWrite;
                    try (PreparedStatement ps = w.prepareStatement(update(fromPg ? pg : my, "c7 = ?", "id = ?"))) {
                        ps.setString(1, tag + id);
                        ps.setInt(2, id);
                        ps.executeUpdate();
                    }
                    open.put(id, new long[]{System.nanoTime(), fromPg ? 0 : 1});
                    sent++;
                }
                for (int side = 0; side < 2; side++) {
                    List<Integer> ids = new ArrayList<>();
                    for (var e : open.entrySet()) if (e.getValue()[1] == side) ids.add(e.getKey());
                    if (ids.isEmpty()) continue;
                    Connection r = side == 0 ? myRead : pgRead;
                    try (Statement s = r.createStatement(); ResultSet rs = s.executeQuery("SELECT id, c7 FROM bench WHERE id IN ("
                            + String.join(",", ids.stream().map(String::valueOf).toList()) + ")")) {
                        long seen = System.nanoTime();
                        while (rs.next()) {
                            int id = rs.getInt(1);
                            if ((tag + id).equals(rs.getString(2))) {
                                long[] p = open.remove(id);
                                out.get(side == 0 ? "PG→MariaDB" : "MariaDB→PG").add((seen - p[0]) / 1_000_000);
                            }
                        }
                    }
                }
                long oldest = open.values().stream().mapToLong(p -> p[0]).min().orElse(Long.MAX_VALUE);
                if (System.nanoTime() - oldest > GIVE_UP.toNanos()) {
                    timeouts += open.size();
                    open.clear();
                }
                Thread.sleep(2);
            }
        } finally {
            stop.set(true);
            for (Thread t : load) t.join();
        }
        return new Latencies(out, timeouts);
    }

    private void backgroundLoad(BenchDatabase db, int perSecond, AtomicBoolean stop) {
        int step = 200; // ids per statement: 100 rows of this side's parity
        long interval = 1_000_000_000L * 100 / Math.max(1, perSecond);
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                update(db, "qty = qty + 1", "id BETWEEN ? AND ? AND MOD(id, 2) = " + parity(db, pg)))) {
            long next = System.nanoTime();
            int from = 1;
            while (!stop.get()) {
                ps.setInt(1, from);
                ps.setInt(2, from + step - 1);
                ps.executeUpdate();
                from = from + step > burstIds ? 1 : from + step;
                next += interval;
                long sleep = next - System.nanoTime();
                if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        } catch (SQLException | InterruptedException e) {
            System.out.println("  background load on " + db.kind + " stopped: " + e);
        }
    }

    /** p50, p95, p99 (nearest rank) of {@code ms}. */
    static long[] percentiles(List<Long> ms) {
        if (ms.isEmpty()) return new long[]{-1, -1, -1};
        List<Long> s = new ArrayList<>(ms);
        s.sort(null);
        return new long[]{rank(s, 0.50), rank(s, 0.95), rank(s, 0.99)};
    }

    private static long rank(List<Long> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
