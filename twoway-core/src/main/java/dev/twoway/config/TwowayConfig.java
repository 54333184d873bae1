package dev.twoway.config;

import dev.twoway.merge.ConflictPolicy;
import dev.twoway.merge.DeleteConflictPolicy;
import dev.twoway.merge.DeletePolicy;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A twoway config as read from YAML and checked for everything that can be checked without the systems (see
 * {@link ConfigReader}). The reference of every key is {@link ConfigReference}. Values are as written; defaults are
 * applied where the engine is built.
 *
 * @param file      the config file
 * @param stateDir  the embedded state store's directory
 * @param locations where each setting stands in the file, by dotted path, for problems found later
 */
public record TwowayConfig(Path file, Path stateDir, Engine engine, Server server, Map<String, SystemConfig> systems,
                           Map<String, SyncConfig> syncs, Notifications notifications, Map<String, Location> locations) {

    public record Engine(int batchSize, int maxAttempts, Duration pollInterval, Duration clockCheck) {
        public static final Engine DEFAULTS = new Engine(500, 10, Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    /**
     * The HTTP API's settings.
     *
     * @param jwt empty when only API keys are accepted
     */
    public record Server(boolean enabled, String host, int port, boolean allowHttp, java.util.Optional<TlsFiles> tls, java.util.Optional<Jwt> jwt) {
        public static final Server DEFAULTS = new Server(true, "127.0.0.1", 8080, false, java.util.Optional.empty(), java.util.Optional.empty());

        public String listen() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** PEM files ({@code certificate}, {@code key}) or a PKCS#12 {@code keystore} with its {@code password}; the others null. */
    public record TlsFiles(Path certificate, Path key, Path keystore, Secret password) {
    }

    /** @param secret null when {@code jwksUrl} is used, and the other way round */
    public record Jwt(Secret secret, String jwksUrl, String issuer, String audience, String rolesClaim, String syncsClaim) {
    }

    /** Outbound notifications (see docs/notifications.md). */
    public record Notifications(List<Webhook> webhooks) {
        public static final Notifications NONE = new Notifications(List.of());
    }

    /**
     * One receiver of notifications.
     *
     * @param url           may hold a token (Slack's do), so {@link #toString()} shows only its scheme and host
     * @param secret        signs each delivery; null only for {@code slack}
     * @param events        the events it receives, by their names in {@link #EVENTS}
     * @param includeValues whether conflict notifications carry the field's values (sensitive ones masked)
     */
    public record Webhook(String name, java.net.URI url, WebhookFormat format, Secret secret, List<String> events,
                          Duration timeout, int maxAttempts, boolean includeValues) {
        /** Every event a webhook can receive. */
        public static final List<String> EVENTS = List.of("conflict.waiting", "deadletter.created", "sync.failing", "sync.recovered",
                "system.down", "system.up");

        @Override
        public String toString() {
            return "Webhook[" + name + " " + url.getScheme() + "://" + url.getHost() + "/…, " + format + ", " + events + "]";
        }
    }

    public enum WebhookFormat { JSON, SLACK }

    public enum Connector {
        POSTGRES, MARIADB, MYSQL, SQLITE, REST;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param url  the JDBC URL (for sqlite built from {@code path}); null for rest
     * @param rest the HTTP application's settings for {@code connector: rest}; null for databases
     */
    public record SystemConfig(String name, Connector connector, String url, String user, Secret password, ZoneId zone, RestSystemConfig rest) {
        public SystemConfig(String name, Connector connector, String url, String user, Secret password, ZoneId zone) {
            this(name, connector, url, user, password, zone, null);
        }

        public boolean isRest() {
            return connector == Connector.REST;
        }
    }

    public enum Capture { TRIGGERS, POLL, CHECKSUM }

    public enum Direction { BOTH, SOURCE, TARGET }

    public record SyncConfig(String name, Capture capture, String schedule, Map<String, EndpointConfig> endpoints,
                             Map<String, FieldConfig> fields, List<String> match, Conflicts conflicts, DeletePolicy deletes,
                             List<ValidationRule> validate) {
    }

    /** One table in one sync; {@code capture} is already the sync's when the endpoint sets none. */
    public record EndpointConfig(String system, String table, String schema, List<String> key, Direction direction,
                                 Capture capture, String updatedAt, String softDelete, Duration overlap,
                                 Duration deleteScan, String externalId, String archiveTable, int pageSize,
                                 String filter, Map<String, String> references) {
    }

    /** @param type the declared type, or empty to take the first mapped column's */
    /** @param sensitive its values are masked wherever twoway shows them */
    public record FieldConfig(String name, Optional<ValueType> type, boolean match, boolean sensitive, Map<String, ColumnConfig> columns) {
    }

    /** How one system holds a field. */
    public sealed interface ColumnConfig {
        /** The native columns this reads and writes. */
        List<String> columnNames();
    }

    public record Direct(String column, Map<String, String> values, String fallback, Value defaultValue, String format,
                         ZoneId zone, String trueText, String falseText, String bytes) implements ColumnConfig {
        public List<String> columnNames() {
            return List.of(column);
        }
    }

    public record Computed(String from, Map<String, String> to) implements ColumnConfig {
        public List<String> columnNames() {
            return List.copyOf(to.keySet());
        }
    }

    public record Conflicts(ConflictPolicy defaultPolicy, Map<String, ConflictPolicy> fields, List<String> priority,
                            DeleteConflictPolicy deleteVsUpdate, Duration skewWindow) {
    }

    public record ValidationRule(String rule, String message) {
    }

    /** Where a setting stands; the nearest enclosing section that is known when the setting itself is not. */
    public Location locate(String path) {
        for (String p = path; ; ) {
            Location at = locations.get(p);
            if (at != null) return at;
            int dot = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (dot < 0) return Location.unknown(file);
            p = p.substring(0, dot);
        }
    }
}
