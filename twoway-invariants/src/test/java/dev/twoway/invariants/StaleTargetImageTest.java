package dev.twoway.invariants;

import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.FieldMapping;
import dev.twoway.mapping.FieldMappingSpec;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;
import dev.twoway.spi.RecordSink;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A write whose precondition fails answers with the row as the target held it then. Capture runs on its own
 * thread: by the time delivery records that answer, capture may already have merged a newer state of the same row.
 * The older answer must not be merged over it — the row would then differ between the systems for good, with no
 * change left in the target's log to bring the newer values back (found by the reliability suite: PoisonRecordIT,
 * one record's last name differing between PostgreSQL and MariaDB with nothing queued).
 */
class StaleTargetImageTest {
    @TempDir
    Path dir;
    private final TestClock clock = new TestClock();
    private final MemorySystem crm = new MemorySystem("crm", clock);
    private final MemorySystem erp = new MemorySystem("erp", clock);
    private SqliteStateStore store;
    private SyncEngine engine;
    /** Runs inside the ERP sink's apply, after the sink answered: what capture does meanwhile on its own thread. */
    private Runnable duringDelivery = () -> { };

    @AfterEach
    void stop() {
        if (store != null) store.close();
    }

    private void start(Direction erpDirection) {
        Map<String, ValueType> types = Map.of("name", ValueType.STRING, "code", ValueType.STRING);
        List<FieldMappingSpec> specs = List.of(FieldMappingSpec.Direct.of("name", "name", ColumnType.of(ValueType.STRING)),
                FieldMappingSpec.Direct.of("code", "code", ColumnType.of(ValueType.STRING)));
        SyncDefinition sync = new SyncDefinition("customers", List.of(
                new EndpointDefinition("crm", "t", Direction.BOTH, FieldMapping.build("crm", types, specs), null),
                new EndpointDefinition("erp", "t", erpDirection, FieldMapping.build("erp", types, specs), null)),
                ConflictSettings.lastWriteWins(List.of("crm", "erp")), List.of());
        store = SqliteStateStore.open(dir.resolve("state.db"));
        RecordSink erpSink = erp.sink("t");
        RecordSink racing = new RecordSink() {
            @Override
            public List<WriteResult> apply(List<Write> writes) {
                List<WriteResult> results = erpSink.apply(writes);
                Runnable r = duringDelivery;
                duringDelivery = () -> { };
                r.run();
                return results;
            }

            @Override
            public Map<NativeKey, Row> read(Collection<NativeKey> keys) {
                return erpSink.read(keys);
            }

            @Override
            public Optional<NativeKey> find(dev.twoway.model.RecordId recordId, Row match) {
                return erpSink.find(recordId, match);
            }
        };
        engine = new SyncEngine(sync, Map.of(
                "crm", new SyncEngine.EndpointIo(crm.source("t"), crm.sink("t")),
                "erp", new SyncEngine.EndpointIo(erp.source("t"), racing)), store,
                EngineOptions.defaults().withClock(clock).withMaxAttempts(10).withRandom(new Random(1)));
        engine.captureOnce("erp");
        engine.captureOnce("crm");
    }

    private void settle() {
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(1));
            engine.captureOnce("crm");
            engine.captureOnce("erp");
            engine.deliverOnce("crm");
            engine.deliverOnce("erp");
        }
    }

    @Test
    void aPreconditionAnswerOlderThanWhatCaptureMergedMeanwhileDoesNotUndoIt() {
        start(Direction.BOTH);
        NativeKey crmKey = crm.table("t").insert(Row.of("name", "Ann", "code", "A"));
        settle();
        NativeKey erpKey = erp.rows("t").keySet().iterator().next();

        // The CRM changes the code; before twoway writes it, a user changes the code in the ERP too (the write's
        // precondition fails) and, right after the ERP answered, the name — which capture picks up at once.
        clock.advance(Duration.ofSeconds(1));
        crm.table("t").update(crmKey, Row.of("code", "C1"));
        engine.captureOnce("crm");
        clock.advance(Duration.ofSeconds(1));
        erp.table("t").update(erpKey, Row.of("code", "E1"));
        duringDelivery = () -> {
            clock.advance(Duration.ofSeconds(1));
            erp.table("t").update(erpKey, Row.of("name", "Bea"));
            engine.captureOnce("erp");
        };
        engine.deliverOnce("erp");
        settle();

        Row inErp = erp.rows("t").get(erpKey);
        Row inCrm = crm.rows("t").get(crmKey);
        assertThat(inErp.get("name")).as("the ERP's newest edit stays").isEqualTo(Value.str("Bea"));
        assertThat(inCrm.get("name")).as("and reaches the CRM").isEqualTo(Value.str("Bea"));
        assertThat(inCrm.get("code")).as("the code converged (last write: the ERP's)").isEqualTo(inErp.get("code")).isEqualTo(Value.str("E1"));
        assertThat(engine.status().endpoints()).allSatisfy(e -> assertThat(e.queued()).isZero());
    }

    @Test
    void aTargetThatIsNotCapturedIsStillMergedFromThePreconditionAnswer() {
        start(Direction.TARGET);
        NativeKey crmKey = crm.table("t").insert(Row.of("name", "Ann", "code", "A"));
        settle();
        NativeKey erpKey = erp.rows("t").keySet().iterator().next();
        clock.advance(Duration.ofSeconds(1));
        erp.table("t").update(erpKey, Row.of("code", "E1")); // nobody captures the ERP: only the answer tells
        clock.advance(Duration.ofSeconds(1));
        crm.table("t").update(crmKey, Row.of("code", "C1"));
        settle();
        assertThat(erp.rows("t").get(erpKey).get("code")).isEqualTo(Value.str("C1"));
    }
}
