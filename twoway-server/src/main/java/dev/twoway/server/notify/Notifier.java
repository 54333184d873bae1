package dev.twoway.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.twoway.audit.AuditMask;
import dev.twoway.store.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Sends outbound webhook notifications (docs/notifications.md) beside the engine, never in its way: each webhook has
 * its own thread and bounded queue, the engine's transactions are never waited on, and a receiver that is down only
 * delays its own deliveries.
 *
 * <p>Where events come from: {@code conflict.waiting} and {@code deadletter.created} from the audit trail in the state
 * store, after a position kept per webhook in the store's metadata ({@code notify/<webhook>/position}), so a restart
 * neither skips nor resends (a delivery cut short by a crash comes again: at-least-once, with the same
 * {@code X-Twoway-Delivery} id). {@code sync.*} and {@code system.*} from the run's status, polled every few seconds
 * ({@link StatusWatcher}); those live in memory only.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #close()} once (it waits for a short drain of queued events).
 */
public final class Notifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /**
     * @param pollInterval   how often the audit trail is read for new events
     * @param statusInterval how often the status is read for transitions
     * @param retryBase      the first retry's delay; doubled per attempt (with jitter) up to {@code retryMax}
     * @param retryMax       the longest wait between attempts, also for a receiver's {@code Retry-After}
     * @param drain          how long {@link #close()} keeps delivering queued events
     * @param queueCapacity  events waiting per webhook before the oldest is dropped
     */
    public record Options(Duration pollInterval, Duration statusInterval, Duration retryBase, Duration retryMax, Duration drain, int queueCapacity) {
        public static final Options DEFAULTS = new Options(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofMinutes(5), Duration.ofSeconds(5), 1000);
    }

    private final List<WebhookSender> senders = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Supplier<JsonNode> status;
    private final Options options;
    private final InstantSource clock;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final StatusWatcher watcher = new StatusWatcher();

    /** @param status the run's status as {@code twoway status --json} shows it; null: no {@code sync.*}/{@code system.*} events */
    public Notifier(List<WebhookSettings> webhooks, StateStore store, AuditMask mask, Supplier<JsonNode> status, Options options, InstantSource clock) {
        this.status = status;
        this.options = Objects.requireNonNull(options);
        this.clock = clock;
        StoredEvents stored = new StoredEvents(mask);
        for (WebhookSettings w : webhooks) senders.add(new WebhookSender(w, store, stored, options, clock, closing));
    }

    /** Sets new webhooks' positions to the end of the audit trail, then starts the senders and the status watcher. */
    public void start() {
        for (WebhookSender s : senders) {
            s.initPosition();
            threads.add(thread("twoway-webhook-" + s.hook().name(), s));
        }
        if (status != null && !senders.isEmpty()) threads.add(thread("twoway-notify-status", this::watchStatus));
        if (!senders.isEmpty()) {
            log.debug("notifications: {}", String.join(", ", senders.stream().map(s -> s.hook().describe()).toList()));
        }
    }

    /** Queues an event for every webhook that takes it; never blocks. */
    public void publish(Notification n) {
        for (WebhookSender s : senders) s.offer(n);
    }

    private void watchStatus() {
        try {
            do {
                try {
                    for (Notification n : watcher.observe(status.get(), clock.instant())) publish(n);
                } catch (RuntimeException e) {
                    log.debug("notifications: cannot read the status, trying again: {}", e.getMessage());
                }
            } while (!closing.await(options.statusInterval().toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true); // never what keeps the JVM alive; close() is what stops it in order
        t.start();
        return t;
    }

    /** Stops polling, delivers what is queued for up to the drain time, then stops the senders. */
    @Override
    public void close() {
        if (closing.getCount() == 0) return;
        Instant deadline = clock.instant().plus(options.drain());
        senders.forEach(s -> s.drainUntil(deadline));
        closing.countDown();
        try {
            for (Thread t : threads) {
                t.join(Math.max(1, Duration.between(clock.instant(), deadline).toMillis() + 500));
                if (t.isAlive()) {
                    t.interrupt(); // a delivery still waiting for its receiver
                    t.join(1000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
