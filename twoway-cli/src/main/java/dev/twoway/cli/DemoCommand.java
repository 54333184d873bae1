package dev.twoway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Shows twoway at work with nothing to install: it creates two SQLite databases (a CRM and an ERP with",
                "different table and column names and types) that already share a customer, writes a config for them, runs",
                "the initial sync, makes edits on both sides (one a conflict decided by a person, one a delete, one invalid",
                "record), and shows the result and the tamper-evident audit trail."},
        footer = {"", "Examples:", "  twoway demo", "  twoway demo --dir ./demo     keep the databases, config and state to explore afterwards"})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to create the demo's files (default: a new temporary directory).")
    Path dir;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path where = dir != null ? dir : Files.createTempDirectory("twoway-demo");
        if (dir != null && Files.exists(dir.resolve("crm.db"))) {
            throw new IllegalArgumentException(dir + " already holds a demo; remove it or choose another --dir");
        }
        new Demo(where, System.out).run();
        return 0;
    }
}
