package dev.twoway.cli;

import dev.twoway.config.TwowayConfig;
import dev.twoway.engine.SyncEngine;
import dev.twoway.engine.SyncPass;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "sync", mixinStandardHelpOptions = true,
        description = {"Runs one full pass of every sync (or the ones named): reads every change since the last pass",
                "(the first pass links the rows both sides already hold and copies what is missing), resolves them, writes",
                "them, and exits. For cron jobs, scripts and tests; `twoway run` keeps syncing instead."},
        footer = {"", "Examples:", "  twoway sync --once                       all syncs of ./twoway.yaml",
                "  twoway sync --once --sync customers -c /etc/twoway/twoway.yaml",
                "", "Exit codes: 0 done (dead letters are reported, not failures), 1 a system was unreachable or a capture kept failing, 2 bad config."})
final class SyncCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--once", required = true, description = "One pass, then exit (required: the continuous mode is `twoway run`).")
    boolean once;

    @Option(names = "--sync", paramLabel = "NAME", description = "Only this sync (repeatable).")
    List<String> only;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait for writes whose retry time has not come yet before leaving them queued (default ${DEFAULT-VALUE}).")
    String wait;

    @Override
    public Integer call() throws InterruptedException {
        TwowayConfig cfg = config.load();
        Duration retryWait = CliValues.duration("--wait", wait);
        if (only != null) only.forEach(s -> PauseCommand.requireSync(cfg, s));
        try (RunLock lock = RunLock.acquireForRun(cfg.stateDir(), "sync").orElseThrow(() -> new IllegalStateException(
                "another twoway process (pid " + RunLock.holder(cfg.stateDir()) + ") is running on state " + cfg.stateDir()
                        + "; it already syncs — see twoway status, or stop it first"));
             Deployment d = new Deployment(cfg)) {
            List<SyncEngine> engines = d.engines().stream().filter(e -> only == null || only.contains(e.definition().name())).toList();
            ProgressPrinter progress = new ProgressPrinter(System.out, ProgressPrinter.stdoutIsTerminal(), initialTotals(d, engines));
            measureClocks(d, engines);
            List<SyncPass.Report> reports = SyncPass.run(engines, retryWait, progress);
            progress.finish();
            boolean failed = false;
            for (SyncPass.Report r : reports) {
                System.out.printf("%s: %s (%s), %s, %,d dead-lettered, %,d still queued, %.1f s%n", r.sync(),
                        CliValues.count(r.changes(), "change read", "changes read"), CliValues.count(r.resolved(), "changed record"),
                        CliValues.count(r.applied(), "write applied", "writes applied"), r.deadLettered(), r.queued(), r.took().toMillis() / 1000.0);
                r.unavailable().forEach((s, why) -> System.out.printf("  %s unreachable: %s%n", s, why));
                r.errors().forEach((s, why) -> System.out.printf("  capture of %s failed: %s%n", s, why));
                failed |= !r.unavailable().isEmpty() || !r.errors().isEmpty();
                SyncEngine.SyncStatus st = d.engine(r.sync()).status();
                if (st.openConflicts() > 0 || st.deadLetters() > 0) {
                    System.out.printf("  %s, %s: see twoway conflicts list / twoway deadletters list%n",
                            CliValues.count(st.openConflicts(), "open conflict"), CliValues.count(st.deadLetters(), "dead letter"));
                }
            }
            return failed ? 1 : 0;
        }
    }

    /**
     * Measures each system's clock before the pass reads it, as {@code run} does, so that last-write-wins compares
     * corrected source times. A clock that cannot be read is left as it is: the pass finds the system unreachable
     * and reports it.
     */
    static void measureClocks(Deployment d, List<SyncEngine> engines) {
        for (SyncEngine e : engines) {
            for (dev.twoway.engine.EndpointDefinition ep : e.definition().endpoints()) {
                dev.twoway.spi.Connector c = d.connectors().get(ep.name());
                if (c == null) continue;
                try {
                    e.measureClock(ep.name(), c::currentTime);
                } catch (RuntimeException ex) {
                    System.err.println("clock of '" + ep.name() + "' not measured (its source times are taken as they are): " + ex.getMessage());
                }
            }
        }
    }

    /** Rows each endpoint's first snapshot will read, for the progress bar; endpoints past their snapshot are left out. */
    static Map<String, Long> initialTotals(Deployment d, List<SyncEngine> engines) {
        Map<String, Long> totals = new LinkedHashMap<>();
        for (SyncEngine e : engines) {
            String sync = e.definition().name();
            for (SyncEngine.EndpointStatus s : e.status().endpoints()) {
                if (s.position() != null) continue;
                TwowayConfig.EndpointConfig ep = d.config().syncs().get(sync).endpoints().get(s.endpoint());
                try {
                    if (d.connectors().get(ep.system()) instanceof dev.twoway.jdbc.SqlConnector sql) {
                        totals.put(sync + "/" + s.endpoint(), sql.countRows(Deployment.entity(ep)));
                    }
                } catch (RuntimeException ex) {
                    // Only for the progress display; the pass itself reports an unreachable system.
                }
            }
        }
        return totals;
    }
}
