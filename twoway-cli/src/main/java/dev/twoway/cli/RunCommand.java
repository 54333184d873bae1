package dev.twoway.cli;

import dev.twoway.config.TwowayConfig;
import dev.twoway.engine.Backoff;
import dev.twoway.engine.EngineRuntime;
import dev.twoway.engine.Pauses;
import dev.twoway.schedule.Schedule;
import dev.twoway.server.ApiServer;
import dev.twoway.server.JwtVerifier;
import dev.twoway.server.metrics.EngineMetrics;
import dev.twoway.server.metrics.MetricsEndpoint;
import dev.twoway.engine.SyncEngine;
import dev.twoway.spi.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Keeps every sync running until stopped: realtime syncs capture continuously (PostgreSQL commits wake",
                "them at once), scheduled ones run a full pass at each time of their schedule. SIGTERM or Ctrl-C stops",
                "gracefully: batches in flight are finished and committed, then the process exits 0. Requests from other",
                "twoway commands (conflicts resolve, deadletters retry and discard) are carried out by this process."},
        footer = {"", "Examples:", "  twoway run", "  twoway run -c /etc/twoway/twoway.yaml --stop-timeout 60s",
                "", "Exit codes: 0 stopped by a signal, 1 the state store failed (the reason is logged), 2 bad config."})
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger("twoway");

    @Mixin
    ConfigOption config;

    @Option(names = "--stop-timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long a graceful stop waits for batches in flight (default ${DEFAULT-VALUE}).")
    String stopTimeout;

    @Override
    public Integer call() throws InterruptedException {
        TwowayConfig cfg = config.load();
        java.util.List<dev.twoway.config.ConfigProblem> unserved = Deployment.webhooksWithoutServer(cfg);
        if (!unserved.isEmpty()) throw new dev.twoway.config.ConfigException(unserved);
        Duration timeout = CliValues.duration("--stop-timeout", stopTimeout);
        Map<String, Schedule> schedules = new LinkedHashMap<>();
        cfg.syncs().forEach((name, s) -> schedules.put(name, Schedule.parse(s.schedule())));
        RunLock lock = RunLock.acquireForRun(cfg.stateDir(), "run").orElseThrow(() -> new IllegalStateException(
                "another twoway process (pid " + RunLock.holder(cfg.stateDir()) + ") is already running on state " + cfg.stateDir()));
        Deployment d = new Deployment(cfg);
        EngineMetrics metrics = EngineMetrics.withJvmMetrics(java.time.InstantSource.system());
        d.listener(metrics); // counted from the first change on; served at /metrics with the API
        EngineRuntime runtime;
        // Until the engines run, there is nothing in flight to finish: a signal stops the wait at once, exit 0.
        java.util.concurrent.atomic.AtomicBoolean waiting = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!waiting.get()) return;
            log.info("stopped before the syncs started");
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }, "twoway early shutdown"));
        try {
            awaitSystems(d);
            waiting.set(false);
            Map<String, Connector> connectors = new LinkedHashMap<>(d.connectors());
            TwowayConfig.Engine e = cfg.engine();
            EngineRuntime.Options options = new EngineRuntime.Options(e.pollInterval(), Duration.ofSeconds(1),
                    new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30)), e.clockCheck());
            runtime = new EngineRuntime(d.engines(), d.io(), connectors, options, schedules, new Pauses(d.store()), ZoneId.systemDefault());
        } catch (RuntimeException ex) {
            waiting.set(false);
            d.close();
            lock.close();
            throw ex;
        }
        ApiServer api;
        try {
            api = serve(cfg.server(), d, runtime, metrics);
        } catch (RuntimeException ex) {
            d.close();
            lock.close();
            throw ex;
        }
        dev.twoway.server.notify.Notifier notifier;
        try {
            notifier = RunNotifier.start(d, runtime);
        } catch (RuntimeException ex) {
            if (api != null) api.close();
            d.close();
            lock.close();
            throw ex;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("stopping: finishing the batches in flight (up to {} s)", timeout.toSeconds());
            if (api != null) api.close();
            if (notifier != null) notifier.close();
            runtime.stop(timeout);
            d.close();
            lock.close();
            log.info("stopped");
            stopped.countDown();
            System.out.flush();
            System.err.flush();
            // A graceful stop is a success: exit 0, not the 143 the JVM reports for a SIGTERM by default.
            Runtime.getRuntime().halt(0);
        }, "twoway shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // Plain lines, never a redrawn bar: the run's log shares the terminal.
        runtime.reportProgress(new ProgressPrinter(System.out, false, SyncCommand.initialTotals(d, d.engines())));
        runtime.start();
        log.info("twoway running (pid {}): syncs {}; state {}", ProcessHandle.current().pid(), describe(schedules), cfg.stateDir());
        ControlQueue control = new ControlQueue(d.store());
        StatusReport status = new StatusReport(d.store());
        while (runtime.running()) {
            try {
                control.drain(req -> {
                    try {
                        String outcome = Operations.execute(d, req);
                        log.info("{}", outcome);
                        return outcome;
                    } catch (RuntimeException ex) {
                        log.warn("operator request refused: {}", ex.getMessage());
                        throw ex; // the queue hands the message back to the command that asked
                    }
                });
                status.record(d.engines(), ProcessHandle.current().pid());
            } catch (dev.twoway.store.StateStoreException ex) {
                break; // the runtime stops itself and reports it
            } catch (RuntimeException ex) {
                if (!runtime.running()) break;
                log.warn("operator request failed: {}", ex.getMessage());
            }
            Thread.sleep(500);
        }
        if (runtime.failure().isEmpty()) {
            stopped.await(); // a signal stopped the runtime: the shutdown hook finishes the work, then the JVM exits
            return 0;
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        log.error("twoway stopped: {}", runtime.failure().get().getMessage());
        if (api != null) api.close();
        if (notifier != null) notifier.close();
        runtime.stop(timeout);
        d.close();
        lock.close();
        return 1;
    }

    /**
     * A system that is down when twoway starts is waited for (its tables must be read before its mapping can be
     * built); any other problem of the config stops the start with exit code 2.
     */
    private static void awaitSystems(Deployment d) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            java.util.List<dev.twoway.config.ConfigProblem> problems = d.check();
            if (problems.isEmpty()) return;
            if (!d.onlyUnreachable(problems)) throw new dev.twoway.config.ConfigException(problems);
            long wait = Math.min(30, 1L << Math.min(attempt, 5));
            log.warn("waiting for {} to be reachable before starting (next try in {} s): {}", d.unreachable(), wait, problems.getFirst().message());
            Thread.sleep(wait * 1000);
        }
    }

    /** Starts the HTTP API if the config wants it; a port in use is a clear error before any sync starts. */
    private static ApiServer serve(TwowayConfig.Server server, Deployment d, EngineRuntime runtime, EngineMetrics metrics) {
        if (!server.enabled()) return null;
        Optional<JwtVerifier> jwt = server.jwt().map(j -> new JwtVerifier(new JwtVerifier.Settings(j.secret() == null ? null : j.secret().reveal(),
                j.jwksUrl(), j.issuer(), j.audience(), j.rolesClaim(), j.syncsClaim())));
        dev.twoway.audit.AuditMask mask = Deployment.auditMask(d.config());
        ApiServer api = new ApiServer(d.store(), new RunOperations(d, runtime), jwt).withMask(mask).with(new dev.twoway.server.ui.WebUi(mask));
        server.tls().ifPresent(t -> api.withTls(Deployment.tls(t)));
        api.with(new MetricsEndpoint(metrics.watch(() -> d.engines().stream().map(SyncEngine::status).toList(), Duration.ofSeconds(5))));
        Map<String, dev.twoway.http.WebhookReceiver> receivers = d.webhookReceivers();
        if (!receivers.isEmpty()) api.with(webhookEndpoint(receivers));
        try {
            api.start(server.host(), server.port());
        } catch (RuntimeException e) {
            api.close();
            throw new IllegalStateException("cannot serve the API on " + server.listen() + ": " + rootMessage(e)
                    + "; set server.listen to a free port (or server.enabled: false)", e);
        }
        log.info("API at {}://{}:{}/api/v1 ({}; keys: twoway keys create)", server.tls().isPresent() ? "https" : "http",
                server.host().contains(":") ? "[" + server.host() + "]" : server.host(),
                api.port(), jwt.isPresent() ? "API keys and JWTs from " + server.jwt().get().issuer() : "API keys");
        for (TwowayConfig.SystemConfig s : Deployment.webhookSystems(d.config())) {
            log.info("webhooks of {}: {}://{}:{}/webhooks/{} ({} signatures{})", s.name(), server.tls().isPresent() ? "https" : "http",
                    server.host().contains(":") ? "[" + server.host() + "]" : server.host(), api.port(), s.name(),
                    s.rest().webhooks().signature().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                    s.rest().webhooks().publicUrl() == null ? "" : ", registered as " + s.rest().webhooks().publicUrl());
        }
        return api;
    }

    /** {@code POST /webhooks/<system>}: each system's receiver checks the signature and wakes that system's sources. */
    private static dev.twoway.server.webhooks.WebhookEndpoint webhookEndpoint(Map<String, dev.twoway.http.WebhookReceiver> receivers) {
        Map<String, dev.twoway.server.webhooks.WebhookEndpoint.Receiver> routes = new LinkedHashMap<>();
        int maxBody = 0;
        for (var e : receivers.entrySet()) {
            dev.twoway.http.WebhookReceiver r = e.getValue();
            routes.put(e.getKey(), (method, url, headers, body, remote) -> {
                dev.twoway.http.WebhookReceiver.Result result = r.receive(method, url, headers, body, remote);
                return new dev.twoway.server.webhooks.WebhookEndpoint.Answer(result.status(), result.message());
            });
            maxBody = Math.max(maxBody, r.settings().maxBodyBytes());
        }
        return new dev.twoway.server.webhooks.WebhookEndpoint(routes, maxBody);
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String describe(Map<String, Schedule> schedules) {
        StringBuilder b = new StringBuilder();
        schedules.forEach((s, sch) -> b.append(b.isEmpty() ? "" : ", ").append(s).append(" (").append(sch.text()).append(')'));
        return b.toString();
    }

    static long queued(SyncEngine.SyncStatus s) {
        return s.endpoints().stream().mapToLong(SyncEngine.EndpointStatus::queued).sum();
    }
}
