package dev.twoway.jdbc;

import dev.twoway.audit.AuditEntry;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictPolicy;
import dev.twoway.merge.ConflictSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.twoway.jdbc.TestDatabase.Kind.MARIADB;
import static dev.twoway.jdbc.TestDatabase.Kind.POSTGRES;
import static dev.twoway.jdbc.TestDatabase.Kind.SQLITE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every pair of the three databases, in every capture mode, against real servers: inserts, updates and deletes
 * on either side arrive on the other; concurrent edits of different fields merge; the same field follows the
 * policy (a priority, so the outcome does not depend on timing); and nothing twoway wrote comes back as a change.
 */
class SqlPairSyncTest {

    static Stream<Arguments> pairsAndModes() {
        List<Arguments> out = new ArrayList<>();
        for (var pair : List.of(List.of(POSTGRES, MARIADB), List.of(POSTGRES, SQLITE), List.of(MARIADB, SQLITE))) {
            for (TableConfig.CaptureMode mode : TableConfig.CaptureMode.values()) out.add(Arguments.of(pair.get(0), pair.get(1), mode));
        }
        return out.stream();
    }

    static String ddl(TestDatabase.Kind kind) {
        return switch (kind) {
            case POSTGRES -> "CREATE TABLE customer (id integer PRIMARY KEY, email varchar(100), name varchar(100), phone varchar(30),"
                    + " updated_at timestamp(6) NOT NULL DEFAULT (now() AT TIME ZONE 'utc'), deleted boolean NOT NULL DEFAULT false)";
            case MARIADB -> "CREATE TABLE customer (id INT PRIMARY KEY, email VARCHAR(100), name VARCHAR(100), phone VARCHAR(30),"
                    + " updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), deleted BOOLEAN NOT NULL DEFAULT 0)";
            case SQLITE -> "CREATE TABLE customer (id INTEGER PRIMARY KEY, email VARCHAR(100), name VARCHAR(100), phone VARCHAR(30),"
                    + " updated_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now')), deleted BOOLEAN NOT NULL DEFAULT 0)";
        };
    }

    /** How the application stamps a row it changes (PostgreSQL and SQLite have no ON UPDATE clause). */
    static String touch(TestDatabase.Kind kind) {
        return switch (kind) {
            case POSTGRES -> ", updated_at = clock_timestamp() AT TIME ZONE 'utc'";
            case MARIADB -> "";
            case SQLITE -> ", updated_at = strftime('%Y-%m-%dT%H:%M:%f', 'now')";
        };
    }

    static TableConfig table(TableConfig.CaptureMode mode) {
        TableConfig t = TableConfig.of("customer").withPageSize(50);
        return switch (mode) {
            case TRIGGERS -> t;
            case POLL -> t.withPoll("updated_at", "deleted", Duration.ofMillis(300));
            case CHECKSUM -> t.withCapture(TableConfig.CaptureMode.CHECKSUM);
        };
    }

    @ParameterizedTest(name = "{0} ⇄ {1}, {2}")
    @MethodSource("pairsAndModes")
    void insertsUpdatesDeletesAndConflictsArriveBothWays(TestDatabase.Kind kindA, TestDatabase.Kind kindB, TableConfig.CaptureMode mode) throws Exception {
        try (TestDatabase a = TestDatabase.create(kindA); TestDatabase b = TestDatabase.create(kindB)) {
            a.exec(ddl(kindA));
            b.exec(ddl(kindB));
            // Rows that exist before twoway starts: two only in A, one only in B, one in both (same key, same values),
            // one in both with different emails (a mismatch the policy decides: A has priority for email).
            a.exec("INSERT INTO customer (id, email, name, phone) VALUES (1, 'ada@example.com', 'Ada', '111'), (2, 'alan@example.com', 'Alan', '222'),"
                    + " (4, 'grace@example.com', 'Grace', '444'), (7, 'linus@a.example', 'Linus', '777')");
            b.exec("INSERT INTO customer (id, email, name, phone) VALUES (3, 'edsger@example.com', 'Edsger', '333'), (4, 'grace@example.com', 'Grace', '444'),"
                    + " (7, 'linus@b.example', 'Linus', '777')");

            EndpointMapping mapping = EndpointMapping.identity(Set.of("id", "email", "name", "phone"));
            ConflictSettings conflicts = ConflictSettings.lastWriteWins(List.of("a", "b"))
                    .withField("email", new ConflictPolicy.Priority(List.of("a", "b")));
            Duration settle = mode == TableConfig.CaptureMode.POLL ? Duration.ofMillis(300) : Duration.ZERO;
            try (SqlSyncHarness h = new SqlSyncHarness("customers", List.of(
                    new SqlSyncHarness.Side("a", a, table(mode), mapping),
                    new SqlSyncHarness.Side("b", b, table(mode), mapping)), conflicts, List.of("id"), settle)) {

                h.syncUntilQuiet();
                assertThat(rows(a)).as("initial sync, A").isEqualTo(rows(b)).hasSize(5);
                assertThat(rows(b).get(7L).getFirst()).isEqualTo("linus@a.example");
                List<AuditEntry> initial = h.store.inTransaction(tx -> tx.audit(0, Integer.MAX_VALUE));
                assertThat(initial).anySatisfy(e -> {
                    assertThat(e.action()).isEqualTo("conflict");
                    assertThat(e.detail()).contains("linus@b.example");
                });

                // Inserts on both sides.
                a.exec("INSERT INTO customer (id, email, name, phone) VALUES (5, 'barbara@example.com', 'Barbara', '555')");
                b.exec("INSERT INTO customer (id, email, name, phone) VALUES (6, 'donald@example.com', 'Donald', '666')");
                h.syncUntilQuiet();
                assertThat(rows(a)).as("after inserts").isEqualTo(rows(b)).containsKeys(5L, 6L);

                // Updates on both sides, of different records.
                a.exec("UPDATE customer SET phone = '111-new'" + touch(kindA) + " WHERE id = 1");
                b.exec("UPDATE customer SET name = 'Edsger W.'" + touch(kindB) + " WHERE id = 3");
                h.syncUntilQuiet();
                assertThat(rows(b).get(1L)).contains("111-new");
                assertThat(rows(a).get(3L)).contains("Edsger W.");
                assertThat(rows(a)).isEqualTo(rows(b));

                // Concurrent edits of one record: different fields merge.
                a.exec("UPDATE customer SET phone = '222-a'" + touch(kindA) + " WHERE id = 2");
                b.exec("UPDATE customer SET name = 'Alan M.'" + touch(kindB) + " WHERE id = 2");
                h.syncUntilQuiet();
                assertThat(rows(a).get(2L)).containsExactly("alan@example.com", "Alan M.", "222-a");
                assertThat(rows(a)).isEqualTo(rows(b));

                // The same field on both sides: the policy (A has priority for email) decides, and the loser is audited.
                a.exec("UPDATE customer SET email = 'ada@a.example'" + touch(kindA) + " WHERE id = 1");
                b.exec("UPDATE customer SET email = 'ada@b.example'" + touch(kindB) + " WHERE id = 1");
                h.syncUntilQuiet();
                assertThat(rows(a).get(1L).getFirst()).isEqualTo("ada@a.example");
                assertThat(rows(a)).isEqualTo(rows(b));
                List<AuditEntry> trail = h.store.inTransaction(tx -> tx.audit(0, Integer.MAX_VALUE));
                assertThat(trail).anySatisfy(e -> {
                    assertThat(e.action()).isEqualTo("conflict");
                    assertThat(e.detail()).contains("ada@b.example");
                });

                // Deletes on both sides (poll capture sees deletes through the soft-delete column).
                if (mode == TableConfig.CaptureMode.POLL) {
                    a.exec("UPDATE customer SET deleted = true" + touch(kindA) + " WHERE id = 5");
                    b.exec("UPDATE customer SET deleted = true" + touch(kindB) + " WHERE id = 6");
                } else {
                    a.exec("DELETE FROM customer WHERE id = 5");
                    b.exec("DELETE FROM customer WHERE id = 6");
                }
                h.syncUntilQuiet();
                if (mode == TableConfig.CaptureMode.POLL) {
                    assertThat(rows(b)).doesNotContainKey(5L);
                    assertThat(rows(a)).doesNotContainKey(6L);
                } else {
                    assertThat(rows(a)).doesNotContainKeys(5L, 6L).isEqualTo(rows(b));
                }

                // No echo: twoway's own writes produce no new change (triggers do not even log them).
                SqlSyncHarness.Rounds quiet = new SqlSyncHarness.Rounds();
                h.round(quiet);
                assertThat(quiet.resolved).as("changes resolved after quiet").isZero();
                if (mode == TableConfig.CaptureMode.TRIGGERS) {
                    assertThat(quiet.changesSeen).as("own writes logged by the triggers").isZero();
                    assertThat(count(a, "SELECT count(*) FROM twoway_changes")).isZero();
                    assertThat(count(b, "SELECT count(*) FROM twoway_changes")).isZero();
                }
            }
        }
    }

    /** id → [email, name, phone] of the rows not soft-deleted. */
    static TreeMap<Long, List<String>> rows(TestDatabase db) throws SQLException {
        TreeMap<Long, List<String>> out = new TreeMap<>();
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, email, name, phone FROM customer WHERE NOT deleted ORDER BY id")) {
            while (rs.next()) out.put(rs.getLong(1), List.of(rs.getString(2), rs.getString(3), rs.getString(4)));
        }
        return out;
    }

    static long count(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
