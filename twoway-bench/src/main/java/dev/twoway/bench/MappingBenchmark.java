package dev.twoway.bench;

import dev.twoway.clock.HlcTimestamp;
import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.mapping.FieldMapping;
import dev.twoway.mapping.FieldMappingSpec;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.merge.Incoming;
import dev.twoway.merge.Merger;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.RecordStateCodec;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.ValueType;
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

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Per-record cost of the steps around the merge, for the 20-field record of {@link MergeBenchmark}:
 * <ul>
 *   <li>{@code identityToCanonical} / {@code identityToNative}: same names, same types;</li>
 *   <li>{@code convertingToCanonical} / {@code convertingToNative}: every field converted (integers, decimals,
 *       dates and timestamps kept as text columns, strings with a maximum length);</li>
 *   <li>{@code stateEncode} / {@code stateDecode}: a synced record's state to and from the JSON text the state store
 *       keeps (done several times per record synced); {@code …TreeBefore}: the same with the codec as it was before
 *       the profiling of docs/performance.md ({@link TreeRecordStateCodec}).</li>
 * </ul>
 * Run: {@code java -jar twoway-bench/target/benchmarks.jar MappingBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MappingBenchmark {
    private EndpointMapping identity;
    private FieldMapping converting;
    private Row canonical;
    private Row identityNative;
    private Row convertedNative;
    private RecordState synced;
    private String syncedText;
    private String treeText;
    private final NativeKey key = new NativeKey("1");

    @Setup
    public void setUp() {
        canonical = MergeBenchmark.record(7);
        identity = EndpointMapping.identity(Set.copyOf(canonical.names()));
        Map<String, ValueType> types = new LinkedHashMap<>();
        List<FieldMappingSpec> specs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String f = "f" + i;
            ValueType type = switch (i % 5) {
                case 0 -> ValueType.STRING;
                case 1 -> ValueType.INTEGER;
                case 2 -> ValueType.DECIMAL;
                case 3 -> ValueType.DATE;
                default -> ValueType.TIMESTAMP;
            };
            types.put(f, type);
            ColumnType column = type == ValueType.STRING ? ColumnType.of(ValueType.STRING).withMaxLength(100) : ColumnType.of(ValueType.STRING);
            specs.add(FieldMappingSpec.Direct.of(f, "col_" + i, column));
        }
        converting = FieldMapping.build("erp", types, specs);
        identityNative = identity.toNative("r", canonical);
        convertedNative = converting.toNative("r", canonical);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        Merger merger = new Merger(ConflictSettings.lastWriteWins(List.of("crm", "erp")));
        RecordState s = merger.merge(RecordState.fresh(new RecordId("r")), new Incoming("crm", key, canonical, HlcTimestamp.of(t0))).state();
        synced = s.withShadow("erp", Shadow.present(new NativeKey("E1"), canonical, 3));
        syncedText = RecordStateCodec.encode(synced);
        treeText = TreeRecordStateCodec.encode(synced);
    }

    @Benchmark
    public Row identityToCanonical() {
        return identity.toCanonical(key, identityNative);
    }

    @Benchmark
    public Row identityToNative() {
        return identity.toNative("r", canonical);
    }

    @Benchmark
    public Row convertingToCanonical() {
        return converting.toCanonical(key, convertedNative);
    }

    @Benchmark
    public Row convertingToNative() {
        return converting.toNative("r", canonical);
    }

    @Benchmark
    public String stateEncode() {
        return RecordStateCodec.encode(synced);
    }

    @Benchmark
    public String stateEncodeTreeBefore() {
        return TreeRecordStateCodec.encode(synced);
    }

    @Benchmark
    public RecordState stateDecodeTreeBefore() {
        return TreeRecordStateCodec.decode(synced.id(), treeText);
    }

    @Benchmark
    public RecordState stateDecode() {
        return RecordStateCodec.decode(synced.id(), syncedText);
    }
}
