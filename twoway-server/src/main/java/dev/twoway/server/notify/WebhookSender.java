package dev.twoway.server.notify;

import dev.twoway.store.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Delivers to one webhook, on its own thread, in order: first the stored events after its position (saving the
 * position after each one is delivered or given up), then what {@link Notifier#publish} queued. A receiver that is
 * down holds up only its own webhook.
 */
final class WebhookSender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    private static final int PAGE = 50;

    enum Result { DELIVERED, GAVE_UP, STOPPED }

    private final WebhookSettings hook;
    private final StateStore store;
    private final StoredEvents stored;
    private final Notifier.Options options;
    private final InstantSource clock;
    private final CountDownLatch closing;
    private final BlockingQueue<Notification> queue;
    private final HttpClient http;
    private volatile Instant drainUntil = Instant.MAX;

    WebhookSender(WebhookSettings hook, StateStore store, StoredEvents stored, Notifier.Options options, InstantSource clock, CountDownLatch closing) {
        this.hook = hook;
        this.store = store;
        this.stored = stored;
        this.options = options;
        this.clock = clock;
        this.closing = closing;
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.http = HttpClient.newBuilder().connectTimeout(hook.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    WebhookSettings hook() {
        return hook;
    }

    static String positionKey(String webhook) {
        return "notify/" + webhook + "/position";
    }

    /**
     * A webhook seen for the first time starts at the end of the audit trail (no flood of old events); one that takes
     * no stored events follows the end, so adding such events later does not replay what happened meanwhile.
     */
    void initPosition() {
        boolean takesStored = hook.events().contains(EventType.CONFLICT_WAITING) || hook.events().contains(EventType.DEADLETTER_CREATED);
        store.run(tx -> {
            if (!takesStored || tx.meta(positionKey(hook.name())).isEmpty()) tx.putMeta(positionKey(hook.name()), Long.toString(tx.lastAuditSeq()));
        });
    }

    /** Queues an event without ever blocking; when the queue is full the oldest event goes (and the loss is logged). */
    void offer(Notification n) {
        if (!hook.events().contains(n.type())) return;
        while (!queue.offer(n)) {
            Notification dropped = queue.poll();
            if (dropped != null) log.warn("webhook {}: {} events are waiting, dropped the oldest ({} {})", hook.describe(), options.queueCapacity(), dropped.type().wireName(), dropped.id());
        }
    }

    void drainUntil(Instant deadline) {
        this.drainUntil = deadline;
    }

    @Override
    public void run() {
        try {
            while (closing.getCount() > 0) {
                boolean more = false;
                try {
                    more = sendStored();
                } catch (RuntimeException e) {
                    log.warn("webhook {}: cannot read events from the state store, trying again: {}", hook.describe(), e.getMessage());
                }
                if (closing.getCount() == 0) break;
                Notification n = queue.poll(more ? 0 : options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                if (n != null) deliver(n, false);
            }
            // A short drain: what is queued only lives in memory; stored events are sent again after a restart.
            for (Notification n; clock.instant().isBefore(drainUntil) && (n = queue.poll()) != null; ) deliver(n, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            http.shutdownNow(); // never wait here for a receiver that hangs: the stop is already late
        }
        if (!queue.isEmpty()) log.warn("webhook {}: stopped with {} events not delivered", hook.describe(), queue.size());
    }

    /** Delivers the next page of stored events; true when there may be more. */
    private boolean sendStored() {
        if (!hook.events().contains(EventType.CONFLICT_WAITING) && !hook.events().contains(EventType.DEADLETTER_CREATED)) return false;
        long position = store.inTransaction(tx -> tx.meta(positionKey(hook.name()))).map(Long::parseLong).orElse(0L);
        List<StoredEvents.Item> items = store.inTransaction(tx -> stored.after(tx, position, PAGE));
        for (StoredEvents.Item item : items) {
            Optional<Notification> n = item.notification().filter(x -> hook.events().contains(x.type()));
            if (n.isPresent() && deliver(n.get(), false) == Result.STOPPED) return false; // not done: sent again after a restart
            store.run(tx -> tx.putMeta(positionKey(hook.name()), Long.toString(item.seq())));
        }
        return items.size() == PAGE;
    }

    /** Attempts until delivered, refused, out of attempts, or stopped; never throws. */
    Result deliver(Notification n, boolean draining) {
        for (int attempt = 1; ; attempt++) {
            Attempt a = attempt(n);
            if (a.delivered()) {
                if (attempt > 1) log.info("webhook {}: {} {} delivered at attempt {}", hook.describe(), n.type().wireName(), n.id(), attempt);
                return Result.DELIVERED;
            }
            if (!a.retry()) {
                log.warn("webhook {}: {} {} refused, not retried: {}; check the receiver (401/403: it may expect another secret; 404: the url)",
                        hook.describe(), n.type().wireName(), n.id(), a.problem());
                return Result.GAVE_UP;
            }
            if (attempt >= hook.maxAttempts()) {
                log.warn("webhook {}: {} {} given up after {} attempts: {}", hook.describe(), n.type().wireName(), n.id(), attempt, a.problem());
                return Result.GAVE_UP;
            }
            Duration wait = a.retryAfter().isPresent() ? min(a.retryAfter().get(), options.retryMax()) : backoff(attempt);
            if (attempt == 1) log.warn("webhook {}: {} {} failed ({}), retrying in {} ms", hook.describe(), n.type().wireName(), n.id(), a.problem(), wait.toMillis());
            else log.debug("webhook {}: attempt {} of {} failed ({}), retrying in {} ms", hook.describe(), attempt, n.id(), a.problem(), wait.toMillis());
            if (draining || Thread.currentThread().isInterrupted()) return Result.STOPPED;
            try {
                if (closing.await(wait.toMillis(), TimeUnit.MILLISECONDS)) return Result.STOPPED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Result.STOPPED;
            }
        }
    }

    /** @param problem what went wrong, for the log; {@code retryAfter} what the receiver asked for */
    private record Attempt(boolean delivered, boolean retry, String problem, Optional<Duration> retryAfter) {
    }

    private Attempt attempt(Notification n) {
        byte[] body = WebhookPayload.body(n, hook);
        long ts = clock.instant().getEpochSecond();
        HttpRequest.Builder request = HttpRequest.newBuilder(hook.url()).timeout(hook.timeout())
                .header("Content-Type", "application/json; charset=utf-8").header("User-Agent", "twoway-webhook/1")
                .header(WebhookSignature.EVENT, n.type().wireName()).header(WebhookSignature.DELIVERY, n.id())
                .header(WebhookSignature.TIMESTAMP, Long.toString(ts)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (hook.secret() != null) {
            request.header(WebhookSignature.SIGNATURE, WebhookSignature.sign(hook.secret().reveal().getBytes(StandardCharsets.UTF_8), ts, body));
        }
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            int status = response.statusCode();
            String text;
            try (InputStream in = response.body()) {
                text = new String(in.readNBytes(300), StandardCharsets.UTF_8).strip(); // enough to say why; a receiver's page may be large
            }
            if (status >= 200 && status < 300) return new Attempt(true, false, null, Optional.empty());
            boolean retry = status == 408 || status == 429 || status >= 500;
            String problem = "HTTP " + status + (text.isEmpty() ? "" : " " + text.replaceAll("\\s+", " "));
            return new Attempt(false, retry, problem, retry ? retryAfter(response.headers().firstValue("Retry-After")) : Optional.empty());
        } catch (IOException e) {
            // connection refused, reset, TLS failure, timeout: the receiver may be back soon
            return new Attempt(false, true, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(false, true, "stopped", Optional.empty());
        }
    }

    /** {@code Retry-After} as seconds or an HTTP date (RFC 9110 §10.2.3). */
    private Optional<Duration> retryAfter(Optional<String> header) {
        if (header.isEmpty()) return Optional.empty();
        String h = header.get().trim();
        if (h.matches("\\d{1,9}")) return Optional.of(Duration.ofSeconds(Long.parseLong(h)));
        try {
            Duration d = Duration.between(clock.instant(), ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Exponential, capped, with jitter (half fixed, half random) so many senders do not retry in step. */
    private Duration backoff(int attempt) {
        long base = options.retryBase().toMillis();
        long exp = min(Duration.ofMillis(base << Math.min(attempt - 1, 20)), options.retryMax()).toMillis();
        return Duration.ofMillis(exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
