package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.config.TwowayConfig;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "conflicts", mixinStandardHelpOptions = true,
        description = "Conflicts waiting for a person (manual policies, delete confirmations): list, show, resolve.",
        subcommands = {ConflictsCommand.ListConflicts.class, ConflictsCommand.Show.class, ConflictsCommand.Resolve.class},
        footer = {"", "Examples:", "  twoway conflicts list", "  twoway conflicts show 7",
                "  twoway conflicts resolve 7 --take crm --comment \"confirmed with the customer\""})
final class ConflictsCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    static String display(JsonNode v) {
        if (v == null || v.isMissingNode()) return "-";
        if (v.isTextual()) return v.asText();
        return ValueJson.decode(v).display();
    }

    static JsonNode candidates(ConflictRecord c) {
        try {
            return JSON.readTree(c.candidates());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("conflict " + c.id() + " has unreadable candidates", e);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the open conflicts, oldest first.",
            footer = {"", "Example:", "  twoway conflicts list --sync customers"})
    static final class ListConflicts implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--sync", paramLabel = "NAME", description = "Only this sync.")
        String sync;

        @Override
        public Integer call() {
            TwowayConfig cfg = config.load();
            List<ConflictRecord> open = Requests.read(cfg, store -> store.inTransaction(tx -> tx.openConflicts(sync, 10_000)));
            if (open.isEmpty()) {
                System.out.println("no open conflicts");
                return 0;
            }
            System.out.printf("%-5s %-12s %-36s %-14s %-13s %s%n", "id", "sync", "record", "field", "kind", "versions");
            for (ConflictRecord c : open) {
                JsonNode cand = candidates(c);
                StringBuilder versions = new StringBuilder();
                cand.path("versions").properties().forEach(e -> versions.append(versions.isEmpty() ? "" : ", ").append(e.getKey()).append('=').append(display(e.getValue())));
                System.out.printf("%-5d %-12s %-36s %-14s %-13s %s%n", c.id(), c.sync(), c.recordId().value(), c.field(), c.kind(), versions);
            }
            System.out.println(open.size() + " open; twoway conflicts show <id> for details, twoway conflicts resolve <id> --take <system> to decide");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows one conflict: the base and every system's version.",
            footer = {"", "Example:", "  twoway conflicts show 7"})
    static final class Show implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ID")
        long id;

        @Override
        public Integer call() {
            TwowayConfig cfg = config.load();
            ConflictRecord c = Requests.read(cfg, store -> store.inTransaction(tx -> tx.conflict(id)))
                    .orElseThrow(() -> new IllegalArgumentException("there is no conflict " + id + " (twoway conflicts list shows the open ones)"));
            JsonNode cand = candidates(c);
            System.out.printf("conflict %d (%s) in sync %s, record %s%n", c.id(), c.status(), c.sync(), c.recordId().value());
            System.out.printf("  field:   %s (%s)%n  since:   %s%n", c.field(), c.kind(), c.createdAt());
            System.out.printf("  base:    %s   (the value last agreed by all systems)%n", display(cand.path("base")));
            cand.path("versions").properties().forEach(e -> System.out.printf("  %-8s %s%n", e.getKey() + ":", display(e.getValue())));
            if (c.open()) {
                System.out.println("resolve: twoway conflicts resolve " + c.id() + (c.field().equals("__record__")
                        ? " --delete | --keep" : " --take <system> | --value <value>") + " [--comment TEXT]");
            } else {
                System.out.println("  resolved " + c.resolvedAt() + ": " + c.resolution());
            }
            return 0;
        }
    }

    @Command(name = "resolve", mixinStandardHelpOptions = true,
            description = {"Decides a conflict: the chosen value becomes the agreed value and is written to every system that",
                    "holds another; the decision is audited with who made it and the comment. Carried out by the running",
                    "twoway if there is one, else here (the writes then go out with the next sync)."},
            footer = {"", "Examples:", "  twoway conflicts resolve 7 --take crm", "  twoway conflicts resolve 7 --value \"+44 20 7946 0000\" --comment \"called the customer\"",
                    "  twoway conflicts resolve 9 --keep        (a delete that met an update: keep the record)"})
    static final class Resolve implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ID")
        long id;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Choice choice;

        static final class Choice {
            @Option(names = "--take", paramLabel = "SYSTEM", description = "Keep the version of this system.")
            String take;
            @Option(names = "--value", paramLabel = "VALUE", description = "Keep this value (e.g. a corrected one).")
            String value;
            @Option(names = "--delete", description = "For a delete conflict: delete the record everywhere.")
            boolean delete;
            @Option(names = "--keep", description = "For a delete conflict: keep the record (re-created where it was deleted).")
            boolean keep;
        }

        @Option(names = "--comment", description = "Why; kept in the audit trail.")
        String comment = "";

        @Option(names = "--as", paramLabel = "NAME", description = "Who decides (default: the login name).")
        String actor;

        @Override
        public Integer call() throws InterruptedException {
            TwowayConfig cfg = config.load();
            String who = actor == null ? CliValues.actor() : actor;
            System.out.println(Requests.carryOut(cfg, Operations.resolve(id, choice.take, choice.value, choice.delete, choice.keep, who, comment)));
            return 0;
        }
    }
}
