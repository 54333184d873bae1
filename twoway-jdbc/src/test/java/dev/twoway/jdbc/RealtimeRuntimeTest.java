package dev.twoway.jdbc;

import dev.twoway.engine.Backoff;
import dev.twoway.engine.EngineRuntime;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.spi.Connector;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime's loops over real databases: with trigger capture on PostgreSQL, a commit wakes the engine
 * (LISTEN/NOTIFY), so a change arrives in MariaDB well before the poll interval; MariaDB's changes arrive at the
 * next poll.
 */
class RealtimeRuntimeTest {

    @Test
    void postgresCommitsWakeTheEngine() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            pg.exec("CREATE TABLE item (id integer PRIMARY KEY, qty integer)");
            my.exec("CREATE TABLE item (id INT PRIMARY KEY, qty INT)");
            EndpointMapping mapping = EndpointMapping.identity(Set.of("id", "qty"));
            try (SqlSyncHarness h = new SqlSyncHarness("items", List.of(
                    new SqlSyncHarness.Side("pg", pg, TableConfig.of("item"), mapping),
                    new SqlSyncHarness.Side("my", my, TableConfig.of("item"), mapping)), ConflictSettings.lastWriteWins(List.of("pg", "my")),
                    List.of("id"), Duration.ZERO)) {
                Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
                h.ios.getFirst().forEach((endpoint, e) -> io.put("items/" + endpoint, e));
                Map<String, Connector> connectors = new LinkedHashMap<>(h.connectors);
                Duration poll = Duration.ofSeconds(4);
                try (EngineRuntime runtime = new EngineRuntime(List.of(h.engine), io, connectors,
                        new EngineRuntime.Options(poll, Duration.ofMillis(200), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)), Duration.ofMinutes(5)))) {
                    runtime.start();
                    Thread.sleep(1500); // snapshots done, the PostgreSQL capture loop is listening
                    long start = System.nanoTime();
                    pg.exec("INSERT INTO item VALUES (1, 10)");
                    awaitRow(my, "SELECT qty FROM item WHERE id = 1", "10", Duration.ofSeconds(20));
                    Duration latency = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(latency).as("PostgreSQL → MariaDB with a %s poll interval", poll).isLessThan(poll.minusSeconds(2));

                    my.exec("UPDATE item SET qty = 11 WHERE id = 1");
                    awaitRow(pg, "SELECT qty FROM item WHERE id = 1", "11", Duration.ofSeconds(20));
                    assertThat(runtime.failure()).isEmpty();
                    runtime.stop(Duration.ofSeconds(10));
                }
            }
        }
    }

    static void awaitRow(TestDatabase db, String sql, String expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try (var c = db.connect(); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
                last = rs.next() ? rs.getString(1) : null;
            }
            if (expected.equals(last)) return;
            Thread.sleep(25);
        }
        throw new AssertionError(db + ": " + sql + " gave " + last + ", expected " + expected + " within " + timeout);
    }
}
