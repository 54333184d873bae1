package dev.twoway.engine;

import dev.twoway.clock.ClockOffsets;
import dev.twoway.schedule.Schedule;
import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.Connector;
import dev.twoway.spi.SystemUnavailableException;
import dev.twoway.store.StateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs sync engines continuously: for every endpoint of every sync one capture loop and one delivery loop,
 * each on its own virtual thread. A capture that resolved changes wakes the delivery loops of its sync, so a
 * change is delivered as soon as it is resolved, not at the next poll.
 *
 * <p>Failures: an unavailable system makes its loops back off (its writes stay queued: the offline queue); any
 * other capture error is logged and retried with backoff. A state-store failure stops the runtime: the engine
 * must not go on without its memory. {@link #failure()} then says why.
 *
 * <p>{@link #close()} stops gracefully: loops finish the batch they are in, then exit.
 */
public final class EngineRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineRuntime.class);

    /**
     * @param pollInterval how long a capture loop waits for a wake-up signal when its source had nothing
     * @param deliveryIdle how long a delivery loop sleeps when nothing was due and no capture woke it
     * @param errorBackoff base of the backoff after a capture error
     * @param clockCheck   how often each system's clock offset is measured again
     */
    public record Options(Duration pollInterval, Duration deliveryIdle, Backoff errorBackoff, Duration clockCheck) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), Duration.ofSeconds(1), new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30)),
                    Duration.ofMinutes(5));
        }
    }

    private final List<SyncEngine> engines;
    private final Map<String, SyncEngine.EndpointIo> sources;
    private final Map<String, Connector> connectors;
    private final Options options;
    private final Map<String, Schedule> schedules;
    private final Pauses pauses;
    private final java.time.ZoneId zone;
    private final Map<String, Semaphore> wakeUps = new ConcurrentHashMap<>();
    /** Per scheduled sync: a permit asks its loop for a pass now ({@link #runNow}). */
    private final Map<String, Semaphore> passRequests = new ConcurrentHashMap<>();
    /** Scheduled syncs whose pass is under way. */
    private final java.util.Set<String> passing = ConcurrentHashMap.newKeySet();
    /** Systems whose clock was measured at least once since start. */
    private final java.util.Set<String> clockMeasured = ConcurrentHashMap.newKeySet();
    private final Map<String, Duration> loggedOffsets = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    /** Capture threads waiting for a change signal: they hold no work, so a stop interrupts them (see {@link #stop}). */
    private final java.util.Set<Thread> awaiting = new java.util.HashSet<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running;
    private volatile Thread clockThread;
    private volatile SyncPass.Progress progress = SyncPass.Progress.NONE;

    /** Told how far each endpoint's capture got until it first caught up (the initial sync); set before {@link #start}. */
    public void reportProgress(SyncPass.Progress p) {
        this.progress = p;
    }

    /**
     * @param io         per sync name and endpoint ({@code sync/endpoint}), the connection the engine uses, for
     *                   the capture loop's wait on its source
     * @param connectors per system name, to measure clock offsets
     */
    public EngineRuntime(List<SyncEngine> engines, Map<String, SyncEngine.EndpointIo> io, Map<String, Connector> connectors,
                         Options options) {
        this(engines, io, connectors, options, Map.of(), null, java.time.ZoneId.systemDefault());
    }

    /**
     * @param schedules per sync name, when it runs; a sync without one (or {@code realtime}) runs continuously, the
     *                  others run one {@link SyncPass} at each time their schedule gives
     * @param pauses    the operator's pauses, or {@code null} for none
     * @param zone      the zone cron expressions are read in
     */
    public EngineRuntime(List<SyncEngine> engines, Map<String, SyncEngine.EndpointIo> io, Map<String, Connector> connectors,
                         Options options, Map<String, Schedule> schedules, Pauses pauses, java.time.ZoneId zone) {
        this.engines = List.copyOf(engines);
        this.sources = Map.copyOf(io);
        this.connectors = Map.copyOf(connectors);
        this.options = options;
        this.schedules = Map.copyOf(schedules);
        this.pauses = pauses;
        this.zone = zone;
    }

    private boolean paused(SyncEngine engine) {
        return pauses != null && pauses.paused(engine.definition().name());
    }

    public synchronized void start() {
        if (running) throw new IllegalStateException("runtime already started");
        running = true;
        for (SyncEngine engine : engines) {
            String sync = engine.definition().name();
            Schedule schedule = schedules.getOrDefault(sync, new Schedule.Realtime());
            if (!(schedule instanceof Schedule.Realtime)) {
                passRequests.put(sync, new Semaphore(0));
                spawn("schedule " + sync, () -> scheduledLoop(engine, schedule));
                continue;
            }
            for (EndpointDefinition e : engine.definition().endpoints()) {
                wakeUps.put(sync + "/" + e.name(), new Semaphore(0));
                if (e.direction().captured()) spawn("capture " + sync + "/" + e.name(), () -> captureLoop(engine, e));
                if (e.direction().written()) spawn("deliver " + sync + "/" + e.name(), () -> deliveryLoop(engine, e));
            }
        }
        clockThread = spawn("clocks", this::clockLoop);
    }

    private Thread spawn(String name, Runnable loop) {
        Thread t = Thread.ofVirtual().name("twoway " + name).start(() -> {
            try {
                loop.run();
            } catch (StateStoreException e) {
                fail(e);
            }
        });
        threads.add(t);
        return t;
    }

    private void captureLoop(SyncEngine engine, EndpointDefinition endpoint) {
        String sync = engine.definition().name();
        ChangeSource source = sources.get(sync + "/" + endpoint.name()).source();
        int errors = 0;
        long initial = 0;
        boolean caughtUpOnce = false;
        while (running) {
            try {
                if (paused(engine)) {
                    Thread.sleep(options.pollInterval());
                    continue;
                }
                // Source times of a system whose clock was never measured cannot be corrected, and a stamp made
                // from them would stay in its hybrid logical clock (persisted): measure it before the first capture.
                if (!clockMeasured.contains(endpoint.name())) measureClock(engine, endpoint.name());
                SyncEngine.CaptureReport r = engine.captureOnce(endpoint.name());
                if (errors > 0) log.info("capture of {}/{} works again (after {} failed attempts)", sync, endpoint.name(), errors);
                errors = 0;
                if (!caughtUpOnce) {
                    initial += r.changes();
                    if (r.changes() > 0) progress.captured(sync, endpoint.name(), initial);
                    caughtUpOnce = r.caughtUp();
                }
                if (r.resolved() > 0) wakeDeliveries(engine);
                if (r.caughtUp() && r.changes() == 0) awaitChanges(source);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StateStoreException e) {
                throw e;
            } catch (SystemUnavailableException e) {
                errors = pause(++errors, "capture of " + sync + "/" + endpoint.name() + ": " + describe(e));
            } catch (RuntimeException e) {
                errors = pause(++errors, "capture of " + sync + "/" + endpoint.name() + " failed: " + describe(e));
            }
        }
    }

    /**
     * Waits for the source's change signal (or the poll interval). A long interval (minutes, when webhooks bring the
     * changes) must not hold up a stop: {@link #stop} interrupts the threads registered here. Registration and the
     * interrupt share a lock, and {@code running} is cleared before: a thread that left the set before the interrupt
     * sees {@code running} false and does no more work.
     */
    private void awaitChanges(ChangeSource source) throws InterruptedException {
        synchronized (awaiting) {
            if (!running) return;
            awaiting.add(Thread.currentThread());
        }
        try {
            source.awaitChanges(options.pollInterval());
        } finally {
            synchronized (awaiting) {
                awaiting.remove(Thread.currentThread());
            }
        }
    }

    private void deliveryLoop(SyncEngine engine, EndpointDefinition endpoint) {
        Semaphore wake = wakeUps.get(engine.definition().name() + "/" + endpoint.name());
        int errors = 0;
        while (running) {
            try {
                if (paused(engine)) {
                    Thread.sleep(options.deliveryIdle());
                    continue;
                }
                SyncEngine.DeliveryReport r = engine.deliverOnce(endpoint.name());
                if (errors > 0) log.info("delivery to {}/{} works again (after {} failed attempts)", engine.definition().name(), endpoint.name(), errors);
                errors = 0;
                if (r.due() == 0 || r.targetUnavailable()) {
                    wake.tryAcquire(options.deliveryIdle().toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StateStoreException e) {
                throw e;
            } catch (RuntimeException e) {
                errors = pause(++errors, "delivery to " + engine.definition().name() + "/" + endpoint.name() + " failed: " + describe(e));
            }
        }
    }

    /**
     * A scheduled sync: one full pass at each time of its schedule (a pass that overruns delays the next one), and
     * one whenever {@link #runNow} asks; a requested pass leaves the next scheduled time as it was.
     */
    private void scheduledLoop(SyncEngine engine, Schedule schedule) {
        String sync = engine.definition().name();
        Semaphore requests = passRequests.get(sync);
        java.time.Instant next = schedule.next(java.time.Instant.now(), zone).orElseThrow();
        log.info("sync '{}' runs on schedule '{}'; first pass at {}", sync, schedule.text(), next);
        while (running) {
            try {
                long wait = java.time.Duration.between(java.time.Instant.now(), next).toMillis();
                boolean requested = false;
                if (wait > 0) {
                    requested = requests.tryAcquire(Math.min(wait, 1000), TimeUnit.MILLISECONDS);
                    if (!requested) continue;
                }
                requests.drainPermits();
                if (!running) return;
                if (paused(engine)) {
                    log.info("sync '{}' is paused; pass at {} skipped", sync, next);
                } else {
                    passing.add(sync);
                    try {
                        for (EndpointDefinition e : engine.definition().endpoints()) {
                            if (clockMeasured.contains(e.name())) continue;
                            try {
                                measureClock(engine, e.name());
                            } catch (RuntimeException ex) {
                                log.debug("clock of '{}' not measured before the pass: {}", e.name(), ex.toString());
                            }
                        }
                        SyncPass.Report r = SyncPass.run(engine, options.pollInterval().multipliedBy(5), SyncPass.Progress.NONE);
                        log.info("sync '{}' {}pass: {} changes read, {} writes applied, {} dead-lettered, {} queued, {} ms{}", sync,
                                requested ? "requested " : "", r.changes(), r.applied(), r.deadLettered(), r.queued(), r.took().toMillis(),
                                r.unavailable().isEmpty() ? "" : "; unavailable: " + r.unavailable().keySet());
                    } finally {
                        passing.remove(sync);
                    }
                }
                if (!java.time.Instant.now().isBefore(next)) next = schedule.next(java.time.Instant.now(), zone).orElseThrow();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StateStoreException e) {
                throw e;
            } catch (RuntimeException e) {
                log.warn("sync '{}' pass failed: {} (next pass at the next scheduled time)", sync, describe(e));
                next = schedule.next(java.time.Instant.now(), zone).orElseThrow();
            }
        }
    }

    /**
     * Runs a sync now instead of waiting: a scheduled sync starts a full pass at once (or right after the one under
     * way); a realtime sync runs continuously anyway, so its deliveries are woken and its captures poll as usual.
     * Returns a one-line outcome.
     *
     * @throws IllegalArgumentException the sync does not exist, or is paused (resume it first)
     * @throws IllegalStateException    the runtime is not running
     */
    public String runNow(String sync) {
        SyncEngine engine = engines.stream().filter(e -> e.definition().name().equals(sync)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("there is no sync '" + sync + "'"));
        if (!running) throw new IllegalStateException("the syncs are not running (stopping or stopped)");
        if (paused(engine)) throw new IllegalArgumentException("sync '" + sync + "' is paused; resume it first");
        Semaphore requests = passRequests.get(sync);
        if (requests == null) {
            wakeDeliveries(engine);
            return "sync '" + sync + "' runs continuously (realtime): its deliveries were woken, and its captures read every "
                    + options.pollInterval().toMillis() + " ms or at once on a database notification";
        }
        // Read before the release: once released, the loop may start the requested pass before this line returns.
        boolean busy = passing.contains(sync);
        if (requests.availablePermits() == 0) requests.release();
        return busy ? "a pass of sync '" + sync + "' is under way; another one starts when it ends" : "a pass of sync '" + sync + "' starts now";
    }

    private void wakeDeliveries(SyncEngine engine) {
        for (EndpointDefinition e : engine.definition().endpoints()) {
            Semaphore s = wakeUps.get(engine.definition().name() + "/" + e.name());
            if (s != null && s.availablePermits() == 0) s.release();
        }
    }

    private void clockLoop() {
        while (running) {
            for (SyncEngine engine : engines) {
                for (EndpointDefinition e : engine.definition().endpoints()) {
                    try {
                        measureClock(engine, e.name());
                    } catch (RuntimeException ex) {
                        log.debug("clock of '{}' not measured: {}", e.name(), ex.toString());
                    }
                }
            }
            try {
                Thread.sleep(options.clockCheck());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Measures the clock of {@code system} (a connector without a readable clock counts as measured: it is assumed to
     * agree with the local one). Logs the offset when first measured and whenever it moves by more than a second.
     */
    private void measureClock(SyncEngine engine, String system) {
        Connector c = connectors.get(system);
        if (c == null) {
            clockMeasured.add(system);
            return;
        }
        ClockOffsets.Offset o = engine.measureClock(system, c::currentTime);
        clockMeasured.add(system);
        if (o.measuredAt().equals(java.time.Instant.EPOCH)) return;
        Duration logged = loggedOffsets.get(system);
        if (logged != null && o.offset().minus(logged).abs().compareTo(Duration.ofSeconds(1)) <= 0) return;
        loggedOffsets.put(system, o.offset());
        log.info("clock of '{}' is {} s {} this machine's (±{} s); its source times are corrected by that", system,
                String.format(java.util.Locale.ROOT, "%.3f", o.offset().abs().toNanos() / 1e9), o.offset().isNegative() ? "behind" : "ahead of",
                String.format(java.util.Locale.ROOT, "%.3f", o.uncertainty().toNanos() / 1e9));
    }

    /**
     * Waits before the next attempt after the {@code errors}-th failure in a row. The first failure is logged, then
     * every 20th, so an outage of hours is visible without flooding the log; recovery is logged by the caller.
     */
    private int pause(int errors, String message) {
        if (errors == 1) log.warn("{} (retrying with backoff)", message);
        else if (errors % 20 == 0) log.warn("{} (still failing after {} attempts; retrying)", message, errors);
        else log.debug("{} (attempt {})", message, errors);
        try {
            Thread.sleep(options.errorBackoff().delay(errors, java.util.concurrent.ThreadLocalRandom.current()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return errors;
    }

    /** An exception for a log line: its message, or its simple class name when it has none (never a stack trace). */
    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private void fail(Throwable e) {
        if (failure.compareAndSet(null, e)) {
            log.error("state store failed, stopping all syncs: {}", e.getMessage());
        }
        running = false;
        threads.forEach(Thread::interrupt);
    }

    /** Why the runtime stopped by itself, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    public boolean running() {
        return running;
    }

    /** Stops all loops after their current batch and waits for them (up to {@code timeout}). */
    public void stop(Duration timeout) {
        running = false;
        wakeUps.values().forEach(Semaphore::release);
        passRequests.values().forEach(Semaphore::release);
        // The clock loop sleeps minutes between measurements and holds no work: no reason to wait for it.
        if (clockThread != null) clockThread.interrupt();
        synchronized (awaiting) {
            awaiting.forEach(Thread::interrupt); // idle captures: nothing in flight to finish
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) t.interrupt();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }
}
