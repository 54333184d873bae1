package dev.twoway.cli;

import dev.twoway.config.TwowayConfig;
import dev.twoway.server.ApiKeys;
import dev.twoway.server.Role;
import dev.twoway.store.sqlite.SqliteStateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"API keys for the HTTP API that twoway run serves. A key is shown once, when it is created; twoway",
                "keeps only its SHA-256 hash. Roles: viewer (read), operator (also resolve, retry, pause), admin (also keys)."},
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class},
        footer = {"", "Examples:", "  twoway keys create --name grafana --role viewer", "  twoway keys list", "  twoway keys revoke grafana"})
final class KeysCommand {

    /** Keys live in the state store, which need not exist yet: a key can be made before the first run. */
    static <T> T withKeys(TwowayConfig cfg, Function<ApiKeys, T> work) {
        try {
            Files.createDirectories(cfg.stateDir());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the state directory " + cfg.stateDir() + ": " + e.getMessage(), e);
        }
        try (SqliteStateStore store = SqliteStateStore.open(cfg.stateDir().resolve("state.db"))) {
            return work.apply(new ApiKeys(store));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Creates an API key and prints it once. Callers send it as: Authorization: Bearer <key>."},
            footer = {"", "Examples:", "  twoway keys create --name grafana --role viewer",
                    "  twoway keys create --name erp-team --role operator --sync customers --sync orders"})
    static final class Create implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Who or what uses the key; recorded as the actor of what it does.")
        String name;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "viewer, operator or admin.")
        String role;

        @Option(names = "--sync", paramLabel = "SYNC", description = "Limit the key to this sync (repeatable); default: all syncs.")
        List<String> syncs = List.of();

        @Override
        public Integer call() {
            TwowayConfig cfg = config.load();
            Role r = Role.parse(role).orElseThrow(() -> new IllegalArgumentException("--role '" + role + "': use viewer, operator or admin"));
            for (String s : syncs) {
                if (!cfg.syncs().containsKey(s)) {
                    throw new IllegalArgumentException("--sync '" + s + "' is not a sync of " + cfg.file() + "; syncs: " + String.join(", ", cfg.syncs().keySet()));
                }
            }
            ApiKeys.Created created = withKeys(cfg, keys -> keys.create(name, r, Set.copyOf(syncs)));
            System.out.println(created.secret());
            System.err.println("created API key '" + name + "' (id " + created.key().id() + ", " + r.configName()
                    + (syncs.isEmpty() ? ", all syncs" : ", syncs " + String.join(", ", syncs)) + "); it is shown only now: store it in a secret manager");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists API keys (never the keys themselves).",
            footer = {"", "Example:", "  twoway keys list"})
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--all", description = "Also revoked keys.")
        boolean all;

        @Override
        public Integer call() {
            TwowayConfig cfg = config.load();
            List<ApiKeys.Key> keys = withKeys(cfg, ApiKeys::list).stream().filter(k -> all || k.active()).toList();
            if (keys.isEmpty()) {
                System.out.println("no API keys; create one with: twoway keys create --name <name> --role viewer");
                return 0;
            }
            System.out.printf("%-10s %-20s %-9s %-22s %s%n", "id", "name", "role", "created", "syncs");
            for (ApiKeys.Key k : keys) {
                System.out.printf("%-10s %-20s %-9s %-22s %s%s%n", k.id(), k.name(), k.role().configName(), k.createdAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                        k.syncs().isEmpty() ? "all" : String.join(", ", k.syncs().stream().sorted().toList()), k.active() ? "" : "  (revoked " + k.revokedAt() + ")");
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes an API key at once: the next request with it is refused (401).",
            footer = {"", "Examples:", "  twoway keys revoke grafana", "  twoway keys revoke 3fa9c2d1"})
    static final class Revoke implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "KEY", description = "The key's name or id (from twoway keys list).")
        String key;

        @Override
        public Integer call() {
            TwowayConfig cfg = config.load();
            if (!withKeys(cfg, keys -> keys.revoke(key))) {
                throw new IllegalArgumentException("there is no active API key named or numbered '" + key + "' (twoway keys list shows them)");
            }
            System.out.println("revoked API key '" + key + "'");
            return 0;
        }
    }
}
