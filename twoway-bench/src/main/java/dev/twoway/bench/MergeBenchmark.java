package dev.twoway.bench;

import dev.twoway.clock.HlcTimestamp;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.merge.Incoming;
import dev.twoway.merge.MergeOutcome;
import dev.twoway.merge.Merger;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Merges per second of the core for a 20-field record (mixed types):
 * <ul>
 *   <li>{@code echo}: the engine's own write coming back (all fields equal): the most common case;</li>
 *   <li>{@code threeFieldsChanged}: an ordinary update of 3 fields, no conflict;</li>
 *   <li>{@code conflictOnTwoFields}: 2 fields changed concurrently elsewhere, decided by last-write-wins.</li>
 * </ul>
 * Run: {@code java -jar twoway-bench/target/benchmarks.jar MergeBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MergeBenchmark {
    private Merger merger;
    private RecordState synced;
    private RecordState othersChanged;
    private Incoming echo;
    private Incoming update;

    @Setup
    public void setUp() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Row base = record(0);
        merger = new Merger(ConflictSettings.lastWriteWins(List.of("crm", "erp")));
        RecordState s = merger.merge(RecordState.fresh(new RecordId("r")),
                new Incoming("crm", new NativeKey("1"), base, HlcTimestamp.of(t0))).state();
        synced = s.withShadow("erp", Shadow.present(new NativeKey("E1"), base, 0));
        Row changed = base.with("f3", Value.str("changed")).with("f7", Value.integer(99)).with("f11", Value.of(true));
        echo = new Incoming("erp", new NativeKey("E1"), base, HlcTimestamp.of(t0.plusSeconds(5)));
        update = new Incoming("erp", new NativeKey("E1"), changed, HlcTimestamp.of(t0.plusSeconds(5)));
        Row crmEdit = base.with("f3", Value.str("crm-edit")).with("f7", Value.integer(7));
        othersChanged = merger.merge(synced, new Incoming("crm", new NativeKey("1"), crmEdit, HlcTimestamp.of(t0.plusSeconds(2)))).state();
    }

    static Row record(int seed) {
        Map<String, Value> m = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            m.put("f" + i, switch (i % 5) {
                case 0 -> Value.str("text value " + i + "/" + seed);
                case 1 -> Value.integer(1000L * i + seed);
                case 2 -> new Value.Dec(new BigDecimal("12345.67").add(BigDecimal.valueOf(i)));
                case 3 -> new Value.Date(LocalDate.of(2020, 1, 1).plusDays(i));
                default -> new Value.Timestamp(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i));
            });
        }
        return Row.of(m);
    }

    @Benchmark
    public MergeOutcome echo() {
        return merger.merge(synced, echo);
    }

    @Benchmark
    public MergeOutcome threeFieldsChanged() {
        return merger.merge(synced, update);
    }

    @Benchmark
    public MergeOutcome conflictOnTwoFields() {
        return merger.merge(othersChanged, update);
    }
}
