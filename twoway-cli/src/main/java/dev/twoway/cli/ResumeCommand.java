package dev.twoway.cli;

import dev.twoway.config.TwowayConfig;
import dev.twoway.engine.Pauses;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "resume", mixinStandardHelpOptions = true, description = "Resumes a paused sync.",
        footer = {"", "Example:", "  twoway resume customers"})
final class ResumeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(paramLabel = "SYNC", description = "The sync to resume.")
    String sync;

    @Override
    public Integer call() {
        TwowayConfig cfg = config.load();
        PauseCommand.requireSync(cfg, sync);
        Requests.read(cfg, store -> {
            new Pauses(store).resume(sync);
            return null;
        });
        System.out.println("sync " + sync + " resumed");
        return 0;
    }
}
