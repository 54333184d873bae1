package dev.twoway.engine;

import dev.twoway.store.StateStore;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which syncs an operator paused. Kept in the state store, so a pause given by one process ({@code twoway pause})
 * is obeyed by the process running the engines, within {@link #REFRESH}; a paused sync captures and delivers
 * nothing (changes wait in the systems' logs, writes in the outbox) until it is resumed.
 */
public final class Pauses {
    static final Duration REFRESH = Duration.ofSeconds(1);
    private final StateStore store;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(boolean paused, long readAt) {
    }

    public Pauses(StateStore store) {
        this.store = store;
    }

    static String key(String sync) {
        return "paused/" + sync;
    }

    public boolean paused(String sync) {
        long now = System.nanoTime();
        Cached c = cache.get(sync);
        if (c != null && now - c.readAt() < REFRESH.toNanos()) return c.paused();
        boolean p = store.inTransaction(tx -> tx.meta(key(sync)).map(v -> !v.isEmpty()).orElse(false));
        cache.put(sync, new Cached(p, now));
        return p;
    }

    /** Pauses a sync; {@code by} (who, and why) is kept with the flag and shown by status. */
    public void pause(String sync, String by) {
        store.run(tx -> tx.putMeta(key(sync), by == null || by.isBlank() ? "paused" : by));
        cache.remove(sync);
    }

    public void resume(String sync) {
        store.run(tx -> tx.putMeta(key(sync), ""));
        cache.remove(sync);
    }

    /** Who paused the sync and why, if it is paused. */
    public java.util.Optional<String> pausedBy(String sync) {
        return store.inTransaction(tx -> tx.meta(key(sync)).filter(v -> !v.isEmpty()));
    }
}
