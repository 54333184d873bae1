package dev.twoway.connector.memory;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.spi.RecordSink;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies the engine's writes to a {@link MemoryTable} with their preconditions. Inserts look for the row
 * first by external id (the engine's record id, kept in a hidden column) and then by match values, so a retried
 * insert never creates a second row.
 */
final class MemorySink implements RecordSink {
    private final MemoryTable table;

    MemorySink(MemoryTable table) {
        this.table = table;
    }

    @Override
    public List<WriteResult> apply(List<Write> writes) {
        table.systemCheck();
        WriteFaults faults = table.faults();
        List<WriteResult> results = new ArrayList<>(writes.size());
        for (Write w : writes) {
            String refusal = faults.reject(w);
            if (refusal != null) {
                results.add(new WriteResult.Rejected(refusal));
                continue;
            }
            if (faults.failTransiently(w)) {
                results.add(new WriteResult.Failed("simulated transient failure"));
                continue;
            }
            results.add(applyOne(w));
        }
        faults.afterApply(writes.size());
        return results;
    }

    private WriteResult applyOne(Write w) {
        return switch (w) {
            case Write.Insert i -> {
                Optional<NativeKey> existing = find(i.recordId(), i.match());
                if (existing.isPresent()) {
                    yield new WriteResult.Applied(existing.get(), true, table.get(existing.get()));
                }
                yield WriteResult.Applied.of(table.insert(i.values(), i.recordId().value(), true));
            }
            case Write.Update u -> switch (table.updateIf(u.key(), u.values(), u.expected())) {
                case HELD -> WriteResult.Applied.of(u.key());
                case FAILED -> new WriteResult.PreconditionFailed(table.get(u.key()));
                case MISSING -> new WriteResult.PreconditionFailed(Optional.empty());
            };
            case Write.Delete d -> switch (table.deleteIf(d.key(), d.expected(), d.archive())) {
                case HELD -> WriteResult.Applied.of(d.key());
                case FAILED -> new WriteResult.PreconditionFailed(table.get(d.key()));
                case MISSING -> new WriteResult.PreconditionFailed(Optional.empty());
            };
        };
    }

    @Override
    public Optional<NativeKey> find(dev.twoway.model.RecordId recordId, Row match) {
        table.systemCheck();
        return table.findByExternalId(recordId.value()).or(() -> table.findByValues(match));
    }

    @Override
    public Map<NativeKey, Row> read(Collection<NativeKey> keys) {
        table.systemCheck();
        Map<NativeKey, Row> out = new LinkedHashMap<>();
        for (NativeKey k : keys) table.get(k).ifPresent(r -> out.put(k, r));
        table.faults().afterRead(out.size());
        return out;
    }
}
