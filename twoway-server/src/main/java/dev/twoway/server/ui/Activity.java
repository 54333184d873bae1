package dev.twoway.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditQuery;
import dev.twoway.store.StateStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The last hour of each sync, for the dashboard's charts: captured changes per minute (counted from the audit trail,
 * which has every change with its time) and queued writes (sampled from the status, which only knows "now").
 * {@link #sample()} is called every few seconds; it reads only the audit entries added since the previous call.
 */
public final class Activity {
    static final int MINUTES = 60;
    private static final Set<String> CHANGES = Set.of("create", "change", "delete");
    private static final int PAGE = 1000;
    private static final int MAX_PAGES_PER_SAMPLE = 50;

    private final StateStore store;
    private final Supplier<JsonNode> status;
    private final Clock clock;
    private final Map<String, Map<Long, Integer>> changesByMinute = new HashMap<>();
    private final Map<String, Deque<long[]>> queued = new HashMap<>();
    private long lastSeq = -1;
    private Instant lastSample = Instant.MIN;

    public Activity(StateStore store, Supplier<JsonNode> status, Clock clock) {
        this.store = store;
        this.status = status;
        this.clock = clock;
    }

    /** Samples unless the last sample is younger than {@code maxAge}: a page shows what just happened. */
    public synchronized void sampleIfOlderThan(Duration maxAge) {
        if (lastSample.isBefore(clock.instant().minus(maxAge))) sample();
    }

    public synchronized void sample() {
        Instant now = clock.instant();
        lastSample = now;
        Instant hourAgo = now.minus(Duration.ofMinutes(MINUTES));
        long cutoff = minute(hourAgo);
        // First call: only the last hour of the trail, not all of it.
        AuditQuery q = lastSeq < 0 ? AuditQuery.after(0, PAGE).between(hourAgo, null) : AuditQuery.after(lastSeq, PAGE);
        if (lastSeq < 0) lastSeq = 0;
        for (int i = 0; i < MAX_PAGES_PER_SAMPLE; i++) {
            AuditQuery page = q;
            List<AuditEntry> entries = store.inTransaction(tx -> tx.audit(page));
            for (AuditEntry e : entries) {
                if (e.sync() != null && CHANGES.contains(e.action()) && minute(e.time()) >= cutoff) {
                    changesByMinute.computeIfAbsent(e.sync(), s -> new HashMap<>()).merge(minute(e.time()), 1, Integer::sum);
                }
                lastSeq = Math.max(lastSeq, e.seq());
            }
            if (entries.size() < PAGE) break;
            q = AuditQuery.after(lastSeq, PAGE);
        }
        changesByMinute.values().forEach(m -> m.keySet().removeIf(k -> k < cutoff));
        for (JsonNode s : status.get().path("syncs")) {
            long total = 0;
            for (JsonNode ep : s.path("endpoints")) total += ep.path("queued").asLong();
            Deque<long[]> d = queued.computeIfAbsent(s.path("sync").asText(), k -> new ArrayDeque<>());
            d.addLast(new long[]{now.getEpochSecond(), total});
            while (!d.isEmpty() && d.peekFirst()[0] < hourAgo.getEpochSecond()) d.removeFirst();
        }
    }

    /** Captured changes in each of the last 60 minutes, oldest first (the current minute last). */
    public synchronized List<Integer> changesPerMinute(String sync) {
        long now = minute(clock.instant());
        Map<Long, Integer> m = changesByMinute.getOrDefault(sync, Map.of());
        List<Integer> out = new ArrayList<>(MINUTES);
        for (long k = now - MINUTES + 1; k <= now; k++) out.add(m.getOrDefault(k, 0));
        return out;
    }

    /** Queued writes as sampled over the last hour, oldest first. */
    public synchronized List<Long> queued(String sync) {
        List<Long> out = new ArrayList<>();
        for (long[] s : queued.getOrDefault(sync, new ArrayDeque<>())) out.add(s[1]);
        return out;
    }

    private static long minute(Instant t) {
        return t.getEpochSecond() / 60;
    }
}
