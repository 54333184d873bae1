package dev.twoway.cli;

import dev.twoway.config.TwowayConfig;
import dev.twoway.engine.Pauses;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "pause", mixinStandardHelpOptions = true,
        description = {"Pauses a sync: the running twoway stops capturing and delivering it within a second; changes wait in",
                "the systems, queued writes in the outbox. Nothing is lost; twoway resume picks up where it stopped."},
        footer = {"", "Example:", "  twoway pause customers --reason \"ERP maintenance until 18:00\""})
final class PauseCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(paramLabel = "SYNC", description = "The sync to pause.")
    String sync;

    @Option(names = "--reason", description = "Why; shown by twoway status.")
    String reason;

    @Override
    public Integer call() {
        TwowayConfig cfg = config.load();
        requireSync(cfg, sync);
        Requests.read(cfg, store -> {
            new Pauses(store).pause(sync, CliValues.actor() + (reason == null ? "" : ": " + reason));
            return null;
        });
        System.out.println("sync " + sync + " paused" + (reason == null ? "" : " (" + reason + ")") + "; twoway resume " + sync + " continues it");
        return 0;
    }

    static void requireSync(TwowayConfig cfg, String sync) {
        if (!cfg.syncs().containsKey(sync)) {
            throw new IllegalArgumentException("no sync '" + sync + "' in " + cfg.file() + "; syncs: " + String.join(", ", cfg.syncs().keySet()));
        }
    }
}
