package dev.twoway.connector.memory;

import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.RecordSink;
import dev.twoway.spi.SystemUnavailableException;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemorySystemTest {
    private final InstantSource clock = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));
    private final MemorySystem crm = new MemorySystem("crm", clock);
    private final MemoryTable table = crm.table("contact");

    @Test
    void captureStartsWithASnapshotInPagesAndThenFollowsTheLog() {
        table.insert(Row.of("name", "a"));
        table.insert(Row.of("name", "b"));
        table.insert(Row.of("name", "c"));
        ChangeSource source = crm.source("contact");
        ChangeBatch first = source.poll(null, 2);
        assertThat(first.changes()).extracting(c -> c.row().get("name").display()).containsExactly("a", "b");
        ChangeBatch second = source.poll(first.position(), 2);
        assertThat(second.changes()).extracting(c -> c.row().get("name").display()).containsExactly("c");
        table.update(new NativeKey("1"), Row.of("name", "a2"));
        table.delete(new NativeKey("2"));
        ChangeBatch log = source.poll(second.position(), 10);
        assertThat(log.changes()).extracting(Change::kind).containsExactly(Change.Kind.UPSERT, Change.Kind.DELETE);
        assertThat(log.changes().getFirst().row().get("name").display()).isEqualTo("a2");
        assertThat(source.poll(log.position(), 10).changes()).isEmpty();
    }

    @Test
    void updateWithAStalePreconditionIsRefusedAndShowsTheCurrentRow() {
        NativeKey k = table.insert(Row.of("phone", "1"));
        table.update(k, Row.of("phone", "2"));
        RecordSink sink = crm.sink("contact");
        List<WriteResult> r = sink.apply(List.of(new Write.Update(new RecordId("r"), k, Row.of("phone", "3"), Row.of("phone", "1"))));
        assertThat(r.getFirst()).isEqualTo(new WriteResult.PreconditionFailed(java.util.Optional.of(Row.of("phone", "2"))));
        assertThat(table.get(k).orElseThrow().get("phone").display()).isEqualTo("2");
    }

    @Test
    void aRetriedInsertFindsItsRowByExternalIdInsteadOfDuplicating() {
        RecordSink sink = crm.sink("contact");
        Write insert = new Write.Insert(new RecordId("rec-1"), Row.of("name", "x"), Row.empty());
        WriteResult.Applied first = (WriteResult.Applied) sink.apply(List.of(insert)).getFirst();
        WriteResult.Applied again = (WriteResult.Applied) sink.apply(List.of(insert)).getFirst();
        assertThat(again.key()).isEqualTo(first.key());
        assertThat(again.existed()).isTrue();
        assertThat(table.snapshot()).hasSize(1);
    }

    @Test
    void taggedEngineWritesLeaveNoTraceInTheLog() {
        crm.setTagOwnWrites(true);
        crm.sink("contact").apply(List.of(new Write.Insert(new RecordId("r"), Row.of("name", "x"), Row.empty())));
        assertThat(table.logSize()).isZero();
        assertThat(table.engineWrites()).isEqualTo(1);
    }

    @Test
    void anUnavailableSystemRefusesEverythingAsUnavailable() {
        crm.setAvailable(false);
        assertThatThrownBy(() -> crm.source("contact").poll(null, 10)).isInstanceOf(SystemUnavailableException.class)
                .hasMessageContaining("crm");
        assertThatThrownBy(() -> crm.sink("contact").apply(List.of())).isInstanceOf(SystemUnavailableException.class);
    }

    @Test
    void theSystemClockCarriesItsSkew() {
        crm.setSkew(Duration.ofMinutes(-3));
        assertThat(crm.currentTime()).contains(Instant.parse("2025-12-31T23:57:00Z"));
    }
}
