package dev.twoway.cli;

import dev.twoway.config.ConfigException;
import dev.twoway.config.ConfigProblem;
import dev.twoway.config.TwowayConfig;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.http.RestConnector;
import dev.twoway.jdbc.Column;
import dev.twoway.jdbc.Database;
import dev.twoway.jdbc.SqlConfigException;
import dev.twoway.jdbc.SqlConnector;
import dev.twoway.jdbc.Table;
import dev.twoway.jdbc.TableConfig;
import dev.twoway.mapping.CelRecordFilter;
import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.mapping.FieldMapping;
import dev.twoway.mapping.FieldMappingSpec;
import dev.twoway.mapping.MappingConfigException;
import dev.twoway.mapping.MappingException;
import dev.twoway.mapping.TypeConversion;
import dev.twoway.mapping.ValidatedMapping;
import dev.twoway.merge.ConflictPolicy;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.merge.DeletePolicy;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;
import dev.twoway.spi.SystemUnavailableException;
import dev.twoway.store.StateStore;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A config made real: the state store, one connector per system, and the sync engines, built only after every
 * endpoint was checked against its real table ({@link #check}). Problems found there are {@link ConfigProblem}s at
 * the config line that caused them, like the reader's.
 */
public final class Deployment implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("twoway");
    private final TwowayConfig config;
    private final Map<String, dev.twoway.spi.Connector> connectors = new LinkedHashMap<>();
    private final Map<String, Map<String, Table>> tables = new LinkedHashMap<>();
    private StateStore store;
    private List<SyncEngine> engines;
    private Map<String, SyncEngine.EndpointIo> io;
    private dev.twoway.engine.EngineListener listener = dev.twoway.engine.EngineListener.NONE;

    public Deployment(TwowayConfig config) {
        this.config = config;
        Map<String, Map<String, TableConfig>> bySystem = new LinkedHashMap<>();
        Map<String, Map<String, java.util.Set<String>>> mappedFields = new LinkedHashMap<>();
        for (TwowayConfig.SyncConfig sync : config.syncs().values()) {
            for (TwowayConfig.EndpointConfig e : sync.endpoints().values()) {
                if (isRest(e)) {
                    java.util.Set<String> mapped = mappedFields.computeIfAbsent(e.system(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(e.table(), k -> new java.util.LinkedHashSet<>());
                    sync.fields().values().stream().map(f -> f.columns().get(e.system())).filter(java.util.Objects::nonNull)
                            .forEach(c -> mapped.addAll(c.columnNames()));
                    mapped.addAll(e.references().keySet());
                } else {
                    bySystem.computeIfAbsent(e.system(), k -> new LinkedHashMap<>()).put(entity(e), tableConfig(e));
                }
            }
        }
        for (TwowayConfig.SystemConfig s : config.systems().values()) {
            if (s.isRest()) {
                connectors.put(s.name(), RestConnectors.of(s, mappedFields.getOrDefault(s.name(), Map.of()), config.stateDir()));
                continue;
            }
            Database db = new Database(s.name(), s.url(), s.user(), s.password() == null ? null : s.password().reveal(), s.zone());
            connectors.put(s.name(), new SqlConnector(db, bySystem.getOrDefault(s.name(), Map.of()), config.stateDir()));
        }
    }

    public TwowayConfig config() {
        return config;
    }

    /** The entity name of an endpoint's table in its connector. */
    static String entity(TwowayConfig.EndpointConfig e) {
        return e.schema() == null ? e.table() : e.schema() + "." + e.table();
    }

    /**
     * Each capture mode keeps its own kind of position: one written by another mode means nothing to it. When an
     * endpoint's mode changed since the position was stored, its capture starts over with a snapshot of the table;
     * rows that did not change since merge as no change, so this costs a read of the table and loses nothing.
     */
    private void startOverIfCaptureChanged(String sync, TwowayConfig.EndpointConfig e) {
        String key = "capture-mode/" + sync + "/" + e.system();
        String mode = e.capture().name().toLowerCase(java.util.Locale.ROOT);
        store().run(tx -> {
            Optional<String> stored = tx.meta(key);
            if (stored.isPresent() && !stored.get().equals(mode) && tx.checkpoint(sync, e.system()).isPresent()) {
                tx.clearCheckpoint(sync, e.system());
                log.warn("sync '{}': capture of '{}' changed from {} to {}; it starts over with a snapshot of {} (unchanged rows change nothing)",
                        sync, e.system(), stored.get(), mode, e.table());
            }
            if (!stored.equals(Optional.of(mode))) tx.putMeta(key, mode);
        });
    }

    private static TableConfig tableConfig(TwowayConfig.EndpointConfig e) {
        TableConfig.CaptureMode mode = TableConfig.CaptureMode.valueOf(e.capture().name());
        return new TableConfig(e.table(), e.schema(), e.key(), mode, mode == TableConfig.CaptureMode.POLL ? e.updatedAt() : null,
                e.softDelete(), e.overlap(), e.externalId(), e.archiveTable(), e.pageSize(), e.deleteScan());
    }

    /** One connector per system: {@link SqlConnector} for databases, {@link RestConnector} for {@code connector: rest}. */
    public Map<String, dev.twoway.spi.Connector> connectors() {
        return connectors;
    }

    private Map<String, dev.twoway.http.WebhookReceiver> receivers;

    /**
     * Per system with {@code webhooks}, its receiver, feeding the sources of that system's connector (built once: its
     * memory of the signatures seen is what refuses replays).
     */
    public synchronized Map<String, dev.twoway.http.WebhookReceiver> webhookReceivers() {
        if (receivers != null) return receivers;
        Map<String, dev.twoway.http.WebhookReceiver> out = new LinkedHashMap<>();
        for (TwowayConfig.SystemConfig s : config.systems().values()) {
            if (!s.isRest() || s.rest().webhooks() == null) continue;
            out.put(s.name(), ((RestConnector) connectors.get(s.name())).webhookReceiver(RestConnectors.webhooks(s.rest().webhooks())));
        }
        receivers = Map.copyOf(out);
        return receivers;
    }

    /** The systems whose webhooks {@code twoway run} serves, in config order. */
    static List<TwowayConfig.SystemConfig> webhookSystems(TwowayConfig config) {
        return config.systems().values().stream().filter(s -> s.isRest() && s.rest().webhooks() != null).toList();
    }

    /**
     * Webhooks are served by the API server: with it disabled they would never arrive, and the syncs would silently
     * fall back to polling. One problem per system, at its {@code webhooks}.
     */
    static List<ConfigProblem> webhooksWithoutServer(TwowayConfig config) {
        if (config.server().enabled()) return List.of();
        return webhookSystems(config).stream().map(s -> new ConfigProblem(config.locate("systems." + s.name() + ".webhooks"), "systems." + s.name() + ".webhooks",
                "system " + s.name() + " has webhooks, but server.enabled is false: twoway run serves POST /webhooks/" + s.name() + " on its API server",
                "remove server.enabled: false (the webhook route needs no API key; give server.listen the address the application can reach), "
                        + "or remove the webhooks to rely on polling")).toList();
    }

    /** Where {@code twoway run} receives a system's webhooks, as the API server listens, and the URL to register. */
    static String webhookUrls(TwowayConfig config, TwowayConfig.SystemConfig s) {
        TwowayConfig.Server server = config.server();
        String host = server.host().contains(":") ? "[" + server.host() + "]" : server.host();
        String port = server.port() == 0 ? "<the port twoway run logs at start>" : String.valueOf(server.port());
        String local = (server.tls().isPresent() ? "https" : "http") + "://" + host + ":" + port + "/webhooks/" + s.name();
        java.net.URI registered = s.rest().webhooks().publicUrl();
        return "POST " + local + (registered == null ? " (register the public URL that reaches it; set webhooks.public-url to it when a proxy is in front)"
                : ", registered at the application as " + registered);
    }

    private boolean isRest(TwowayConfig.EndpointConfig e) {
        TwowayConfig.SystemConfig s = config.systems().get(e.system());
        return s != null && s.isRest();
    }

    /** The embedded state store, opened on first use. */
    public synchronized StateStore store() {
        if (store == null) store = SqliteStateStore.open(config.stateDir().resolve("state.db"));
        return store;
    }

    // ---- checks against the real tables -----------------------------------------------------------------------

    /**
     * Checks every endpoint against its table: the table, key and mapped columns exist, and each field's type
     * converts to its columns. A system that cannot be reached is one problem (at its url) and its endpoints are
     * not checked further.
     */
    public List<ConfigProblem> check() {
        unreachable.clear();
        checkedResources.clear();
        List<ConfigProblem> problems = new ArrayList<>();
        config.server().tls().filter(t -> config.server().enabled()).ifPresent(t -> {
            try {
                tls(t);
            } catch (IllegalArgumentException e) {
                problems.add(problem("server.tls", e.getMessage(), "point server.tls at the server's certificate and key (see docs/api.md#tls)"));
            }
        });
        for (TwowayConfig.SyncConfig sync : config.syncs().values()) {
            for (TwowayConfig.EndpointConfig e : sync.endpoints().values()) {
                String path = "syncs." + sync.name() + ".endpoints." + e.system();
                if (isRest(e)) checkResource(sync, e, path, problems);
                else table(e, path, problems).ifPresent(t -> checkEndpoint(sync, e, t, path, problems));
            }
            if (problems.isEmpty()) {
                try {
                    definition(sync);
                } catch (ConfigException ex) {
                    problems.addAll(ex.problems());
                }
            }
        }
        return problems;
    }

    private final Map<String, Boolean> unreachable = new LinkedHashMap<>();

    /** The systems the last {@link #check} could not reach (their endpoints were not checked). */
    public java.util.Set<String> unreachable() {
        return java.util.Set.copyOf(unreachable.keySet());
    }

    /** Are these problems (from {@link #check()}) only systems that could not be reached? */
    public boolean onlyUnreachable(List<ConfigProblem> problems) {
        return !unreachable.isEmpty() && problems.stream().allMatch(p -> unreachable.keySet().stream()
                .anyMatch(s -> p.path().equals("systems." + s + ".url") || p.path().equals("systems." + s + ".base-url")));
    }

    /**
     * Checks a rest endpoint against the live API ({@link RestConnector#check}): reachable, credentials accepted, the
     * list answering JSON items with the configured id, modification time and mapped fields.
     */
    private void checkResource(TwowayConfig.SyncConfig sync, TwowayConfig.EndpointConfig e, String path, List<ConfigProblem> problems) {
        if (unreachable.containsKey(e.system())) return;
        String system = "systems." + e.system();
        Map<String, String> fieldOf = new LinkedHashMap<>();
        for (TwowayConfig.FieldConfig f : sync.fields().values()) {
            TwowayConfig.ColumnConfig c = f.columns().get(e.system());
            if (c == null) continue;
            switch (c) {
                case TwowayConfig.Direct d -> fieldOf.put(d.column(), "syncs." + sync.name() + ".fields." + f.name() + "." + e.system());
                case TwowayConfig.Computed x -> x.to().keySet().forEach(col -> fieldOf.put(col, "syncs." + sync.name() + ".fields." + f.name() + "." + e.system() + ".to." + col));
            }
        }
        String resource = system + ".resources." + e.table();
        dev.twoway.config.RestSystemConfig.Resource res = config.systems().get(e.system()).rest().resources().get(e.table());
        if (res != null && res.preset() != null) {
            // HubSpot answers a property only inside "properties": any other pointer would read null for ever.
            int before = problems.size();
            fieldOf.forEach((column, at) -> {
                if (RestConnectors.PROPERTY.matcher(column).matches()) return;
                String name = column.replaceAll("^/(properties/)?", "");
                problems.add(problem(at, "'" + column + "' is not a HubSpot property: " + res.preset().name() + " holds property values at /properties/<name>",
                        "write /properties/" + (name.matches("[A-Za-z0-9_]+") ? name : "<name>")));
            });
            if (problems.size() > before) return;
        }
        try {
            for (RestConnector.Problem p : ((RestConnector) connectors.get(e.system())).check(e.table(), fieldOf.keySet())) {
                String at = p.setting().equals("auth") ? system + ".auth" : p.setting().startsWith("field:") ? fieldOf.get(p.setting().substring(6))
                        : resource + "." + p.setting();
                problems.add(problem(at, p.message(), p.fix()));
            }
        } catch (SystemUnavailableException ex) {
            unreachable.put(e.system(), true);
            problems.add(problem(system + ".base-url", ex.getMessage(),
                    "start the application or correct base-url; twoway validate --offline checks the file alone"));
        }
    }

    private final java.util.Set<String> checkedResources = new java.util.LinkedHashSet<>();

    private Optional<Table> table(TwowayConfig.EndpointConfig e, String path, List<ConfigProblem> problems) {
        if (unreachable.containsKey(e.system())) return Optional.empty();
        try {
            Table t = ((SqlConnector) connectors.get(e.system())).table(entity(e));
            tables.computeIfAbsent(e.system(), k -> new LinkedHashMap<>()).put(entity(e), t);
            return Optional.of(t);
        } catch (SystemUnavailableException ex) {
            unreachable.put(e.system(), true);
            problems.add(problem("systems." + e.system() + ".url", ex.getMessage(),
                    "start the database or correct url/user/password; twoway validate --offline checks the file alone"));
        } catch (SqlConfigException ex) {
            problems.add(problem(path + ".table", ex.getMessage(), "correct the table name (twoway init lists the tables it finds)"));
        }
        return Optional.empty();
    }

    private void checkEndpoint(TwowayConfig.SyncConfig sync, TwowayConfig.EndpointConfig e, Table t, String path, List<ConfigProblem> problems) {
        for (int i = 0; i < e.key().size(); i++) requireColumn(t, e.key().get(i), path + ".key" + (e.key().size() > 1 ? "[" + i + "]" : ""), problems);
        if (e.key().isEmpty() && t.primaryKey().isEmpty()) {
            problems.add(problem(path, "table " + t.label() + " has no primary key", "add key: <column> naming the columns that identify a row"));
        }
        if (e.updatedAt() != null) requireColumn(t, e.updatedAt(), path + ".updated-at", problems);
        if (e.softDelete() != null) requireColumn(t, e.softDelete(), path + ".soft-delete", problems);
        if (e.externalId() != null) requireColumn(t, e.externalId(), path + ".external-id", problems);
        for (String ref : e.references().keySet()) requireColumn(t, ref, path + ".references." + ref, problems);
        for (TwowayConfig.FieldConfig f : sync.fields().values()) {
            TwowayConfig.ColumnConfig c = f.columns().get(e.system());
            if (c == null) continue;
            String fpath = "syncs." + sync.name() + ".fields." + f.name() + "." + e.system();
            switch (c) {
                case TwowayConfig.Direct d -> requireColumn(t, d.column(), fpath, problems).ifPresent(col -> {
                    ValueType type = fieldType(sync, f);
                    if (!e.references().containsKey(col.name()) && !TypeConversion.convertible(type, col.kind().canonical())) {
                        problems.add(problem(fpath, "field '" + f.name() + "' is " + type.configName() + " but column \"" + col.name() + "\" of " + t.label()
                                + " is " + col.typeName() + ": there is no lossless conversion between them",
                                "map the field to another column, or declare type: " + col.kind().canonical().configName() + " (or string) on the field"));
                    }
                });
                case TwowayConfig.Computed x -> x.to().keySet().forEach(col -> requireColumn(t, col, fpath + ".to." + col, problems));
            }
        }
    }

    private Optional<Column> requireColumn(Table t, String column, String path, List<ConfigProblem> problems) {
        Optional<Column> c = t.column(column);
        if (c.isEmpty()) {
            List<String> names = t.columns().stream().map(Column::name).toList();
            String close = names.stream().filter(n -> n.equalsIgnoreCase(column) || n.replace("_", "").equalsIgnoreCase(column.replace("_", ""))).findFirst()
                    .map(n -> "did you mean '" + n + "'? ").orElse(ConfigProblem.didYouMean(column, names));
            problems.add(problem(path, "table " + t.label() + " has no column \"" + column + "\"", close + "its columns are " + String.join(", ", names)));
        }
        return c;
    }

    /** Masks the fields marked {@code sensitive}: their canonical names and every native column holding them. */
    static dev.twoway.audit.AuditMask auditMask(TwowayConfig config) {
        Map<String, java.util.Set<String>> names = new LinkedHashMap<>();
        for (TwowayConfig.SyncConfig sync : config.syncs().values()) {
            java.util.Set<String> n = new java.util.LinkedHashSet<>();
            for (TwowayConfig.FieldConfig f : sync.fields().values()) {
                if (!f.sensitive()) continue;
                n.add(f.name());
                f.columns().values().forEach(c -> n.addAll(c.columnNames()));
            }
            names.put(sync.name(), n);
        }
        return new dev.twoway.audit.AuditMask(names);
    }

    /** The server's certificate and key, read from the files the config names. */
    static dev.twoway.server.Tls tls(TwowayConfig.TlsFiles t) {
        return t.keystore() != null ? dev.twoway.server.Tls.fromKeystore(t.keystore(), t.password() == null ? null : t.password().reveal())
                : dev.twoway.server.Tls.fromPem(t.certificate(), t.key());
    }

    private ConfigProblem problem(String path, String message, String fix) {
        return new ConfigProblem(config.locate(path), path, message, fix);
    }

    /** The declared type, else the type of the first mapped plain column; computed fields default to string. */
    private ValueType fieldType(TwowayConfig.SyncConfig sync, TwowayConfig.FieldConfig f) {
        if (f.type().isPresent()) return f.type().get();
        for (var e : f.columns().entrySet()) {
            TwowayConfig.EndpointConfig ep = sync.endpoints().get(e.getKey());
            if (!(e.getValue() instanceof TwowayConfig.Direct d) || ep == null) continue;
            if (ep.references().containsKey(d.column())) return ValueType.STRING;
            Table t = tables.getOrDefault(e.getKey(), Map.of()).get(entity(ep));
            if (t != null && t.column(d.column()).isPresent()) return t.column(d.column()).get().kind().canonical();
        }
        return ValueType.STRING;
    }

    // ---- engines ----------------------------------------------------------------------------------------------

    /** The sync's definition, from the config and the introspected tables ({@link #check} must have passed). */
    SyncDefinition definition(TwowayConfig.SyncConfig sync) {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, ValueType> types = new LinkedHashMap<>();
        for (TwowayConfig.FieldConfig f : sync.fields().values()) types.put(f.name(), fieldType(sync, f));
        List<EndpointDefinition> endpoints = new ArrayList<>();
        for (TwowayConfig.EndpointConfig e : sync.endpoints().values()) {
            String path = "syncs." + sync.name() + ".endpoints." + e.system();
            Table t = isRest(e) ? null : tables.get(e.system()).get(entity(e));
            List<FieldMappingSpec> specs = new ArrayList<>();
            for (TwowayConfig.FieldConfig f : sync.fields().values()) {
                TwowayConfig.ColumnConfig c = f.columns().get(e.system());
                if (c != null) specs.add(spec(f, c, t, e, types.get(f.name()), "syncs." + sync.name() + ".fields." + f.name() + "." + e.system(), problems));
            }
            try {
                EndpointMapping mapping = FieldMapping.build(e.system(), types, specs);
                if (!sync.validate().isEmpty()) {
                    mapping = new ValidatedMapping(e.system(), mapping, sync.validate().stream()
                            .map(r -> new ValidatedMapping.Rule(r.rule(), r.message())).toList());
                }
                endpoints.add(new EndpointDefinition(e.system(), entity(e), Direction.valueOf(e.direction().name()), mapping,
                        e.filter() == null ? null : new CelRecordFilter(e.filter()), e.references()));
            } catch (MappingConfigException ex) {
                ex.problems().forEach(p -> problems.add(problem("syncs." + sync.name() + ".fields", "endpoint " + e.system() + ": " + p, null)));
            }
            if (t != null && e.externalId() != null && t.column(e.externalId()).isEmpty()) problems.add(problem(path + ".external-id", "no such column", null));
        }
        DeletePolicy deletes = sync.deletes();
        if (deletes instanceof DeletePolicy.Soft soft && types.containsKey(soft.field())) {
            deletes = new DeletePolicy.Soft(soft.field(), canonical(soft.value(), types.get(soft.field()), "syncs." + sync.name() + ".deletes.value", problems));
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        TwowayConfig.Conflicts c = sync.conflicts();
        ConflictSettings settings = new ConflictSettings(c.defaultPolicy(), Map.copyOf(c.fields()), c.deleteVsUpdate(), deletes, c.priority(), c.skewWindow());
        return new SyncDefinition(sync.name(), endpoints, settings, sync.match());
    }

    private FieldMappingSpec spec(TwowayConfig.FieldConfig f, TwowayConfig.ColumnConfig c, Table t, TwowayConfig.EndpointConfig e,
                                  ValueType type, String path, List<ConfigProblem> problems) {
        return switch (c) {
            case TwowayConfig.Direct d -> {
                // a rest resource's fields are JSON values: they hold the field's type as JSON writes it
                Column col = t == null ? null : t.require(d.column());
                String name = col == null ? d.column() : col.name();
                ColumnType ct = e.references().containsKey(name) ? ColumnType.of(ValueType.STRING) : col == null ? ColumnType.of(type) : col.columnType();
                if (d.format() != null) ct = ct.withFormat(d.format());
                if (d.zone() != null) ct = ct.withZone(d.zone());
                if (d.trueText() != null || d.falseText() != null) ct = ct.withBooleanText(d.trueText() == null ? "true" : d.trueText(), d.falseText() == null ? "false" : d.falseText());
                if (d.bytes() != null) ct = ct.withBytesText(d.bytes());
                Value def = d.defaultValue() == null ? null : canonical(d.defaultValue(), type, path + ".default", problems);
                yield new FieldMappingSpec.Direct(f.name(), name, ct, d.values(), d.fallback(), def);
            }
            case TwowayConfig.Computed x -> {
                Map<String, ColumnType> colTypes = new LinkedHashMap<>();
                x.to().keySet().forEach(col -> colTypes.put(col, t == null ? ColumnType.of(ValueType.STRING) : t.require(col).columnType()));
                yield new FieldMappingSpec.Computed(f.name(), x.from(), x.to(), colTypes);
            }
        };
    }

    private Value canonical(Value text, ValueType type, String path, List<ConfigProblem> problems) {
        try {
            return TypeConversion.toCanonical(text, type, ColumnType.of(type), path, path.substring(path.lastIndexOf('.') + 1));
        } catch (MappingException e) {
            problems.add(problem(path, "'" + text.display() + "' is not a " + type.configName() + ": " + e.getMessage(), "write a " + type.configName() + " value"));
            return text;
        }
    }

    /** Tells {@code l} what the engines do (metrics); call before {@link #engines()} builds them. */
    public synchronized void listener(dev.twoway.engine.EngineListener l) {
        if (engines != null) throw new IllegalStateException("the engines are built already: set their listener before");
        this.listener = java.util.Objects.requireNonNull(l);
    }

    /** The engines of every sync, built once (after a passing {@link #check}). */
    public synchronized List<SyncEngine> engines() {
        if (engines != null) return engines;
        List<ConfigProblem> problems = check();
        if (!problems.isEmpty() && onlyUnreachable(problems)) {
            // Not a config problem (exit 2) but a runtime one (exit 1): the same config works once they are back.
            throw new IllegalStateException("cannot reach " + String.join(", ", unreachable()) + ": " + problems.getFirst().message()
                    + " (twoway run waits for a system that is down at start; sync --once does not)");
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        TwowayConfig.Engine eng = config.engine();
        EngineOptions options = EngineOptions.defaults().withBatchSize(eng.batchSize()).withMaxAttempts(eng.maxAttempts());
        List<SyncEngine> built = new ArrayList<>();
        Map<String, SyncEngine.EndpointIo> allIo = new LinkedHashMap<>();
        for (TwowayConfig.SyncConfig sync : config.syncs().values()) {
            Map<String, SyncEngine.EndpointIo> syncIo = new LinkedHashMap<>();
            for (TwowayConfig.EndpointConfig e : sync.endpoints().values()) {
                dev.twoway.spi.Connector c = connectors.get(e.system());
                SyncEngine.EndpointIo endpointIo = new SyncEngine.EndpointIo(c.source(entity(e)), c.sink(entity(e)));
                syncIo.put(e.system(), endpointIo);
                allIo.put(sync.name() + "/" + e.system(), endpointIo);
            }
            built.add(new SyncEngine(definition(sync), syncIo, store(), options, listener));
            sync.endpoints().values().forEach(e -> startOverIfCaptureChanged(sync.name(), e));
        }
        this.io = allIo;
        this.engines = List.copyOf(built);
        return engines;
    }

    public SyncEngine engine(String sync) {
        return engines().stream().filter(e -> e.definition().name().equals(sync)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no sync '" + sync + "' in " + config.file() + "; syncs: " + String.join(", ", config.syncs().keySet())));
    }

    /** Per {@code sync/endpoint}, the connection its engine uses. */
    public Map<String, SyncEngine.EndpointIo> io() {
        engines();
        return io;
    }

    @Override
    public synchronized void close() {
        if (io != null) {
            for (SyncEngine.EndpointIo e : io.values()) {
                closeQuietly(e.source());
                closeQuietly(e.sink());
            }
        }
        if (store != null) store.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(Deployment.class).warn("closing {}: {}", c, e.toString());
        }
    }
}
