package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.config.TwowayConfig;
import dev.twoway.store.StateStore;
import dev.twoway.store.sqlite.SqliteStateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows each sync's health: whether twoway run is running, per endpoint the queued writes and how long",
                "the oldest has waited (lag), unreachable systems and the last error; open conflicts, dead letters, pauses.",
                "Reads the state store only: works whether or not twoway run is running, without touching the databases."},
        footer = {"", "Examples:", "  twoway status", "  twoway status --json | jq '.syncs[].deadLetters'",
                "", "Exit codes: 0 all healthy, 1 something needs attention (errors, unreachable systems, dead letters), 2 bad config."})
final class StatusCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        TwowayConfig cfg = config.load();
        if (!Files.exists(cfg.stateDir().resolve("state.db"))) {
            String message = "no state yet at " + cfg.stateDir() + ": nothing has run (start with twoway sync --once or twoway run)";
            if (json) {
                ObjectNode none = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
                none.put("noState", true).put("message", message).putArray("syncs");
                System.out.println(none.toPrettyString());
            } else {
                System.out.println(message);
            }
            return 0;
        }
        ObjectNode status;
        try (StateStore store = SqliteStateStore.open(cfg.stateDir().resolve("state.db"))) {
            status = new StatusReport(store).read(cfg);
        }
        boolean attention = false;
        for (JsonNode s : status.path("syncs")) {
            attention |= s.path("deadLetters").asInt() > 0;
            for (JsonNode e : s.path("endpoints")) attention |= e.path("unavailable").asBoolean() || e.has("lastError") || e.has("captureError");
        }
        if (json) {
            System.out.println(status.toPrettyString());
            return attention ? 1 : 0;
        }
        System.out.println("state " + status.path("state").asText() + "; twoway run: " + status.path("running").asText());
        for (JsonNode s : status.path("syncs")) {
            System.out.printf("%nsync %s (%s)%s: %s, %s%n", s.path("sync").asText(), s.path("schedule").asText(),
                    s.path("paused").isNull() ? "" : " PAUSED (" + s.path("paused").asText() + ")",
                    CliValues.count(s.path("openConflicts").asInt(), "open conflict"), CliValues.count(s.path("deadLetters").asInt(), "dead letter"));
            System.out.printf("  %-14s %8s %8s  %s%n", "endpoint", "queued", "lag", "state");
            for (JsonNode e : s.path("endpoints")) {
                String state = e.path("unavailable").asBoolean() ? "UNREACHABLE" : !e.path("captured").asBoolean() ? "not captured yet" : "ok";
                if (e.has("captureError")) state += "; CAPTURE FAILING: " + e.path("captureError").asText();
                if (e.has("lastError")) state += "; last error: " + e.path("lastError").asText();
                System.out.printf("  %-14s %8d %7ds  %s%n", e.path("endpoint").asText(), e.path("queued").asLong(), e.path("lagSeconds").asLong(), state);
            }
        }
        return attention ? 1 : 0;
    }
}
