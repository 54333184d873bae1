package dev.twoway.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The ids webhooks named and the sources have not fetched yet, per entity of one system. An id named many times
 * before its source drains the inbox is fetched once. Bounded: past {@code maxPending} ids of one entity, further ones
 * are dropped and the entity is marked overflowed (the next poll catches them; a log line says so).
 */
public final class WebhookInbox {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebhookInbox.class);

    /** A notified item: its id, and the item itself when the payload is trusted (else null). */
    public record Notice(String id, com.fasterxml.jackson.databind.JsonNode item) {
    }

    private final int maxPending;
    private volatile Duration coalesce = Duration.ofMillis(250);
    private final Map<String, Map<String, Notice>> pending = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> signals = new ConcurrentHashMap<>();

    public WebhookInbox(int maxPending) {
        this.maxPending = maxPending;
    }

    public WebhookInbox() {
        this(100_000);
    }

    /** How long a woken source waits for more notifications before it fetches. */
    public void coalesce(Duration window) {
        this.coalesce = window;
    }

    Duration coalesce() {
        return coalesce;
    }

    /** Notes the items and wakes the entity's source. */
    public void offer(String entity, Collection<Notice> notices) {
        Map<String, Notice> m = pending.computeIfAbsent(entity, e -> new java.util.LinkedHashMap<>());
        synchronized (m) {
            int dropped = 0;
            for (Notice n : notices) {
                if (m.size() >= maxPending && !m.containsKey(n.id())) dropped++;
                else m.put(n.id(), n);
            }
            if (dropped > 0) log.warn("webhook inbox of {} is full ({} ids waiting); {} notifications dropped, the poller will catch them", entity, m.size(), dropped);
        }
        signal(entity).release();
    }

    /** Takes up to {@code max} waiting notices of {@code entity}, oldest first. */
    List<Notice> take(String entity, int max) {
        Map<String, Notice> m = pending.get(entity);
        if (m == null) return List.of();
        synchronized (m) {
            List<Notice> out = new ArrayList<>();
            var it = m.values().iterator();
            while (it.hasNext() && out.size() < max) {
                out.add(it.next());
                it.remove();
            }
            return out;
        }
    }

    /** Ids waiting for {@code entity}. */
    public int waiting(String entity) {
        Map<String, Notice> m = pending.get(entity);
        if (m == null) return 0;
        synchronized (m) {
            return m.size();
        }
    }

    /** Waits until a notification for {@code entity} arrives or the timeout passes; true if one did. */
    boolean await(String entity, Duration timeout) throws InterruptedException {
        if (waiting(entity) > 0) return true;
        Semaphore s = signal(entity);
        boolean woken = s.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
        s.drainPermits();
        return woken || waiting(entity) > 0;
    }

    private Semaphore signal(String entity) {
        return signals.computeIfAbsent(entity, e -> new Semaphore(0));
    }

    Set<String> entities() {
        return new LinkedHashSet<>(pending.keySet());
    }
}
