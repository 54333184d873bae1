package dev.twoway.store.sqlite;

import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditQuery;
import dev.twoway.clock.HlcTimestamp;
import dev.twoway.merge.Base;
import dev.twoway.merge.FieldVersion;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.OutboxEntry;
import dev.twoway.store.StateStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqliteStateStoreTest {
    private static final Instant T = Instant.parse("2026-02-03T04:05:06.123456789Z");

    @TempDir
    Path dir;
    private Path file;
    private SqliteStateStore store;

    @BeforeEach
    void open() {
        file = dir.resolve("state").resolve("state.db");
        store = SqliteStateStore.open(file, SqliteStateStore.Durability.NORMAL);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private java.util.Optional<String> meta(String key) {
        java.util.function.Function<dev.twoway.store.StateTransaction, java.util.Optional<String>> read = tx -> tx.meta(key);
        return store.inTransaction(read);
    }

    private Optional<RecordState> load(String id) {
        return store.inTransaction(tx -> tx.loadRecord("customers", new RecordId(id)));
    }

    private void reopen() {
        store.close();
        store = SqliteStateStore.open(file, SqliteStateStore.Durability.NORMAL);
    }

    @Test
    void aStateCommittedByAnotherConnectionIsReadNotTheCachedOne() throws Exception {
        RecordState mine = record("r1", "c1", null);
        store.run(tx -> tx.saveRecord("customers", mine, null));
        assertThat(load("r1")).contains(mine);
        RecordState theirs = record("r1", "c9", null);
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
             java.sql.PreparedStatement ps = raw.prepareStatement("UPDATE records SET state = ? WHERE record_id = 'r1'")) {
            ps.setString(1, dev.twoway.merge.RecordStateCodec.encode(theirs)); // as a CLI command in another process would
            ps.executeUpdate();
        }

        assertThat(load("r1")).contains(theirs);
    }

    @Test
    void aKeyLinkedToAnotherRecordMovesToTheRecordSavedLastEvenWhenBothAreCached() {
        store.run(tx -> tx.saveRecord("customers", record("r1", "c1", null), null));
        store.run(tx -> tx.saveRecord("customers", record("r2", "c1", null), null));
        store.run(tx -> assertThat(tx.findLinked("customers", "crm", new NativeKey("c1"))).contains(new RecordId("r2")));

        store.run(tx -> tx.saveRecord("customers", record("r1", "c1", null), null)); // unchanged keys, saved last
        store.run(tx -> assertThat(tx.findLinked("customers", "crm", new NativeKey("c1"))).contains(new RecordId("r1")));

        store.run(tx -> tx.saveRecord("customers", record("r2", "c2", null), null)); // r2 lets go of c1: r1 keeps it
        store.run(tx -> {
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c1"))).contains(new RecordId("r1"));
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c2"))).contains(new RecordId("r2"));
        });
        reopen();
        store.run(tx -> {
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c1"))).contains(new RecordId("r1"));
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c2"))).contains(new RecordId("r2"));
        });
    }

    @Test
    void linksWrittenInATransactionThatRolledBackAreReadAgain() {
        store.run(tx -> tx.saveRecord("customers", record("r1", "c1", null), null));
        assertThatThrownBy(() -> store.run(tx -> {
            tx.saveRecord("customers", record("r1", "c2", null), null);
            throw new IllegalStateException("the work failed");
        })).hasMessage("the work failed");

        store.run(tx -> tx.saveRecord("customers", record("r1", "c3", null), null));

        store.run(tx -> {
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c1"))).as("the link of the last committed save is replaced").isEmpty();
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c2"))).isEmpty();
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c3"))).contains(new RecordId("r1"));
        });
    }

    @Test
    void aStateSavedInATransactionThatRolledBackIsNotRead() {
        RecordState before = record("r1", "c1", null);
        store.run(tx -> tx.saveRecord("customers", before, null));
        assertThatThrownBy(() -> store.run(tx -> {
            tx.saveRecord("customers", record("r1", "c2", null), null);
            tx.saveRecord("customers", record("r2", "c3", null), null);
            throw new IllegalStateException("the work failed");
        })).hasMessage("the work failed");

        store.run(tx -> {
            assertThat(tx.loadRecord("customers", new RecordId("r1"))).contains(before);
            assertThat(tx.loadRecord("customers", new RecordId("r2"))).isEmpty();
        });
    }

    private static RecordState record(String id, String crmKey, String erpKey) {
        Row values = Row.of(java.util.Map.of(
                "s", Value.str("Ada \"O'Brien\" 😀"), "i", Value.integer(Long.MIN_VALUE), "d", new Value.Dec(new BigDecimal("12.340")),
                "b", Value.of(true), "date", new Value.Date(LocalDate.of(1815, 12, 10)), "ts", new Value.Timestamp(T),
                "j", Value.Json.parse("{\"b\":1,\"a\":[true,null]}"), "bytes", new Value.Bytes(new byte[]{0, 1, (byte) 255}), "n", Value.NULL));
        RecordState s = new RecordState(new RecordId(id), Base.created(values, new FieldVersion(new HlcTimestamp(5, 2), "crm")),
                java.util.Map.of(), java.util.Set.of());
        s = s.withShadow("crm", Shadow.present(new NativeKey(crmKey), values, 7));
        if (erpKey != null) s = s.withShadow("erp", new Shadow(new NativeKey(erpKey), Shadow.Status.GONE, null, 9, Row.of("x", 1L)));
        return s.hold("s");
    }

    @Test
    void recordStateRoundTripsEveryValueTypeAndIsFoundByEachLink() {
        RecordState s = record("r1", "c1", "e1");
        store.run(tx -> tx.saveRecord("customers", s, "{\"email\":\"a@x\"}"));
        reopen(); // read from the file, not from the connection's cache of states
        store.run(tx -> {
            assertThat(tx.loadRecord("customers", new RecordId("r1"))).contains(s);
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c1"))).contains(new RecordId("r1"));
            assertThat(tx.findLinked("customers", "erp", new NativeKey("e1"))).as("a GONE shadow keeps its tombstone link").contains(new RecordId("r1"));
            assertThat(tx.findLinked("customers", "crm", new NativeKey("e1"))).isEmpty();
            assertThat(tx.findLinked("orders", "crm", new NativeKey("c1"))).as("syncs are separate").isEmpty();
            assertThat(tx.findByMatchKey("customers", "{\"email\":\"a@x\"}")).contains(new RecordId("r1"));
        });
    }

    @Test
    void linksFollowTheShadowsWhenAKeyChangesOrDisappears() {
        store.run(tx -> tx.saveRecord("customers", record("r1", "c1", "e1"), null));
        store.run(tx -> tx.saveRecord("customers", record("r1", "c2", null), null));
        store.run(tx -> {
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c1"))).isEmpty();
            assertThat(tx.findLinked("customers", "crm", new NativeKey("c2"))).contains(new RecordId("r1"));
            assertThat(tx.findLinked("customers", "erp", new NativeKey("e1"))).isEmpty();
            assertThat(tx.findByMatchKey("customers", "{\"email\":\"a@x\"}")).isEmpty();
        });
    }

    @Test
    void repeatedEnqueuesCoalesceIntoOneEntryAndAStaleCompletionKeepsIt() {
        RecordId r = new RecordId("r1");
        store.run(tx -> tx.enqueue("customers", "erp", r, T.plusSeconds(10)));
        OutboxEntry first = store.inTransaction(tx -> tx.outboxEntry("customers", "erp", r)).orElseThrow();
        store.run(tx -> tx.enqueue("customers", "erp", r, T));
        store.run(tx -> {
            assertThat(tx.outboxDepth("customers", "erp")).isEqualTo(1);
            OutboxEntry now = tx.outboxEntry("customers", "erp", r).orElseThrow();
            assertThat(now.version()).isEqualTo(first.version() + 1);
            assertThat(now.dueAt()).as("the earlier due time wins").isEqualTo(T.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
            assertThat(tx.completeOutbox(first)).as("completion of an older version").isFalse();
            assertThat(tx.completeOutbox(now)).isTrue();
            assertThat(tx.outboxDepth("customers", "erp")).isZero();
        });
    }

    @Test
    void dueEntriesComeOldestFirstAndBackoffHoldsThemBack() {
        store.run(tx -> {
            tx.enqueue("s", "erp", new RecordId("b"), T);
            tx.enqueue("s", "erp", new RecordId("a"), T.plusSeconds(1));
            tx.enqueue("s", "crm", new RecordId("c"), T);
        });
        store.run(tx -> {
            assertThat(tx.dueOutbox("s", "erp", T.plusSeconds(5), 10)).extracting(e -> e.recordId().value()).containsExactly("b", "a");
            OutboxEntry b = tx.dueOutbox("s", "erp", T, 10).getFirst();
            tx.rescheduleOutbox(b, 3, T.plusSeconds(60), "timeout");
            assertThat(tx.dueOutbox("s", "erp", T.plusSeconds(5), 10)).extracting(e -> e.recordId().value()).containsExactly("a");
            OutboxEntry later = tx.outboxEntry("s", "erp", new RecordId("b")).orElseThrow();
            assertThat(later.attempts()).isEqualTo(3);
            assertThat(later.lastError()).isEqualTo("timeout");
        });
    }

    @Test
    void checkpointsConflictsDeadLettersAndMetaPersist() {
        store.run(tx -> {
            tx.saveCheckpoint("s", "crm", "log:1");
            tx.saveCheckpoint("s", "crm", "log:2");
            ConflictRecord c = tx.addConflict(new ConflictRecord(0, "s", new RecordId("r"), "phone", "field", "{}", T, null, null, null));
            tx.updateConflictCandidates(c.id(), "{\"versions\":{}}");
            DeadLetter d1 = tx.addDeadLetter(new DeadLetter(0, "s", "erp", new RecordId("r"), "too long", 1, T));
            DeadLetter d2 = tx.addDeadLetter(new DeadLetter(0, "s", "erp", new RecordId("r"), "still too long", 1, T));
            assertThat(d2.id()).as("one dead letter per write").isEqualTo(d1.id());
            assertThat(d2.attempts()).isEqualTo(2);
            tx.putMeta("k", "v");
        });
        store.close();
        store = SqliteStateStore.open(file);
        store.run(tx -> {
            assertThat(tx.checkpoint("s", "crm")).contains("log:2");
            ConflictRecord c = tx.openConflicts("s", 10).getFirst();
            assertThat(c.candidates()).isEqualTo("{\"versions\":{}}");
            assertThat(c.createdAt()).isEqualTo(T);
            tx.resolveConflict(c.id(), "{\"chosen\":1}", T);
            assertThat(tx.openConflicts("s", 10)).isEmpty();
            assertThat(tx.conflict(c.id()).orElseThrow().resolution()).isEqualTo("{\"chosen\":1}");
            assertThat(tx.deadLetters("s", 10)).singleElement().extracting(DeadLetter::error).isEqualTo("still too long");
            assertThat(tx.deadLetter("s", "erp", new RecordId("r"))).map(DeadLetter::error).contains("still too long");
            assertThat(tx.deadLetter("s", "crm", new RecordId("r"))).as("another target").isEmpty();
            assertThat(tx.deadLetter("s", "erp", new RecordId("q"))).as("another record").isEmpty();
            tx.removeDeadLetter(tx.deadLetters(null, 10).getFirst().id());
            assertThat(tx.deadLetters(null, 10)).isEmpty();
            assertThat(tx.meta("k")).contains("v");
        });
    }

    @Test
    void conflictQueriesFilterBySyncStatusRecordAndFieldAndPageInIdOrder() {
        store.run(tx -> {
            for (String sync : java.util.List.of("s", "t")) {
                for (String field : java.util.List.of("phone", "email")) {
                    tx.addConflict(new ConflictRecord(0, sync, new RecordId(sync + "-r1"), field, "field", "{}", T, null, null, null));
                }
            }
            tx.addConflict(new ConflictRecord(0, "s", new RecordId("s-r2"), "phone", "field", "{}", T, null, null, null));
            long resolved = tx.conflicts(dev.twoway.store.ConflictQuery.after(0, 1)).getFirst().id();
            tx.resolveConflict(resolved, "{}", T);
        });
        store.run(tx -> {
            var all = dev.twoway.store.ConflictQuery.after(0, 100);
            assertThat(tx.conflicts(all)).hasSize(5).extracting(ConflictRecord::id).isSorted();
            assertThat(tx.conflicts(all.status("resolved"))).singleElement()
                    .satisfies(c -> assertThat(c.sync() + "/" + c.field() + "/" + c.status()).isEqualTo("s/phone/resolved"));
            assertThat(tx.conflicts(all.status("open"))).hasSize(4).allMatch(ConflictRecord::open);
            assertThat(tx.conflicts(all.sync("s").field("phone"))).extracting(c -> c.recordId().value()).containsExactly("s-r1", "s-r2");
            assertThat(tx.conflicts(all.sync("t").record("t-r1"))).extracting(ConflictRecord::field).containsExactly("phone", "email");
            assertThat(tx.conflicts(all.sync("s").record("t-r1"))).isEmpty();
            var first = tx.conflicts(dev.twoway.store.ConflictQuery.after(0, 2));
            var rest = tx.conflicts(dev.twoway.store.ConflictQuery.after(first.getLast().id(), 100));
            assertThat(first).hasSize(2);
            assertThat(rest).hasSize(3).allMatch(c -> c.id() > first.getLast().id());
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.twoway.store.ConflictQuery.after(0, 10).status("closed"))
                .hasMessageContaining("write open or resolved");
    }

    @Test
    void aTransactionThatFailsKeepsNothingAndTheStoreGoesOn() {
        assertThatThrownBy(() -> store.run(tx -> {
            tx.saveRecord("s", record("r1", "c1", null), "m");
            tx.enqueue("s", "erp", new RecordId("r1"), T);
            tx.saveCheckpoint("s", "crm", "log:9");
            tx.appendAudit(new AuditEntry.Draft(T, "s", "r1", "crm", "capture", "change", "{}"));
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        store.run(tx -> {
            assertThat(tx.loadRecord("s", new RecordId("r1"))).isEmpty();
            assertThat(tx.findLinked("s", "crm", new NativeKey("c1"))).isEmpty();
            assertThat(tx.outboxDepth("s", "erp")).isZero();
            assertThat(tx.checkpoint("s", "crm")).isEmpty();
            assertThat(tx.audit(0, 10)).isEmpty();
            tx.putMeta("after", "ok");
        });
        assertThat(meta("after")).contains("ok");
    }

    @Test
    void anErrorThrownInsideATransactionAlsoRollsBack() {
        assertThatThrownBy(() -> store.run(tx -> {
            tx.putMeta("k", "v");
            throw new AssertionError("process died here");
        })).isInstanceOf(AssertionError.class);
        assertThat(meta("k")).isEmpty();
    }

    @Test
    void nestedTransactionsOnOneThreadAreRefusedClearly() {
        assertThatThrownBy(() -> store.run(tx -> store.run(inner -> inner.putMeta("k", "v"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already open on this thread");
    }

    @Test
    void aStoreTwowayCreatesIsReadableByItsOwnerOnly() throws Exception {
        // open() above created dir/state and state.db; SQLite gives its WAL file the database file's mode.
        store.run(tx -> tx.putMeta("k", "v"));
        assertThat(java.nio.file.Files.getPosixFilePermissions(file.getParent())).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(java.nio.file.Files.getPosixFilePermissions(file)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path wal = file.resolveSibling("state.db-wal");
        assertThat(wal).exists();
        assertThat(java.nio.file.Files.getPosixFilePermissions(wal)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void auditQueriesFilterByRecordSystemActorActionAndTimeAndPageInOrder() throws Exception {
        store.run(tx -> {
            for (int i = 0; i < 2500; i++) {
                tx.appendAudit(new AuditEntry.Draft(T.plusSeconds(i), i % 2 == 0 ? "s" : "t", "r" + (i % 5), i % 3 == 0 ? "crm" : "erp",
                        i % 7 == 0 ? "user:alice" : "engine", i % 7 == 0 ? "conflict-decided" : "write", "{}"));
            }
        });
        List<AuditEntry> r3 = store.inTransaction(tx -> tx.audit(AuditQuery.after(0, 10_000).record("r3")));
        assertThat(r3).hasSize(500).allMatch(e -> e.recordId().equals("r3"));
        assertThat(r3).extracting(AuditEntry::seq).isSorted();

        List<AuditEntry> alice = store.inTransaction(tx -> tx.audit(AuditQuery.after(0, 10_000).sync("s").actor("user:alice").system("crm")));
        // i even, i % 7 == 0, i % 3 == 0: multiples of 42 below 2500
        assertThat(alice).hasSize(60).allMatch(e -> e.action().equals("conflict-decided"));

        List<AuditEntry> window = store.inTransaction(tx -> tx.audit(AuditQuery.after(0, 10_000).between(T.plusSeconds(1000), T.plusSeconds(1010))));
        assertThat(window).extracting(AuditEntry::seq).containsExactly(1001L, 1002L, 1003L, 1004L, 1005L, 1006L, 1007L, 1008L, 1009L, 1010L);

        // Paging: limit and afterSeq together walk the filtered trail without gaps or repeats, across the store's internal pages.
        List<Long> paged = new java.util.ArrayList<>();
        store.inTransaction(tx -> tx.audit(AuditQuery.after(0, 1).record("r1"))).forEach(e -> paged.add(e.seq()));
        assertThat(paged).containsExactly(2L);
        for (List<AuditEntry> page; !(page = store.inTransaction(tx -> tx.audit(AuditQuery.after(paged.getLast(), 37).record("r1")))).isEmpty(); ) {
            page.forEach(e -> paged.add(e.seq()));
        }
        assertThat(paged).hasSize(500).doesNotHaveDuplicates().isSorted();

        // The streaming trail walks every matching entry page by page, each page in its own transaction.
        List<Long> streamed = new java.util.ArrayList<>();
        store.auditTrail(AuditQuery.after(0, 64).record("r1")).forEach(e -> streamed.add(e.seq()));
        assertThat(streamed).isEqualTo(paged);
        long all = 0;
        for (AuditEntry ignored : store.auditTrail(AuditQuery.after(0, 500))) all++;
        assertThat(all).as("an exact multiple of the page size ends too").isEqualTo(2500);
    }

    @Test
    void auditChainOfAThousandEntriesVerifiesAndTamperingIsLocated() throws Exception {
        store.run(tx -> {
            for (int i = 0; i < 1000; i++) tx.appendAudit(new AuditEntry.Draft(T.plusNanos(i), "s", "r" + i, "crm", "capture", "change", "{\"i\":" + i + "}"));
        });
        List<AuditEntry> trail = store.inTransaction(tx -> tx.audit(0, 5000));
        assertThat(trail).hasSize(1000);
        assertThat(AuditChain.verify(trail).intact()).isTrue();
        assertThat(trail.get(1).prevHash()).isEqualTo(trail.get(0).hash());

        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = raw.createStatement()) {
            st.executeUpdate("UPDATE audit SET detail = '{\"i\":999999}' WHERE seq = 500");
        }
        AuditChain.Verification tampered = AuditChain.verify(store.inTransaction(tx -> tx.audit(0, 5000)));
        assertThat(tampered.firstBreak()).get().extracting(AuditChain.Break::seq).isEqualTo(500L);

        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = raw.createStatement()) {
            st.executeUpdate("DELETE FROM audit WHERE seq IN (500, 501)");
        }
        AuditChain.Verification gap = AuditChain.verify(store.inTransaction(tx -> tx.audit(0, 5000)));
        assertThat(gap.firstBreak()).get().satisfies(b -> {
            assertThat(b.seq()).isEqualTo(500L);
            assertThat(b.reason()).contains("missing");
        });
    }

    @Test
    void reopeningAppliesNoMigrationTwiceAndANewerSchemaIsRefused() throws Exception {
        store.run(tx -> tx.putMeta("k", "v"));
        store.close();
        store = SqliteStateStore.open(file);
        assertThat(meta("k")).contains("v");
        store.close();
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = raw.createStatement()) {
            assertThat(st.executeQuery("SELECT COUNT(*) FROM schema_version").getInt(1)).isEqualTo(Migrations.SCRIPTS.size());
            st.executeUpdate("INSERT INTO schema_version VALUES (99, 'V99__future.sql', 'now')");
        }
        assertThatThrownBy(() -> SqliteStateStore.open(file)).isInstanceOf(StateStoreException.class)
                .hasMessageContaining("newer twoway").hasMessageContaining("schema v99").hasMessageContaining(file.toString());
        store = SqliteStateStore.open(dir.resolve("other.db"));
    }

    @Test
    void aStateWrittenInFormatOneBeforeV4IsReadAndRewrittenInFormatTwo() throws Exception {
        // as a store written by twoway before schema v4 holds it
        String formatOne = "{\"base\":{\"values\":{\"name\":{\"t\":\"str\",\"v\":\"Ada\"},\"price\":{\"t\":\"dec\",\"v\":\"9.50\"}},"
                + "\"versions\":{\"name\":[\"1795461354563243.0\",\"crm\"],\"price\":[\"1795461354563243.0\",\"crm\"]}},"
                + "\"shadows\":{\"crm\":{\"key\":\"7\",\"status\":\"PRESENT\",\"values\":\"base\",\"confirmed\":3}}}";
        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = raw.createStatement()) {
            st.executeUpdate("INSERT INTO records (sync, record_id, state, match_key) VALUES ('s', 'r1', '" + formatOne + "', NULL)");
        }
        RecordState read = store.inTransaction(tx -> tx.loadRecord("s", new RecordId("r1"))).orElseThrow();
        assertThat(read.base().values()).isEqualTo(Row.of("name", Value.str("Ada"), "price", new Value.Dec(new java.math.BigDecimal("9.50"))));
        assertThat(read.shadow("crm").values()).isEqualTo(read.base().values());
        assertThat(read.shadow("crm").confirmedSeq()).isEqualTo(3);

        store.run(tx -> tx.saveRecord("s", read, null));

        try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = raw.createStatement()) {
            String text = st.executeQuery("SELECT state FROM records WHERE record_id = 'r1'").getString(1);
            assertThat(text).startsWith("{\"b\":").contains("\"price\":[\"dec\",\"9.5\"]").hasSizeLessThan(formatOne.length());
        }
        reopen();
        Optional<RecordState> again = store.inTransaction(tx -> tx.loadRecord("s", new RecordId("r1")));
        assertThat(again).contains(read);
    }

    @Test
    void aFileThatIsNotAStateStoreIsNamedInTheError() throws Exception {
        Path junk = dir.resolve("junk.db");
        Files.writeString(junk, "this is not a database, it is a shopping list: eggs, milk, and more text to fill a page ".repeat(20));
        assertThatThrownBy(() -> SqliteStateStore.open(junk)).isInstanceOf(StateStoreException.class)
                .hasMessageContaining(junk.toString()).hasMessageContaining("not a twoway state store");
    }

    @Test
    void aReadOnlyStoreFailsWithAMessageThatSaysWhatToFix() {
        store.close();
        // Root ignores permission bits, so open SQLite itself read-only: the same error a read-only file gives.
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setReadOnly(true);
        assertThatThrownBy(() -> {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties()); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO meta VALUES ('k','v')");
            } catch (java.sql.SQLException e) {
                throw SqliteStateStore.translate("state store " + file, e);
            }
        }).isInstanceOf(StateStoreException.class).hasMessageContaining(file.toString()).hasMessageContaining("make both writable");
        store = SqliteStateStore.open(file);
    }

    @Test
    void transactionsFromManyThreadsAreSerialized() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            done.add(pool.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    store.run(tx -> tx.putMeta("n", Integer.toString(Integer.parseInt(tx.meta("n").orElse("0")) + 1)));
                }
            }));
        }
        for (Future<?> f : done) f.get();
        pool.shutdown();
        assertThat(meta("n")).contains("400");
    }
}
