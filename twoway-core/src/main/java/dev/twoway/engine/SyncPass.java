package dev.twoway.engine;

import dev.twoway.spi.SystemUnavailableException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One full pass of a sync: capture every endpoint until it is caught up, deliver every due write, and repeat while
 * anything moved (a delivery can make a capture find something, a capture can queue writes). Used by
 * {@code twoway sync --once}, by scheduled syncs (fixed interval, cron) and by tests.
 *
 * <p>A system that is unavailable is skipped for this pass (its writes stay queued, its changes are read next
 * time); the report says so. Writes waiting for a retry time are waited for up to {@code retryWait}, then left
 * queued for the next pass.
 */
public final class SyncPass {

    /** Told about progress, e.g. to draw a progress bar; called on the pass's thread. */
    public interface Progress {
        void captured(String sync, String endpoint, long changesSoFar);

        void delivered(String sync, String endpoint, long writesSoFar);

        Progress NONE = new Progress() {
            public void captured(String sync, String endpoint, long changesSoFar) {
            }

            public void delivered(String sync, String endpoint, long writesSoFar) {
            }
        };
    }

    /**
     * @param changes      changes read from the systems
     * @param resolved     changes that changed a record (the rest were echoes or no-ops)
     * @param applied      writes applied to the systems
     * @param deadLettered writes that went to dead letters in this pass
     * @param queued       writes still queued after the pass (retries not yet due, unavailable targets)
     * @param unavailable  systems that could not be reached, with the reason
     * @param errors       endpoints whose capture failed until the end of the pass, with the error
     */
    public record Report(String sync, long changes, long resolved, long applied, long deadLettered, long queued,
                         Map<String, String> unavailable, Map<String, String> errors, Duration took) {
    }

    private SyncPass() {
    }

    public static Report run(SyncEngine engine, Duration retryWait, Progress progress) throws InterruptedException {
        return run(List.of(engine), retryWait, progress).getFirst();
    }

    /**
     * One pass over several syncs at once, interleaved, so a sync whose rows reference another sync's records
     * (a foreign key) finds them captured: a capture that fails for another reason than an unavailable system is
     * retried in the next round, and reported in {@link Report#errors} if it never succeeds.
     */
    public static List<Report> run(List<SyncEngine> engines, Duration retryWait, Progress progress) throws InterruptedException {
        long start = System.nanoTime();
        List<Tally> tallies = engines.stream().map(Tally::new).toList();
        long waitUntil = System.nanoTime() + retryWait.toNanos();
        for (int round = 0; round < 100_000; round++) {
            long moved = 0;
            for (Tally t : tallies) moved += t.capture(progress);
            for (Tally t : tallies) moved += t.deliver(progress);
            boolean failing = tallies.stream().anyMatch(t -> !t.errors.isEmpty());
            if (moved > 0) continue;
            long queued = tallies.stream().mapToLong(Tally::queuedReachable).sum();
            if ((queued == 0 && !failing) || System.nanoTime() > waitUntil) break;
            Thread.sleep(100); // writes waiting for their retry time, or a capture waiting for another sync
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        return tallies.stream().map(t -> t.report(took)).toList();
    }

    private static final class Tally {
        final SyncEngine engine;
        final String sync;
        final Map<String, Long> captured = new LinkedHashMap<>();
        final Map<String, Long> delivered = new LinkedHashMap<>();
        final Map<String, String> unavailable = new LinkedHashMap<>();
        final Map<String, String> errors = new LinkedHashMap<>();
        long changes, resolved, applied, dead;

        Tally(SyncEngine engine) {
            this.engine = engine;
            this.sync = engine.definition().name();
        }

        long capture(Progress progress) {
            long moved = 0;
            for (EndpointDefinition e : engine.definition().endpoints()) {
                if (!e.direction().captured() || unavailable.containsKey(e.name())) continue;
                try {
                    SyncEngine.CaptureReport r;
                    do {
                        r = engine.captureOnce(e.name());
                        changes += r.changes();
                        resolved += r.resolved();
                        moved += r.resolved();
                        long total = captured.merge(e.name(), (long) r.changes(), Long::sum);
                        if (r.changes() > 0) progress.captured(sync, e.name(), total);
                    } while (!r.caughtUp());
                    errors.remove(e.name());
                } catch (SystemUnavailableException ex) {
                    unavailable.put(e.name(), ex.getMessage());
                } catch (dev.twoway.store.StateStoreException ex) {
                    throw ex;
                } catch (RuntimeException ex) {
                    errors.put(e.name(), ex.getMessage());
                }
            }
            return moved;
        }

        long deliver(Progress progress) {
            long moved = 0;
            for (EndpointDefinition e : engine.definition().endpoints()) {
                if (!e.direction().written() || unavailable.containsKey(e.name())) continue;
                SyncEngine.DeliveryReport d;
                do {
                    d = engine.deliverOnce(e.name());
                    applied += d.applied();
                    dead += d.deadLettered();
                    moved += d.applied() + d.deadLettered();
                    if (d.targetUnavailable()) unavailable.put(e.name(), lastError(e.name()));
                    long total = delivered.merge(e.name(), (long) d.applied(), Long::sum);
                    if (d.applied() > 0) progress.delivered(sync, e.name(), total);
                } while (d.due() > 0 && d.applied() + d.deadLettered() > 0 && !d.targetUnavailable());
            }
            return moved;
        }

        private String lastError(String endpoint) {
            return engine.status().endpoints().stream().filter(s -> s.endpoint().equals(endpoint))
                    .map(SyncEngine.EndpointStatus::lastError).filter(java.util.Objects::nonNull).findFirst().orElse("unavailable");
        }

        long queuedReachable() {
            return queued(engine, unavailable.keySet());
        }

        Report report(Duration took) {
            return new Report(sync, changes, resolved, applied, dead, queued(engine, List.of()), Map.copyOf(unavailable), Map.copyOf(errors), took);
        }
    }

    private static long queued(SyncEngine engine, java.util.Collection<String> except) {
        List<SyncEngine.EndpointStatus> eps = new ArrayList<>(engine.status().endpoints());
        return eps.stream().filter(s -> !except.contains(s.endpoint())).mapToLong(SyncEngine.EndpointStatus::queued).sum();
    }
}
