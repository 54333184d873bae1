package dev.twoway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code twoway} command. */
@Command(name = "twoway", mixinStandardHelpOptions = true, versionProvider = Twoway.Version.class,
        description = "Two-way data synchronization between databases and applications.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Example:", "  twoway demo          sync a CRM-like and an ERP-like system and show the audit trail"})
public final class Twoway {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Twoway())
                .setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? 2 : 1);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Twoway.class.getPackage().getImplementationVersion();
            return new String[]{"twoway " + (v == null ? "(development build)" : v)};
        }
    }
}
