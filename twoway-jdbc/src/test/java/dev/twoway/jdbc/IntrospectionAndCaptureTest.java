package dev.twoway.jdbc;

import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.ChangeSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Introspected types, capture positions (at-least-once), wake-ups, and removing what trigger capture installed. */
class IntrospectionAndCaptureTest {

    @Test
    void postgresTypesMapToCanonicalKinds() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            db.exec("CREATE TYPE mood AS ENUM ('ok', 'sad')",
                    "CREATE TABLE t (id bigserial PRIMARY KEY, a smallint, b numeric(8,3), c real, d boolean, e varchar(12), f char(3), g text,"
                            + " h date, i time, j timestamp(3), k timestamptz, l jsonb, m uuid, n bytea, o mood, UNIQUE (e, f))");
            Table t = new SqlConnector(db.database("s"), Map.of("t", TableConfig.of("t")), Files.createTempDirectory("tw")).table("t");
            assertThat(t.columns()).extracting(Column::kind).containsExactly(SqlKind.INTEGER, SqlKind.INTEGER, SqlKind.DECIMAL, SqlKind.FLOAT,
                    SqlKind.BOOLEAN, SqlKind.TEXT, SqlKind.CHAR, SqlKind.TEXT, SqlKind.DATE, SqlKind.TIME, SqlKind.TIMESTAMP, SqlKind.TIMESTAMPTZ,
                    SqlKind.JSON, SqlKind.UUID, SqlKind.BYTES, SqlKind.ENUM);
            assertThat(t.require("id").generated()).isTrue();
            assertThat(t.require("a").max()).isEqualTo(32767L);
            assertThat(t.require("b").precision()).isEqualTo(8);
            assertThat(t.require("b").scale()).isEqualTo(3);
            assertThat(t.require("e").maxLength()).isEqualTo(12);
            assertThat(t.require("j").fractionDigits()).isEqualTo(3);
            assertThat(t.require("o").enumValues()).containsExactly("ok", "sad");
            assertThat(t.primaryKey()).containsExactly("id");
            assertThat(t.uniqueKeys()).containsExactly(java.util.List.of("e", "f"));
        }
    }

    @Test
    void mariaDbTypesMapToCanonicalKinds() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            db.exec("CREATE TABLE t (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, a TINYINT, b DECIMAL(8,3), c DOUBLE, d BOOLEAN, e VARCHAR(12),"
                    + " f CHAR(3), g TEXT, h DATE, i TIME, j DATETIME(3), k TIMESTAMP(6) NULL, l JSON, m UUID, n BLOB, o ENUM('ok','it''s'), p BIGINT)");
            Table t = new SqlConnector(db.database("s"), Map.of("t", TableConfig.of("t")), Files.createTempDirectory("tw")).table("t");
            assertThat(t.columns()).extracting(Column::kind).containsExactly(SqlKind.INTEGER, SqlKind.INTEGER, SqlKind.DECIMAL, SqlKind.FLOAT,
                    SqlKind.BOOLEAN, SqlKind.TEXT, SqlKind.CHAR, SqlKind.TEXT, SqlKind.DATE, SqlKind.TIME, SqlKind.TIMESTAMP, SqlKind.TIMESTAMP,
                    SqlKind.JSON, SqlKind.UUID, SqlKind.BYTES, SqlKind.ENUM, SqlKind.INTEGER);
            assertThat(t.require("id").max()).isEqualTo(4294967295L);
            assertThat(t.require("a").min()).isEqualTo(-128L);
            assertThat(t.require("o").enumValues()).containsExactly("ok", "it's");
            assertThat(t.require("j").fractionDigits()).isEqualTo(3);
        }
    }

    @Test
    void aMissingTableOrColumnIsAClearError() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.SQLITE)) {
            db.exec("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT)", "CREATE TABLE nokey (name TEXT)");
            SqlConnector c = new SqlConnector(db.database("s"), Map.of("customers", TableConfig.of("customers"), "nokey", TableConfig.of("nokey"),
                    "polled", new TableConfig("customer", null, null, TableConfig.CaptureMode.POLL, "changed", null, null, null, null, 0, null)),
                    Files.createTempDirectory("tw"));
            assertThatThrownBy(() -> c.table("customers")).isInstanceOf(SqlConfigException.class)
                    .hasMessageContaining("\"customers\" does not exist").hasMessageContaining("[customer, nokey]");
            assertThatThrownBy(() -> c.sink("nokey")).hasMessageContaining("has no primary key").hasMessageContaining("key:");
            assertThatThrownBy(() -> c.source("polled")).hasMessageContaining("no column \"changed\"").hasMessageContaining("[id, name]");
        }
    }

    @ParameterizedTest
    @EnumSource(value = TableConfig.CaptureMode.class)
    void aBatchIsReportedAgainUntilTheEngineCommitsItsPosition(TableConfig.CaptureMode mode) throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            db.exec("CREATE TABLE item (id integer PRIMARY KEY, qty integer, updated_at timestamptz NOT NULL DEFAULT clock_timestamp())",
                    "INSERT INTO item (id, qty) VALUES (1, 1), (2, 2)");
            // Poll capture finds the hard delete with a key scan (here after every caught-up poll).
            TableConfig cfg = mode == TableConfig.CaptureMode.POLL
                    ? TableConfig.of("item").withPoll("updated_at", null, Duration.ZERO).withDeleteScan(Duration.ZERO)
                    : TableConfig.of("item").withCapture(mode);
            SqlConnector c = new SqlConnector(db.database("s"), Map.of("item", cfg), Files.createTempDirectory("tw"));
            try (ChangeSource source = c.source("item")) {
                String position = drain(source, null);
                db.exec("UPDATE item SET qty = 10, updated_at = clock_timestamp() WHERE id = 1", "DELETE FROM item WHERE id = 2",
                        "INSERT INTO item (id, qty) VALUES (3, 3)");
                if (mode == TableConfig.CaptureMode.POLL) Thread.sleep(20);
                ChangeBatch batch = pollUntilChanges(source, position);
                // The engine crashed before committing that batch: asked again from the old position, it gets it again.
                ChangeBatch again = pollUntilChanges(source, position);
                assertThat(again.changes()).extracting(Change::key, Change::kind, Change::row)
                        .isEqualTo(batch.changes().stream().map(ch -> org.assertj.core.groups.Tuple.tuple(ch.key(), ch.kind(), ch.row())).toList());
                // Committed, batch after batch: every change is reported once, then nothing more.
                java.util.List<Change> all = new java.util.ArrayList<>();
                String p = position;
                for (int i = 0; i < 20; i++) {
                    ChangeBatch b = source.poll(p, 100);
                    all.addAll(b.changes());
                    p = b.position();
                    if (b.caughtUp() && b.changes().isEmpty()) break;
                }
                assertThat(source.poll(p, 100).changes()).isEmpty();
                assertThat(all).extracting(ch -> ch.key().value()).containsExactlyInAnyOrder("1", "2", "3");
                assertThat(all).filteredOn(Change::isDelete).extracting(ch -> ch.key().value()).containsExactly("2");
            }
        }
    }

    private static ChangeBatch pollUntilChanges(ChangeSource source, String position) {
        String p = position;
        for (int i = 0; i < 10; i++) {
            ChangeBatch b = source.poll(p, 100);
            if (!b.changes().isEmpty()) return b;
            p = b.position();
        }
        throw new AssertionError("no changes after 10 polls");
    }

    private static String drain(ChangeSource source, String position) {
        String p = position;
        for (int i = 0; i < 20; i++) {
            ChangeBatch b = source.poll(p, 100);
            p = b.position();
            if (b.caughtUp() && b.changes().isEmpty()) return p;
        }
        return p;
    }

    @Test
    void postgresWakesTheEngineAtCommitAndCaptureCanBeRemoved() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            db.exec("CREATE TABLE item (id integer PRIMARY KEY, qty integer)");
            SqlConnector c = new SqlConnector(db.database("s"), Map.of("item", TableConfig.of("item")), Files.createTempDirectory("tw"));
            try (ChangeSource source = c.source("item")) {
                String p = drain(source, null);
                assertThat(source.awaitChanges(Duration.ofMillis(100))).isFalse(); // also starts listening
                CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> {
                    try {
                        return source.awaitChanges(Duration.ofSeconds(10));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(200);
                long start = System.nanoTime();
                db.exec("INSERT INTO item VALUES (1, 1)");
                assertThat(woken.get(5, TimeUnit.SECONDS)).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
                assertThat(source.poll(p, 10).changes()).hasSize(1);
            }
            c.removeCapture();
            assertThat(NamingAndTypesSyncTest.query(db, "SELECT count(*) FROM pg_trigger WHERE tgname = 'twoway_capture'")).containsExactly("0");
            assertThat(NamingAndTypesSyncTest.query(db, "SELECT to_regclass('twoway_changes') IS NULL, to_regproc('twoway_capture') IS NULL"))
                    .containsExactly("t", "t");
            db.exec("INSERT INTO item VALUES (2, 2)"); // the table works as before
        }
    }
}
