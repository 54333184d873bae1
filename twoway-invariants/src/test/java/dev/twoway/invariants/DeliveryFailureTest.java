package dev.twoway.invariants;

import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.connector.memory.WriteFaults;
import dev.twoway.engine.Backoff;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.FieldMapping;
import dev.twoway.mapping.FieldMappingSpec;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;
import dev.twoway.spi.Write;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.OutboxEntry;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What happens to writes a target refuses, fails, or cannot take because it is down. */
class DeliveryFailureTest {
    @TempDir
    Path dir;
    private final TestClock clock = new TestClock();
    private final MemorySystem crm = new MemorySystem("crm", clock);
    private final MemorySystem erp = new MemorySystem("erp", clock);
    private SqliteStateStore store;
    private SyncEngine engine;

    @BeforeEach
    void start() {
        Map<String, ValueType> types = Map.of("name", ValueType.STRING, "code", ValueType.STRING);
        // The ERP's name column holds 10 characters: longer names cannot go there.
        FieldMapping erpMapping = FieldMapping.build("erp", types, List.of(
                FieldMappingSpec.Direct.of("name", "name", ColumnType.of(ValueType.STRING).withMaxLength(10)),
                FieldMappingSpec.Direct.of("code", "code", ColumnType.of(ValueType.STRING))));
        FieldMapping crmMapping = FieldMapping.build("crm", types, List.of(
                FieldMappingSpec.Direct.of("name", "name", ColumnType.of(ValueType.STRING)),
                FieldMappingSpec.Direct.of("code", "code", ColumnType.of(ValueType.STRING))));
        SyncDefinition sync = new SyncDefinition("customers", List.of(
                new EndpointDefinition("crm", "t", Direction.BOTH, crmMapping, null),
                new EndpointDefinition("erp", "t", Direction.BOTH, erpMapping, null)),
                ConflictSettings.lastWriteWins(List.of("crm", "erp")), List.of());
        store = SqliteStateStore.open(dir.resolve("state.db"));
        engine = new SyncEngine(sync, Map.of(
                "crm", new SyncEngine.EndpointIo(crm.source("t"), crm.sink("t")),
                "erp", new SyncEngine.EndpointIo(erp.source("t"), erp.sink("t"))), store,
                EngineOptions.defaults().withClock(clock).withMaxAttempts(4).withRandom(new Random(1))
                        .withBackoff(new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(1)), new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(1))));
        engine.captureOnce("erp"); // both captures have started: deliveries may begin
        engine.captureOnce("crm");
    }

    @AfterEach
    void stop() {
        store.close();
    }

    private void captureCrm() {
        engine.captureOnce("crm");
    }

    private List<DeadLetter> deadLetters() {
        return store.inTransaction(tx -> tx.deadLetters("customers", 100));
    }

    private List<OutboxEntry> queued() {
        return store.inTransaction(tx -> tx.dueOutbox("customers", "erp", clock.instant().plus(Duration.ofDays(1)), 100));
    }

    @Test
    void aValueTheTargetCannotHoldGoesToDeadLettersAndTheOtherRecordsKeepSyncing() {
        crm.table("t").insert(Row.of("name", "Alexandra Konstantinopoulou", "code", "A"));
        crm.table("t").insert(Row.of("name", "Bo", "code", "B"));
        captureCrm();
        SyncEngine.DeliveryReport r = engine.deliverOnce("erp");
        assertThat(r.deadLettered()).isEqualTo(1);
        assertThat(erp.rows("t").values()).extracting(row -> row.get("code")).containsExactly(Value.str("B"));
        DeadLetter letter = deadLetters().getFirst();
        assertThat(letter.target()).isEqualTo("erp");
        assertThat(letter.error()).contains("field 'name'").contains("27 characters").contains("holds 10");
        assertThat(engine.status().deadLetters()).isEqualTo(1);
    }

    @Test
    void aRefusedWriteIsDeliveredByRetryOnceTheCauseIsFixed() {
        AtomicInteger refusals = new AtomicInteger();
        erp.setFaults(new WriteFaults() {
            @Override
            public String reject(Write w) {
                return refusals.get() == 0 ? "violates unique constraint customer_code_key" : null;
            }
        });
        crm.table("t").insert(Row.of("name", "Bo", "code", "B"));
        captureCrm();
        engine.deliverOnce("erp");
        assertThat(erp.rows("t")).isEmpty();
        DeadLetter letter = deadLetters().getFirst();
        assertThat(letter.error()).isEqualTo("violates unique constraint customer_code_key");
        assertThat(queued()).as("a dead letter is out of the outbox").isEmpty();

        refusals.incrementAndGet(); // the constraint problem is fixed in the ERP
        engine.retryDeadLetter(letter.id());
        engine.deliverOnce("erp");
        assertThat(erp.rows("t").values()).extracting(row -> row.get("name")).containsExactly(Value.str("Bo"));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aDiscardedDeadLetterIsGoneNeverWrittenAndAuditedWithWhoAndWhy() throws Exception {
        crm.table("t").insert(Row.of("name", "Alexandra Konstantinopoulou", "code", "A"));
        captureCrm();
        engine.deliverOnce("erp");
        DeadLetter letter = deadLetters().getFirst();
        assertThatThrownBy(() -> engine.discardDeadLetter(letter.id(), "user:alice", " ")).hasMessageContaining("say why dead letter " + letter.id());
        assertThatThrownBy(() -> engine.discardDeadLetter(letter.id() + 100, "user:alice", "x")).hasMessageContaining("has no dead letter " + (letter.id() + 100));
        assertThat(deadLetters()).as("a refused discard changes nothing").hasSize(1);

        engine.discardDeadLetter(letter.id(), "user:alice", "the ERP does not take long names; fixed by hand");
        assertThat(deadLetters()).isEmpty();
        engine.deliverOnce("erp");
        assertThat(erp.rows("t")).as("a discarded write is not made").isEmpty();
        var entries = store.inTransaction(tx -> tx.audit(dev.twoway.audit.AuditQuery.after(0, 100).action("dead-letter-discarded")));
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("user:alice");
            assertThat(e.sync()).isEqualTo("customers");
            assertThat(e.system()).isEqualTo("erp");
            assertThat(e.recordId()).isEqualTo(letter.recordId().value());
            var detail = new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.detail());
            assertThat(detail.path("reason").asText()).isEqualTo("the ERP does not take long names; fixed by hand");
            assertThat(detail.path("error").asText()).isEqualTo(letter.error());
            assertThat(detail.path("target").asText()).isEqualTo("erp");
            assertThat(detail.path("sync").asText()).isEqualTo("customers");
            assertThat(detail.path("deadLetter").asLong()).isEqualTo(letter.id());
        });
    }

    @Test
    void passingFailuresAreRetriedWithGrowingBackoffAndThenSucceed() {
        AtomicInteger failures = new AtomicInteger(2);
        erp.setFaults(new WriteFaults() {
            @Override
            public boolean failTransiently(Write w) {
                return failures.getAndDecrement() > 0;
            }
        });
        crm.table("t").insert(Row.of("name", "Bo", "code", "B"));
        captureCrm();
        engine.deliverOnce("erp");
        OutboxEntry first = queued().getFirst();
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.dueAt()).isAfter(clock.instant()); // backoff: not before 1 s (2 s halved by jitter)
        assertThat(engine.deliverOnce("erp").due()).as("not due yet").isZero();
        clock.advance(Duration.ofSeconds(2));
        engine.deliverOnce("erp");
        OutboxEntry second = queued().getFirst();
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(Duration.between(clock.instant(), second.dueAt())).isGreaterThanOrEqualTo(Duration.ofSeconds(2)); // 4 s halved at least
        clock.advance(Duration.ofSeconds(5));
        engine.deliverOnce("erp");
        assertThat(erp.rows("t")).hasSize(1);
        assertThat(queued()).isEmpty();
    }

    @Test
    void aWriteThatKeepsFailingEndsInDeadLettersAfterMaxAttempts() {
        erp.setFaults(new WriteFaults() {
            @Override
            public boolean failTransiently(Write w) {
                return true;
            }
        });
        crm.table("t").insert(Row.of("name", "Bo", "code", "B"));
        captureCrm();
        for (int i = 0; i < 4; i++) {
            engine.deliverOnce("erp");
            clock.advance(Duration.ofMinutes(2));
        }
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.error()).contains("after 4 attempts");
            assertThat(d.attempts()).isEqualTo(4);
        });
        assertThat(queued()).isEmpty();
    }

    @Test
    void writesToADownTargetQueueWithoutCountingAttemptsAndDrainWhenItIsBack() {
        erp.setAvailable(false);
        for (int i = 0; i < 5; i++) crm.table("t").insert(Row.of("name", "n" + i, "code", "c" + i));
        captureCrm();
        SyncEngine.DeliveryReport r = engine.deliverOnce("erp");
        assertThat(r.targetUnavailable()).isTrue();
        assertThat(engine.status().endpoints()).filteredOn(e -> e.endpoint().equals("erp")).singleElement().satisfies(e -> {
            assertThat(e.unavailable()).isTrue();
            assertThat(e.queued()).isEqualTo(5);
            assertThat(e.lastError()).contains("erp").contains("unavailable");
        });
        crm.table("t").update(new dev.twoway.model.NativeKey("1"), Row.of("name", "n0-edited"));
        captureCrm(); // more changes while it is down coalesce into the same queue entries
        assertThat(queued()).hasSize(5).allSatisfy(e -> assertThat(e.attempts()).isZero());

        erp.setAvailable(true);
        clock.advance(Duration.ofMinutes(2)); // past the offline backoff
        engine.deliverOnce("erp");
        assertThat(erp.rows("t")).hasSize(5);
        assertThat(erp.rows("t").values()).extracting(row -> row.get("name")).contains(Value.str("n0-edited"));
        assertThat(queued()).isEmpty();
        assertThat(engine.status().endpoints()).filteredOn(e -> e.endpoint().equals("erp")).singleElement().satisfies(e -> {
            assertThat(e.unavailable()).isFalse();
            assertThat(e.lastError()).as("a batch that went through clears the last error").isNull();
        });
    }

    @Test
    void aFailingCaptureIsShownInTheStatusUntilItWorksAgain() {
        crm.setAvailable(false);
        assertThatThrownBy(() -> engine.captureOnce("crm")).isInstanceOf(RuntimeException.class);
        assertThat(engine.status().endpoints()).filteredOn(e -> e.endpoint().equals("crm")).singleElement()
                .satisfies(e -> assertThat(e.captureError()).contains("crm"));
        crm.setAvailable(true);
        engine.captureOnce("crm");
        assertThat(engine.status().endpoints()).filteredOn(e -> e.endpoint().equals("crm")).singleElement()
                .satisfies(e -> assertThat(e.captureError()).isNull());
    }
}
