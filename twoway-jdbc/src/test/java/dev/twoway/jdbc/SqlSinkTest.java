package dev.twoway.jdbc;

import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.spi.RecordSink;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sink's contract on each real database: preconditions, find-or-create, refusals one by one, archive. */
class SqlSinkTest {

    static String ddl(TestDatabase.Kind kind) {
        String auto = switch (kind) {
            case POSTGRES -> "id serial PRIMARY KEY";
            case MARIADB -> "id INT AUTO_INCREMENT PRIMARY KEY";
            case SQLITE -> "id INTEGER PRIMARY KEY";
        };
        return "CREATE TABLE contact (" + auto + ", email VARCHAR(50) NOT NULL UNIQUE, name VARCHAR(10), twoway_id VARCHAR(40))";
    }

    static RecordSink sink(TestDatabase db) throws Exception {
        SqlConnector c = new SqlConnector(db.database("s"), Map.of("contact", TableConfig.of("contact").withExternalId("twoway_id")),
                Files.createTempDirectory("tw"));
        return c.sink("contact");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void preconditionsFindOrCreateAndRefusals(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.exec(ddl(kind));
            try (RecordSink sink = sink(db)) {
                RecordId ada = new RecordId("rec-ada");
                RecordId bob = new RecordId("rec-bob");
                RecordId dup = new RecordId("rec-dup");
                List<WriteResult> first = sink.apply(List.of(
                        new Write.Insert(ada, Row.of("email", "ada@example.com", "name", "Ada"), Row.empty()),
                        new Write.Insert(bob, Row.of("email", "bob@example.com", "name", "Bob"), Row.empty()),
                        // Refused by the database (unique email): only this one fails.
                        new Write.Insert(dup, Row.of("email", "ada@example.com", "name", "Dup"), Row.empty()),
                        // Refused before it is sent: longer than the column (SQLite would have stored it).
                        new Write.Insert(new RecordId("rec-long"), Row.of("email", "long@example.com", "name", "Much too long"), Row.empty())));
                assertThat(first.get(0)).isInstanceOf(WriteResult.Applied.class);
                assertThat(first.get(1)).isInstanceOf(WriteResult.Applied.class);
                assertThat(first.get(2)).isInstanceOfSatisfying(WriteResult.Rejected.class, r -> assertThat(r.reason()).containsIgnoringCase("email"));
                assertThat(first.get(3)).isInstanceOfSatisfying(WriteResult.Rejected.class,
                        r -> assertThat(r.reason()).contains("holds at most 10 characters").contains("13"));
                NativeKey adaKey = ((WriteResult.Applied) first.get(0)).key();
                assertThat(sink.read(List.of(adaKey)).get(adaKey).get("name")).isEqualTo(Value.str("Ada"));

                // The same insert again (a retry after a crash): found by external id, not inserted twice.
                WriteResult again = sink.apply(List.of(new Write.Insert(ada, Row.of("email", "ada@example.com", "name", "Ada"), Row.empty()))).getFirst();
                assertThat(again).isInstanceOfSatisfying(WriteResult.Applied.class, a -> {
                    assertThat(a.existed()).isTrue();
                    assertThat(a.key()).isEqualTo(adaKey);
                });
                assertThat(sink.find(ada, Row.empty())).contains(adaKey);
                assertThat(sink.find(new RecordId("rec-x"), Row.of("email", "bob@example.com"))).isPresent();

                // Conditional update: applies while the row holds the expected value, not after someone changed it.
                WriteResult ok = sink.apply(List.of(new Write.Update(ada, adaKey, Row.of("name", "Ada L."), Row.of("name", "Ada")))).getFirst();
                assertThat(ok).isInstanceOf(WriteResult.Applied.class);
                db.exec("UPDATE contact SET name = 'Someone' WHERE email = 'ada@example.com'");
                WriteResult stale = sink.apply(List.of(new Write.Update(ada, adaKey, Row.of("name", "Ada K."), Row.of("name", "Ada L.")))).getFirst();
                assertThat(stale).isInstanceOfSatisfying(WriteResult.PreconditionFailed.class,
                        pf -> assertThat(pf.current().orElseThrow().get("name")).isEqualTo(Value.str("Someone")));
                // NULL is compared null-safely.
                db.exec("UPDATE contact SET name = NULL WHERE email = 'ada@example.com'");
                assertThat(sink.apply(List.of(new Write.Update(ada, adaKey, Row.of("name", "Ada"), Row.of("name", Value.NULL)))).getFirst())
                        .isInstanceOf(WriteResult.Applied.class);

                // Deletes: guarded too; a row already gone answers with an empty current row; archive keeps a copy.
                NativeKey bobKey = ((WriteResult.Applied) first.get(1)).key();
                assertThat(sink.apply(List.of(new Write.Delete(bob, bobKey, Row.of("name", "Robert"), false))).getFirst())
                        .isInstanceOf(WriteResult.PreconditionFailed.class);
                assertThat(sink.apply(List.of(new Write.Delete(bob, bobKey, Row.of("name", "Bob"), true))).getFirst())
                        .isInstanceOf(WriteResult.Applied.class);
                assertThat(sink.apply(List.of(new Write.Delete(bob, bobKey, Row.of("name", "Bob"), false))).getFirst())
                        .isInstanceOfSatisfying(WriteResult.PreconditionFailed.class, pf -> assertThat(pf.current()).isEmpty());
                assertThat(NamingAndTypesSyncTest.query(db, "SELECT email FROM contact_archive")).containsExactly("bob@example.com");
                assertThat(NamingAndTypesSyncTest.query(db, "SELECT count(*) FROM contact")).containsExactly("1");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void sharedKeyInsertsFindTheExistingRow(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.exec("CREATE TABLE item (sku VARCHAR(20) PRIMARY KEY, qty INTEGER NOT NULL)", "INSERT INTO item VALUES ('A-1', 5)");
            SqlConnector c = new SqlConnector(db.database("s"), Map.of("item", TableConfig.of("item")), Files.createTempDirectory("tw"));
            try (RecordSink sink = c.sink("item")) {
                List<WriteResult> r = sink.apply(List.of(
                        new Write.Insert(new RecordId("r1"), Row.of("sku", "A-1", "qty", 7L), Row.of("sku", "A-1")),
                        new Write.Insert(new RecordId("r2"), Row.of("sku", "B-2", "qty", 1L), Row.of("sku", "B-2"))));
                assertThat(r.get(0)).isInstanceOfSatisfying(WriteResult.Applied.class, a -> {
                    assertThat(a.existed()).isTrue();
                    assertThat(a.current().orElseThrow().get("qty")).isEqualTo(Value.integer(5));
                });
                assertThat(r.get(1)).isInstanceOfSatisfying(WriteResult.Applied.class, a -> assertThat(a.key()).isEqualTo(new NativeKey("B-2")));
                assertThat(NamingAndTypesSyncTest.query(db, "SELECT qty FROM item WHERE sku = 'A-1'")).containsExactly("5");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void oneStalePreconditionInABatchFailsAloneWithExactCounts(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.exec("CREATE TABLE item (sku VARCHAR(20) PRIMARY KEY, qty INTEGER NOT NULL)", "INSERT INTO item VALUES ('A', 1), ('B', 1), ('C', 1)");
            SqlConnector c = new SqlConnector(db.database("s"), Map.of("item", TableConfig.of("item")), Files.createTempDirectory("tw"));
            try (RecordSink sink = c.sink("item")) {
                List<WriteResult> r = sink.apply(List.of(
                        new Write.Update(new RecordId("a"), new NativeKey("A"), Row.of("qty", 2L), Row.of("qty", 1L)),
                        new Write.Update(new RecordId("b"), new NativeKey("B"), Row.of("qty", 2L), Row.of("qty", 9L)),
                        new Write.Update(new RecordId("c"), new NativeKey("C"), Row.of("qty", 2L), Row.of("qty", 1L))));
                assertThat(r.get(0)).isInstanceOf(WriteResult.Applied.class);
                assertThat(r.get(1)).isInstanceOfSatisfying(WriteResult.PreconditionFailed.class,
                        pf -> assertThat(pf.current().orElseThrow().get("qty")).isEqualTo(Value.integer(1)));
                assertThat(r.get(2)).isInstanceOf(WriteResult.Applied.class);
                assertThat(NamingAndTypesSyncTest.query(db, "SELECT sum(qty) FROM item")).containsExactly("5");
            }
        }
    }

    @org.junit.jupiter.api.Test
    void sqliteTextInAnIntegerColumnIsOneDeadLetterNotAStuckStream() throws Exception {
        try (TestDatabase lite = TestDatabase.create(TestDatabase.Kind.SQLITE); TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            lite.exec("CREATE TABLE item (id INTEGER PRIMARY KEY, qty INTEGER)", "INSERT INTO item VALUES (1, 5), (2, 'lots'), (3, 7)");
            pg.exec("CREATE TABLE item (id integer PRIMARY KEY, qty integer)");
            var mapping = dev.twoway.mapping.EndpointMapping.identity(java.util.Set.of("id", "qty"));
            try (SqlSyncHarness h = new SqlSyncHarness("items", List.of(
                    new SqlSyncHarness.Side("lite", lite, TableConfig.of("item"), mapping),
                    new SqlSyncHarness.Side("pg", pg, TableConfig.of("item"), mapping)),
                    dev.twoway.merge.ConflictSettings.lastWriteWins(List.of("lite", "pg")), List.of("id"), java.time.Duration.ZERO)) {
                h.syncUntilQuiet();
                assertThat(NamingAndTypesSyncTest.query(pg, "SELECT string_agg(id || '=' || qty, ',' ORDER BY id) FROM item")).containsExactly("1=5,3=7");
                List<dev.twoway.store.DeadLetter> letters = h.store.inTransaction(tx -> tx.deadLetters("items", 10));
                assertThat(letters).singleElement().satisfies(l -> assertThat(l.error()).contains("'lots'").contains("qty"));
            }
        }
    }
}
