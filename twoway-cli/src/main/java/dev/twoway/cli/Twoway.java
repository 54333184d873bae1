package dev.twoway.cli;

import dev.twoway.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code twoway} command. Exit codes: 0 ok, 1 runtime failure, 2 bad config or arguments. */
@Command(name = "twoway", mixinStandardHelpOptions = true, versionProvider = Twoway.Version.class,
        description = "Two-way data synchronization between databases and applications.",
        subcommands = {DemoCommand.class, InitCommand.class, ValidateCommand.class, SyncCommand.class, RunCommand.class,
                StatusCommand.class, PauseCommand.class, ResumeCommand.class, ConflictsCommand.class, DeadLettersCommand.class,
                AuditCommand.class, KeysCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  twoway demo                              see two SQLite databases kept in sync, with nothing to install",
                "  twoway init --system crm=jdbc:postgresql://localhost/crm --system erp=jdbc:mariadb://localhost/erp",
                "  twoway validate                          check ./twoway.yaml against the databases",
                "  twoway run                               keep syncing until stopped (SIGTERM finishes in-flight batches)",
                "", "Exit codes: 0 ok, 1 runtime failure, 2 bad config or arguments."})
public final class Twoway {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Twoway());
        cl.setUsageHelpWidth(120); // descriptions are written in lines of up to 115 characters
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException || e instanceof ConfigException
                || e instanceof IllegalArgumentException ? 2 : 1);
        cl.setExecutionExceptionHandler(Twoway::report);
        return cl;
    }

    /** Prints what went wrong without a stack trace (that goes to the debug log), and picks the exit code. */
    private static int report(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        switch (e) {
            case ConfigException c -> {
                err.println(c.getMessage());
                err.flush();
                return 2;
            }
            case IllegalArgumentException a -> {
                err.println(cl.getCommandSpec().qualifiedName() + ": " + a.getMessage());
                err.flush();
                return 2;
            }
            default -> {
                err.println(cl.getCommandSpec().qualifiedName() + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                org.slf4j.LoggerFactory.getLogger(Twoway.class).debug("failure", e);
                err.flush();
                return 1;
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Twoway.class.getPackage().getImplementationVersion();
            return new String[]{"twoway " + (v == null ? "(development build)" : v)};
        }
    }
}
