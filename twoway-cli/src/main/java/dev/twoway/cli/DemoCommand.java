package dev.twoway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Shows twoway at work, with nothing to install: two systems (a CRM and an ERP) that already",
                "hold data, an initial sync that matches the records they share, edits on both sides including",
                "a conflict and a delete, the result, and the tamper-evident audit trail."},
        footer = {"", "Example:", "  twoway demo", "  twoway demo --dir ./demo-state     keep the state store to look at it afterwards"})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to keep the demo's state store (default: a temporary directory).")
    Path dir;

    @Override
    public Integer call() throws IOException {
        Path where = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("twoway-demo");
        PrintStream out = System.out;
        new Demo(where, out).run();
        return 0;
    }
}
