package dev.twoway.connector.memory;

import dev.twoway.model.NativeKey;
import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.ChangeSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Captures a {@link MemoryTable}: a snapshot in key pages first, then its change log. Each logged key is
 * answered with the row's state at read time (fetch latest), like a trigger log joined to its table.
 *
 * <p>Positions: {@code snap:<logSeqAtStart>:<lastKey>} during the snapshot, {@code log:<seq>} after it.
 * The snapshot remembers the log position at its start and continues from there, so a change made during the
 * snapshot is seen at least once.
 */
final class MemorySource implements ChangeSource {
    private final MemoryTable table;

    MemorySource(MemoryTable table) {
        this.table = table;
    }

    @Override
    public ChangeBatch poll(String afterPosition, int maxChanges) {
        ChangeBatch batch = read(afterPosition, maxChanges);
        table.faults().afterPoll(batch.changes().size());
        return batch;
    }

    private ChangeBatch read(String afterPosition, int maxChanges) {
        table.systemCheck();
        if (afterPosition == null) afterPosition = "snap:" + table.logSize() + ":";
        if (afterPosition.startsWith("snap:")) return snapshotPage(afterPosition, maxChanges);
        if (!afterPosition.startsWith("log:")) {
            throw new IllegalArgumentException("table " + table.name() + ": position '" + afterPosition + "' was not written by this connector");
        }
        long after = Long.parseLong(afterPosition.substring(4));
        List<MemoryTable.Logged> entries = table.logAfter(after, maxChanges);
        List<Change> changes = new ArrayList<>(entries.size());
        for (MemoryTable.Logged e : entries) changes.add(current(e.key()));
        long next = entries.isEmpty() ? after : entries.getLast().seq();
        return new ChangeBatch(changes, "log:" + next, entries.size() < maxChanges);
    }

    private ChangeBatch snapshotPage(String position, int max) {
        String[] parts = position.split(":", 3);
        long logStart = Long.parseLong(parts[1]);
        NativeKey after = parts[2].isEmpty() ? null : new NativeKey(parts[2]);
        List<Map.Entry<NativeKey, MemoryTable.Stored>> page = table.page(after, max);
        List<Change> changes = new ArrayList<>(page.size());
        for (var e : page) changes.add(Change.upsert(e.getKey(), e.getValue().values(), e.getValue().modifiedAt(), e.getValue().externalId()));
        if (page.size() < max) return new ChangeBatch(changes, "log:" + logStart, false);
        return new ChangeBatch(changes, "snap:" + logStart + ":" + page.getLast().getKey().value(), false);
    }

    private Change current(NativeKey key) {
        Optional<MemoryTable.Stored> s = table.stored(key);
        return s.map(st -> Change.upsert(key, st.values(), st.modifiedAt(), st.externalId()))
                .orElseGet(() -> {
                    MemoryTable.Stored gone = table.deleted(key);
                    return gone == null ? Change.delete(key, null) : Change.delete(key, gone.modifiedAt(), gone.externalId());
                });
    }
}
