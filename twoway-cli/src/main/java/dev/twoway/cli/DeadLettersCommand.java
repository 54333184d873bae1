package dev.twoway.cli;

import dev.twoway.config.TwowayConfig;
import dev.twoway.store.DeadLetter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "deadletters", mixinStandardHelpOptions = true,
        description = {"Writes that kept failing or were refused by their target (a value that does not fit, a constraint),",
                "and records that could not be read. Fix the cause (the record, the table, or the mapping), then retry."},
        subcommands = {DeadLettersCommand.ListLetters.class, DeadLettersCommand.Retry.class, DeadLettersCommand.Discard.class},
        footer = {"", "Examples:", "  twoway deadletters list", "  twoway deadletters retry 3", "  twoway deadletters retry --all",
                "  twoway deadletters discard 4 --reason \"order was cancelled\""})
final class DeadLettersCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists dead letters with their errors.",
            footer = {"", "Example:", "  twoway deadletters list --sync customers"})
    static final class ListLetters implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--sync", paramLabel = "NAME", description = "Only this sync.")
        String sync;

        @Override
        public Integer call() {
            TwowayConfig cfg = config.load();
            List<DeadLetter> letters = Requests.read(cfg, store -> store.inTransaction(tx -> tx.deadLetters(sync, 10_000)));
            if (letters.isEmpty()) {
                System.out.println("no dead letters");
                return 0;
            }
            for (DeadLetter d : letters) {
                System.out.printf("%d  %s → %s  record %s  (%s, since %s)%n    %s%n", d.id(), d.sync(), d.target(), d.recordId().value(),
                        CliValues.count(d.attempts(), "attempt"), d.createdAt(), d.error());
            }
            System.out.println(CliValues.count(letters.size(), "dead letter") + "; after fixing the cause: twoway deadletters retry <id> (or --all)");
            return 0;
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Queues dead letters again (the write is recomputed from the record's current state).",
            footer = {"", "Examples:", "  twoway deadletters retry 3", "  twoway deadletters retry --all --sync customers"})
    static final class Retry implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ID", arity = "0..*", description = "Dead letter ids.")
        List<Long> ids;

        @Option(names = "--all", description = "Every dead letter (of --sync, if given).")
        boolean all;

        @Option(names = "--sync", paramLabel = "NAME", description = "With --all: only this sync.")
        String sync;

        @Override
        public Integer call() throws InterruptedException {
            TwowayConfig cfg = config.load();
            List<Long> targets = all ? Requests.read(cfg, store -> store.inTransaction(tx -> tx.deadLetters(sync, 100_000)))
                    .stream().map(DeadLetter::id).toList() : ids == null ? List.of() : ids;
            if (targets.isEmpty()) {
                if (!all) throw new IllegalArgumentException("name the dead letters to retry (twoway deadletters list shows them) or use --all");
                System.out.println("no dead letters");
                return 0;
            }
            for (long id : targets) System.out.println(Requests.carryOut(cfg, Operations.retry(id)));
            return 0;
        }
    }

    @Command(name = "discard", mixinStandardHelpOptions = true,
            description = {"Gives a dead letter up: it is removed and its write is never made. The audit trail records who",
                    "discarded it, why, and the error it had. Carried out by the running twoway if there is one, else here."},
            footer = {"", "Example:", "  twoway deadletters discard 4 --reason \"the order was cancelled in the ERP\""})
    static final class Discard implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ID", description = "The dead letter's id (twoway deadletters list shows them).")
        long id;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why it is discarded; kept in the audit trail.")
        String reason;

        @Option(names = "--as", paramLabel = "NAME", description = "Who discards it (default: the login name).")
        String actor;

        @Override
        public Integer call() throws InterruptedException {
            TwowayConfig cfg = config.load();
            if (reason.isBlank()) throw new IllegalArgumentException("--reason must say why the dead letter is discarded; it is kept in the audit trail");
            String who = "user:" + (actor == null ? CliValues.actor() : actor);
            System.out.println(Requests.carryOut(cfg, Operations.discard(id, who, reason)));
            return 0;
        }
    }
}
