package dev.twoway.cli;

import dev.twoway.config.ConfigException;
import dev.twoway.config.ConfigProblem;
import dev.twoway.config.TwowayConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks a config: every key and value in the file, then every table, key and column against the",
                "real databases (types included). All problems are reported at once, each with file, line and a fix."},
        footer = {"", "Examples:", "  twoway validate                         check ./twoway.yaml and its databases",
                "  twoway validate -c prod.yaml --offline   check the file only, without connecting",
                "", "Exit codes: 0 valid, 2 problems found (listed on stderr)."})
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--offline", description = "Check the file only; do not connect to the databases.")
    boolean offline;

    @Override
    public Integer call() {
        TwowayConfig cfg = config.load();
        if (!offline) {
            try (Deployment d = new Deployment(cfg)) {
                List<ConfigProblem> problems = d.check();
                if (!problems.isEmpty()) throw new ConfigException(problems);
            }
        }
        int fields = cfg.syncs().values().stream().mapToInt(s -> s.fields().size()).sum();
        System.out.printf("%s is valid: %s, %s, %s%s%n", config.file, CliValues.count(cfg.systems().size(), "system"),
                CliValues.count(cfg.syncs().size(), "sync"), CliValues.count(fields, "field"),
                offline ? " (file only; run without --offline to check the databases)" : ", checked against the databases");
        for (TwowayConfig.SystemConfig s : Deployment.webhookSystems(cfg)) {
            System.out.printf("webhooks of %s: twoway run receives them at %s%n", s.name(), Deployment.webhookUrls(cfg, s));
        }
        for (ConfigProblem p : Deployment.webhooksWithoutServer(cfg)) {
            System.err.println("warning (twoway run refuses to start so): " + p.render());
        }
        return 0;
    }
}
