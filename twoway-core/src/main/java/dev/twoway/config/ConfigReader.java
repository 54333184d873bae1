package dev.twoway.config;

import dev.twoway.expr.Expression;
import dev.twoway.expr.ExpressionException;
import dev.twoway.expr.VarType;
import dev.twoway.merge.ConflictPolicy;
import dev.twoway.merge.DeleteConflictPolicy;
import dev.twoway.merge.DeletePolicy;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a twoway YAML config and checks everything that can be checked without the systems: the keys (see
 * {@link ConfigReference}), value forms, names that refer to each other (systems, endpoints, fields, syncs), and
 * expressions. Every problem is collected with its file, line and a fix; if there is any, {@link ConfigException}
 * lists them all. Checks that need the databases (tables, columns, types) come after, from the connectors.
 *
 * <p>Values may contain {@code ${env:NAME}} (an environment variable) and {@code ${file:PATH}} (a file's content
 * without its trailing newline; relative to the config file), so secrets stay out of the config.
 */
public final class ConfigReader {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(env|file):([^}]*)}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,62}");

    private final Path file;
    private final Function<String, String> env;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Map<String, Location> locations = new LinkedHashMap<>();
    /** Systems written with {@code connector: rest}, even ones with problems: their endpoints name resources. */
    private final Set<String> restSystems = new LinkedHashSet<>();
    /** Per rest system, the resources written, even ones with problems of their own (reported once). */
    private final Map<String, Set<String>> restResources = new LinkedHashMap<>();

    private ConfigReader(Path file, Function<String, String> env) {
        this.file = file;
        this.env = env;
    }

    public static TwowayConfig read(Path file) {
        return read(file, System::getenv);
    }

    public static TwowayConfig read(Path file, Function<String, String> env) {
        ConfigNode root = YamlFile.read(file);
        return new ConfigReader(file, env).bind(root);
    }

    public static TwowayConfig parse(Path file, String yaml, Function<String, String> env) {
        return new ConfigReader(file, env).bind(YamlFile.parse(file, yaml));
    }

    // ---- plumbing used by SectionReader ----------------------------------------------------------------------

    void problem(Location at, String path, String message, String fix) {
        problems.add(new ConfigProblem(at, path, message, fix));
    }

    void locate(String path, Location at) {
        locations.putIfAbsent(path, at);
    }

    /** How many problems were found so far (a section compares before and after to know whether it read cleanly). */
    int problemCount() {
        return problems.size();
    }

    /** A scalar's text with placeholders replaced; empty (and a problem) for lists, sections and unresolved placeholders. */
    Optional<String> text(ConfigNode n, String path) {
        if (!(n instanceof ConfigNode.Scalar s)) {
            problem(n.at(), path, "expected a single value, found " + n.kind(), "write " + path.substring(path.lastIndexOf('.') + 1) + ": <value>");
            return Optional.empty();
        }
        if (s.text() == null) {
            problem(n.at(), path, "the value is empty", "write a value or remove the key");
            return Optional.empty();
        }
        return interpolate(s.text(), s.at(), path);
    }

    private Optional<String> interpolate(String text, Location at, String path) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        boolean ok = true;
        while (m.find()) {
            String name = m.group(2).trim();
            String value = m.group(1).equals("env") ? env.apply(name) : readFile(name, at, path);
            if (value == null) {
                ok = false;
                if (m.group(1).equals("env")) {
                    problem(at, path, "environment variable " + name + " is not set", "export " + name + "=… before starting twoway");
                }
                continue;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        if (text.contains("${") && !PLACEHOLDER.matcher(text).find()) {
            problem(at, path, "'" + text + "' holds a placeholder twoway does not know", "write ${env:NAME} or ${file:PATH}");
            return Optional.empty();
        }
        return ok ? Optional.of(out.toString()) : Optional.empty();
    }

    private String readFile(String name, Location at, String path) {
        Path p = resolve(name);
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8);
            return s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        } catch (IOException e) {
            problem(at, path, "cannot read " + p + " (" + e.getClass().getSimpleName() + ")", "check the path in ${file:…}; relative paths start at the config file's directory");
            return null;
        }
    }

    Path resolve(String name) {
        Path p = Path.of(name);
        Path dir = file.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
    }

    Optional<ConfigNode.Mapping> mapping(ConfigNode n, String path) {
        if (n instanceof ConfigNode.Mapping m) return Optional.of(m);
        if (n instanceof ConfigNode.Scalar s && s.text() == null) return Optional.of(new ConfigNode.Mapping(List.of(), n.at()));
        problem(n.at(), path, "expected a section of 'key: value' lines, found " + n.kind(), "indent the settings under " + path);
        return Optional.empty();
    }

    List<String> names(ConfigNode n, String path) {
        List<ConfigNode> items = n instanceof ConfigNode.Sequence s ? s.items() : List.of(n);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = n instanceof ConfigNode.Sequence ? path + "[" + i + "]" : path;
            locate(p, items.get(i).at());
            text(items.get(i), p).ifPresent(out::add);
        }
        return out;
    }

    private void checkName(String kind, String name, Location at, String path) {
        if (!NAME.matcher(name).matches()) {
            problem(at, path, kind + " name '" + name + "' is not a simple name", "use letters, digits, '_' and '-', starting with a letter");
        }
    }

    // ---- the config --------------------------------------------------------------------------------------------

    private TwowayConfig bind(ConfigNode root) {
        Optional<ConfigNode.Mapping> top = mapping(root, "");
        if (top.isEmpty()) throw new ConfigException(problems);
        SectionReader r = new SectionReader(this, top.get(), "", ConfigReference.TOP);
        Path state = resolve(r.text("state").orElse("./twoway-data"));
        TwowayConfig.Engine engine = r.section("engine", ConfigReference.ENGINE).map(this::engine).orElse(TwowayConfig.Engine.DEFAULTS);
        TwowayConfig.Server server = r.section("server", ConfigReference.SERVER).map(this::server).orElse(TwowayConfig.Server.DEFAULTS);
        TwowayConfig.Notifications notifications = r.section("notifications", ConfigReference.NOTIFICATIONS).map(this::notifications)
                .orElse(TwowayConfig.Notifications.NONE);
        Map<String, TwowayConfig.SystemConfig> systems = new LinkedHashMap<>();
        // every system written counts for the names that refer to it, even one with problems of its own (reported once)
        Set<String> systemNames = new LinkedHashSet<>();
        r.get("systems").flatMap(n -> mapping(n, "systems")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                systemNames.add(e.key());
                checkName("system", e.key(), e.keyAt(), "systems." + e.key());
                mapping(e.value(), "systems." + e.key()).ifPresent(s -> system(e.key(), s).ifPresent(sys -> systems.put(e.key(), sys)));
            }
            if (m.entries().isEmpty()) problem(m.at(), "systems", "no systems are configured", "add at least two systems (see docs/configuration.md)");
        });
        Optional<ConfigNode.Mapping> syncsNode = r.get("syncs").flatMap(n -> mapping(n, "syncs")); // read once: problems once
        Set<String> syncNames = new LinkedHashSet<>();
        syncsNode.ifPresent(m -> m.entries().forEach(e -> syncNames.add(e.key())));
        Map<String, TwowayConfig.SyncConfig> syncs = new LinkedHashMap<>();
        syncsNode.ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                checkName("sync", e.key(), e.keyAt(), "syncs." + e.key());
                mapping(e.value(), "syncs." + e.key()).ifPresent(s -> sync(e.key(), s, systemNames, syncNames).ifPresent(x -> syncs.put(e.key(), x)));
            }
            if (m.entries().isEmpty()) problem(m.at(), "syncs", "no syncs are configured", "add a sync (see docs/configuration.md)");
        });
        r.finish();
        if (!problems.isEmpty()) {
            problems.sort(java.util.Comparator.comparingInt((ConfigProblem p) -> p.at().line()).thenComparingInt(p -> p.at().column()));
            throw new ConfigException(problems);
        }
        return new TwowayConfig(file, state, engine, server, systems, syncs, notifications, Map.copyOf(locations));
    }

    private TwowayConfig.Engine engine(SectionReader r) {
        TwowayConfig.Engine d = TwowayConfig.Engine.DEFAULTS;
        TwowayConfig.Engine e = new TwowayConfig.Engine(r.integer("batch-size", 1).orElse(d.batchSize()), r.integer("max-attempts", 1).orElse(d.maxAttempts()),
                r.duration("poll-interval").orElse(d.pollInterval()), r.duration("clock-check").orElse(d.clockCheck()));
        r.finish();
        return e;
    }

    private TwowayConfig.Server server(SectionReader r) {
        TwowayConfig.Server d = TwowayConfig.Server.DEFAULTS;
        boolean enabled = r.bool("enabled").orElse(true);
        boolean allowHttp = r.bool("allow-http").orElse(false);
        String host = d.host();
        int port = d.port();
        Optional<String> listen = r.text("listen");
        Optional<TwowayConfig.TlsFiles> tls = r.section("tls", ConfigReference.TLS).flatMap(this::tls);
        boolean encrypted = tls.isPresent() || r.get("tls").isPresent(); // a tls section with problems is reported there, once
        if (listen.isPresent()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:\\[([^]]+)]|([^:\\[\\]]+)):(\\d{1,5})").matcher(listen.get().trim());
            if (!m.matches() || Integer.parseInt(m.group(3)) > 65_535) {
                problem(r.locate("listen"), "server.listen", "'" + listen.get() + "' is not host:port",
                        "write e.g. 127.0.0.1:8080 (port 0: any free port; IPv6 as [::1]:8080)");
            } else {
                host = m.group(1) != null ? m.group(1) : m.group(2);
                port = Integer.parseInt(m.group(3));
                if (!loopback(host) && !allowHttp && enabled && !encrypted) {
                    problem(r.locate("listen"), "server.listen", "'" + listen.get() + "' is not a loopback address, and without tls the API is plain HTTP",
                            "add a tls section (certificate and key), or keep 127.0.0.1 behind a proxy that terminates TLS, or set allow-http: true if that proxy connects over a network you trust");
                }
            }
        }
        Optional<TwowayConfig.Jwt> jwt = r.section("jwt", ConfigReference.JWT).flatMap(this::jwt);
        r.finish();
        return new TwowayConfig.Server(enabled, host, port, allowHttp, tls, jwt);
    }

    private Optional<TwowayConfig.TlsFiles> tls(SectionReader r) {
        Optional<Path> certificate = r.text("certificate").map(this::resolve);
        Optional<Path> key = r.text("key").map(this::resolve);
        Optional<Path> keystore = r.text("keystore").map(this::resolve);
        Optional<Secret> password = r.text("password").map(Secret::new);
        r.finish();
        boolean pem = certificate.isPresent() || key.isPresent();
        if (pem == keystore.isPresent()) {
            problem(r.at(), "server.tls", pem ? "both PEM files and a keystore are set" : "no certificate is set",
                    "give certificate: server.crt and key: server.key (PEM), or keystore: server.p12 and password: ${env:TWOWAY_KEYSTORE_PASSWORD}");
            return Optional.empty();
        }
        if (pem && (certificate.isEmpty() || key.isEmpty())) {
            problem(r.at(), "server.tls", certificate.isEmpty() ? "'key' is set but not 'certificate'" : "'certificate' is set but not 'key'",
                    "give both: certificate: server.crt and key: server.key");
            return Optional.empty();
        }
        return Optional.of(new TwowayConfig.TlsFiles(certificate.orElse(null), key.orElse(null), keystore.orElse(null), password.orElse(null)));
    }

    private static boolean loopback(String host) {
        return host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }

    private Optional<TwowayConfig.Jwt> jwt(SectionReader r) {
        Optional<Secret> secret = r.text("secret").map(Secret::new);
        Optional<String> jwks = r.text("jwks-url");
        Optional<String> issuer = r.text("issuer");
        Optional<String> audience = r.text("audience");
        String roles = r.text("roles-claim").orElse("roles");
        String syncs = r.text("syncs-claim").orElse(null);
        boolean ok = true;
        if (secret.isPresent() == jwks.isPresent()) {
            problem(r.at(), "server.jwt", secret.isPresent() ? "both 'secret' and 'jwks-url' are set" : "neither 'secret' nor 'jwks-url' is set",
                    "give one: jwks-url: https://login.example.com/.well-known/jwks.json, or secret: ${env:TWOWAY_JWT_SECRET}");
            ok = false;
        }
        if (secret.isPresent() && secret.get().reveal().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            problem(r.locate("secret"), "server.jwt.secret", "the secret is shorter than 32 bytes, too short for HS256",
                    "use a random secret of 32 bytes or more, e.g. from: openssl rand -base64 48");
            ok = false;
        }
        if (jwks.isPresent() && !jwks.get().matches("https?://\\S+")) {
            problem(r.locate("jwks-url"), "server.jwt.jwks-url", "'" + jwks.get() + "' is not an http(s) URL", "write the issuer's JWKS address, e.g. https://login.example.com/.well-known/jwks.json");
            ok = false;
        }
        r.finish();
        if (!ok || issuer.isEmpty() || audience.isEmpty()) return Optional.empty();
        return Optional.of(new TwowayConfig.Jwt(secret.orElse(null), jwks.orElse(null), issuer.get(), audience.get(), roles, syncs));
    }

    private TwowayConfig.Notifications notifications(SectionReader r) {
        List<TwowayConfig.Webhook> webhooks = new ArrayList<>();
        r.get("webhooks").ifPresent(n -> {
            if (!(n instanceof ConfigNode.Sequence s)) {
                problem(n.at(), "notifications.webhooks", "expected a list of webhooks, found " + n.kind(),
                        "write one item per webhook: - name: ops and url: https://…, indented under webhooks:");
                return;
            }
            Map<String, Location> names = new LinkedHashMap<>();
            for (int i = 0; i < s.items().size(); i++) {
                String p = "notifications.webhooks[" + i + "]";
                mapping(s.items().get(i), p).flatMap(m -> webhook(new SectionReader(this, m, p, ConfigReference.WEBHOOK), p)).ifPresent(w -> {
                    Location earlier = names.putIfAbsent(w.name(), locate(p + ".name"));
                    if (earlier == null) webhooks.add(w);
                    else problem(locate(p + ".name"), p + ".name", "webhook name '" + w.name() + "' is already used at line " + earlier.line(),
                            "give each webhook its own name: twoway remembers per name which events it has sent");
                });
            }
        });
        r.finish();
        return new TwowayConfig.Notifications(List.copyOf(webhooks));
    }

    private Optional<TwowayConfig.Webhook> webhook(SectionReader r, String path) {
        Optional<String> name = r.text("name");
        name.ifPresent(n -> checkName("webhook", n, r.locate("name"), path + ".name"));
        Optional<String> url = r.text("url");
        Optional<TwowayConfig.WebhookFormat> chosen = r.choice("format", List.of("json", "slack"))
                .map(f -> TwowayConfig.WebhookFormat.valueOf(f.toUpperCase(java.util.Locale.ROOT)));
        boolean formatOk = chosen.isPresent() || r.node().entry("format").isEmpty(); // a bad format is reported once, not as a missing secret too
        TwowayConfig.WebhookFormat format = chosen.orElse(TwowayConfig.WebhookFormat.JSON);
        Optional<Secret> secret = r.text("secret").map(Secret::new);
        List<String> events = r.get("events").isPresent() ? events(r, path) : TwowayConfig.Webhook.EVENTS;
        Duration timeout = r.duration("timeout").orElse(Duration.ofSeconds(10));
        int maxAttempts = r.integer("max-attempts", 1).orElse(8);
        boolean includeValues = r.bool("include-values").orElse(false);
        boolean allowHttp = r.bool("allow-http").orElse(false);
        r.finish();
        Optional<java.net.URI> uri = url.flatMap(u -> webhookUrl(u, allowHttp, r.locate("url"), path + ".url"));
        boolean ok = formatOk;
        if (formatOk && secret.isEmpty() && format == TwowayConfig.WebhookFormat.JSON && r.node().entry("secret").isEmpty()) {
            problem(r.at(), path, "a json webhook needs a secret to sign its deliveries",
                    "add secret: ${env:TWOWAY_WEBHOOK_SECRET} (make one with: openssl rand -hex 32) and give it to the receiver");
            ok = false;
        }
        if (secret.isPresent() && secret.get().reveal().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 16) {
            problem(r.locate("secret"), path + ".secret", "the secret is shorter than 16 bytes, too easy to guess",
                    "use a random secret of 32 bytes, e.g. from: openssl rand -hex 32");
            ok = false;
        }
        if (!ok || name.isEmpty() || uri.isEmpty() || events.isEmpty()) return Optional.empty();
        return Optional.of(new TwowayConfig.Webhook(name.get(), uri.get(), format, secret.orElse(null), events, timeout, maxAttempts, includeValues));
    }

    private List<String> events(SectionReader r, String path) {
        List<String> given = r.names("events");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            String e = given.get(i).trim();
            String p = path + ".events" + (r.get("events").orElseThrow() instanceof ConfigNode.Sequence ? "[" + i + "]" : "");
            if (TwowayConfig.Webhook.EVENTS.contains(e)) {
                if (!out.contains(e)) out.add(e);
            } else {
                problem(locate(p), p, "'" + e + "' is not an event twoway sends",
                        ConfigProblem.didYouMean(e, TwowayConfig.Webhook.EVENTS) + "the events are " + String.join(", ", TwowayConfig.Webhook.EVENTS));
            }
        }
        if (given.isEmpty()) {
            problem(r.locate("events"), path + ".events", "the webhook lists no events", "name some, or remove 'events' to send all of them");
        }
        return out.size() == given.size() ? List.copyOf(out) : List.of();
    }

    private Optional<java.net.URI> webhookUrl(String text, boolean allowHttp, Location at, String path) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(text.trim());
        } catch (java.net.URISyntaxException e) {
            problem(at, path, "the url is not a valid URL (" + e.getReason() + ")", "write e.g. https://hooks.example.com/twoway");
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            problem(at, path, "the url is not an http(s) URL with a host", "write e.g. https://hooks.example.com/twoway");
            return Optional.empty();
        }
        if (scheme.equals("http") && !allowHttp && !loopback(uri.getHost().replaceAll("^\\[|]$", ""))) {
            problem(at, path, "the url is plain http to " + uri.getHost() + ", so events (record ids, errors) would cross the network unencrypted",
                    "use https://, or set allow-http: true on this webhook if the network is trusted");
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    private Optional<TwowayConfig.SystemConfig> system(String name, ConfigNode.Mapping node) {
        String path = "systems." + name;
        if (node.entry("connector").map(e -> e.value() instanceof ConfigNode.Scalar s && s.text() != null && s.text().trim().equalsIgnoreCase("rest")).orElse(false)) {
            restSystems.add(name);
            node.entry("resources").map(ConfigNode.Entry::value).filter(v -> v instanceof ConfigNode.Mapping)
                    .ifPresent(v -> ((ConfigNode.Mapping) v).entries().forEach(e -> restResources.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(e.key())));
            return new RestConfigReader(this).system(name, new SectionReader(this, node, path, ConfigReference.REST_SYSTEM))
                    .map(rest -> new TwowayConfig.SystemConfig(name, TwowayConfig.Connector.REST, null, null, null, java.time.ZoneOffset.UTC, rest));
        }
        SectionReader r = new SectionReader(this, node, path, ConfigReference.SYSTEM);
        Optional<TwowayConfig.Connector> connector = r.choice("connector", List.of("postgres", "postgresql", "mariadb", "mysql", "sqlite", "rest"))
                .map(c -> c.equals("postgresql") ? TwowayConfig.Connector.POSTGRES : TwowayConfig.Connector.valueOf(c.toUpperCase(java.util.Locale.ROOT)));
        Optional<String> url = r.text("url");
        Optional<String> filePath = r.text("path");
        String user = r.text("user").orElse(null);
        Secret password = r.text("password").map(Secret::new).orElse(null);
        ZoneId zone = r.text("zone").flatMap(z -> zone(z, r.locate("zone"), path + ".zone")).orElse(java.time.ZoneOffset.UTC);
        r.finish();
        if (connector.isEmpty()) return Optional.empty();
        String jdbc = switch (connector.get()) {
            case SQLITE -> {
                if (filePath.isPresent() && url.isPresent()) {
                    problem(r.locate("path"), path + ".path", "both 'path' and 'url' are set", "keep one: path: ./crm.db");
                }
                if (filePath.isPresent()) yield "jdbc:sqlite:" + resolve(filePath.get());
                if (url.isEmpty()) problem(node.at(), path, "a sqlite system needs the database file", "add path: ./" + name + ".db");
                yield url.orElse(null);
            }
            case REST -> null; // read above
            case POSTGRES, MARIADB, MYSQL -> {
                if (filePath.isPresent()) problem(r.locate("path"), path + ".path", "'path' is for sqlite systems", "use url: jdbc:" + connector.get().configName() + "://host:port/database");
                if (url.isEmpty()) problem(node.at(), path, "'url' is missing", "add url: jdbc:" + (connector.get() == TwowayConfig.Connector.POSTGRES ? "postgresql" : "mariadb") + "://host:port/database");
                yield url.orElse(null);
            }
        };
        if (jdbc == null) return Optional.empty();
        String expected = switch (connector.get()) {
            case POSTGRES -> "jdbc:postgresql:";
            case MARIADB, MYSQL -> "jdbc:(mariadb|mysql):";
            case SQLITE -> "jdbc:sqlite:";
            case REST -> throw new IllegalStateException("unreachable");
        };
        if (!jdbc.matches("(?s)" + expected + ".*")) {
            problem(r.locate("url"), path + ".url", "a " + connector.get().configName() + " system's url must start with " + expected.replace("(mariadb|mysql)", "mariadb"),
                    "write url: " + expected.replace("(mariadb|mysql)", "mariadb") + "//host:port/database, or change 'connector'");
            return Optional.empty();
        }
        if (jdbc.matches("(?i).*[?&;]password=.*") || jdbc.matches("(?s)jdbc:[a-z]+://[^/@:]+:[^/@]*@.*")) {
            problem(r.locate("url"), path + ".url", "the url holds a password", "remove it from the url and write password: ${env:" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_PASSWORD}");
        }
        return Optional.of(new TwowayConfig.SystemConfig(name, connector.get(), jdbc, user, password, zone));
    }

    private Optional<ZoneId> zone(String text, Location at, String path) {
        try {
            return Optional.of(ZoneId.of(text.trim()));
        } catch (DateTimeException e) {
            problem(at, path, "'" + text + "' is not a time zone", "write a zone id such as UTC, Europe/Berlin or +02:00");
            return Optional.empty();
        }
    }

    // ---- syncs -------------------------------------------------------------------------------------------------

    private Optional<TwowayConfig.SyncConfig> sync(String name, ConfigNode.Mapping node, Set<String> systems, Set<String> syncNames) {
        String path = "syncs." + name;
        SectionReader r = new SectionReader(this, node, path, ConfigReference.SYNC);
        TwowayConfig.Capture capture = r.choice("capture", List.of("triggers", "poll", "checksum"))
                .map(c -> TwowayConfig.Capture.valueOf(c.toUpperCase(java.util.Locale.ROOT))).orElse(TwowayConfig.Capture.TRIGGERS);
        String schedule = r.text("schedule").orElse("realtime");
        try {
            dev.twoway.schedule.Schedule.parse(schedule);
        } catch (IllegalArgumentException e) {
            problem(r.locate("schedule"), path + ".schedule", e.getMessage(), "see docs/operations.md#schedules");
        }
        Map<String, TwowayConfig.EndpointConfig> endpoints = new LinkedHashMap<>();
        // every endpoint written counts for the fields and policies naming it, even one with problems of its own
        Set<String> endpointNames = new LinkedHashSet<>();
        r.get("endpoints").flatMap(n -> mapping(n, path + ".endpoints")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                String ep = path + ".endpoints." + e.key();
                endpointNames.add(e.key());
                if (!systems.contains(e.key())) {
                    problem(e.keyAt(), ep, "'" + e.key() + "' is not a configured system",
                            (ConfigValues.closest(e.key(), systems).map(s -> "did you mean '" + s + "'? ").orElse(""))
                                    + "endpoints are named after their system; systems: " + String.join(", ", systems));
                }
                mapping(e.value(), ep).ifPresent(s -> endpoint(e.key(), s, ep, capture, syncNames).ifPresent(x -> endpoints.put(e.key(), x)));
            }
            if (m.entries().size() < 2) problem(m.at(), path + ".endpoints", "a sync needs at least two endpoints, found " + m.entries().size(), "add the other system's table");
        });
        Map<String, TwowayConfig.FieldConfig> fields = new LinkedHashMap<>();
        Set<String> fieldNames = new LinkedHashSet<>(); // likewise every field written
        r.get("fields").flatMap(n -> mapping(n, path + ".fields")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                fieldNames.add(e.key());
                checkName("field", e.key(), e.keyAt(), path + ".fields." + e.key());
                field(e.key(), e.value(), path + ".fields." + e.key(), endpointNames).ifPresent(f -> fields.put(e.key(), f));
            }
            if (m.entries().isEmpty()) problem(m.at(), path + ".fields", "no fields are mapped", "map at least one field: email: { crm: email, erp: Email }");
        });
        List<String> match = new ArrayList<>(r.names("match"));
        for (int i = 0; i < match.size(); i++) {
            if (!fieldNames.contains(match.get(i))) {
                String p = path + ".match" + (r.get("match").orElseThrow() instanceof ConfigNode.Sequence ? "[" + i + "]" : "");
                problem(locations.getOrDefault(p, node.at()), p, "'" + match.get(i) + "' is not a field of the sync", fixField(match.get(i), fieldNames));
            }
        }
        fields.values().stream().filter(TwowayConfig.FieldConfig::match).map(TwowayConfig.FieldConfig::name).filter(f -> !match.contains(f)).forEach(match::add);
        TwowayConfig.Conflicts conflicts = r.section("conflicts", ConfigReference.CONFLICTS)
                .map(c -> conflicts(c, endpointNames, fieldNames))
                .orElse(new TwowayConfig.Conflicts(new ConflictPolicy.LastWriteWins(), Map.of(), List.copyOf(endpointNames), DeleteConflictPolicy.DELETE_WINS, Duration.ofSeconds(1)));
        DeletePolicy deletes = r.get("deletes").map(n -> deletes(n, path + ".deletes", fieldNames)).orElse(new DeletePolicy.Propagate());
        List<TwowayConfig.ValidationRule> rules = r.get("validate").map(n -> rules(n, path + ".validate")).orElse(List.of());
        r.finish();
        for (TwowayConfig.EndpointConfig e : endpoints.values()) {
            e.references().forEach((col, target) -> {
                if (target.equals(name)) problem(locate(path + ".endpoints." + e.system() + ".references." + col), path + ".endpoints." + e.system() + ".references." + col,
                        "a sync cannot reference itself", "reference the sync that holds the referenced table");
            });
        }
        return Optional.of(new TwowayConfig.SyncConfig(name, capture, schedule, endpoints, fields, List.copyOf(match), conflicts, deletes, rules));
    }

    private Location locate(String path) {
        return locations.getOrDefault(path, Location.unknown(file));
    }

    private static String fixField(String given, Set<String> fields) {
        return ConfigValues.closest(given, fields).map(s -> "did you mean '" + s + "'? ").orElse("") + "fields: " + String.join(", ", fields);
    }

    private Optional<TwowayConfig.EndpointConfig> endpoint(String system, ConfigNode.Mapping node, String path, TwowayConfig.Capture syncCapture, Set<String> syncNames) {
        SectionReader r = new SectionReader(this, node, path, ConfigReference.ENDPOINT);
        if (restSystems.contains(system)) return restEndpoint(system, node, path, r, syncNames);
        Optional<String> table = r.text("table");
        if (node.entry("resource").isPresent()) {
            Optional<String> resource = r.text("resource");
            problem(r.locate("resource"), path + ".resource", "'resource' is for rest systems; " + system + " is a database", "write table: " + resource.orElse("<name>"));
        } else if (node.entry("table").isEmpty()) {
            problem(node.at(), path, "'table' is missing", "add table: <name> (The table, spelled as the database spells it.)");
        }
        String schema = r.text("schema").orElse(null);
        List<String> key = r.names("key");
        TwowayConfig.Direction direction = r.choice("direction", List.of("both", "source", "target"))
                .map(d -> TwowayConfig.Direction.valueOf(d.toUpperCase(java.util.Locale.ROOT))).orElse(TwowayConfig.Direction.BOTH);
        TwowayConfig.Capture capture = r.choice("capture", List.of("triggers", "poll", "checksum"))
                .map(c -> TwowayConfig.Capture.valueOf(c.toUpperCase(java.util.Locale.ROOT))).orElse(syncCapture);
        String updatedAt = r.text("updated-at").orElse(null);
        String softDelete = r.text("soft-delete").orElse(null);
        Duration overlap = r.duration("overlap").orElse(Duration.ofSeconds(2));
        Duration deleteScan = r.duration("delete-scan").orElse(null);
        String externalId = r.text("external-id").orElse(null);
        String archive = r.text("archive-table").orElse(null);
        int pageSize = r.integer("page-size", 1).orElse(1000);
        String filter = r.text("filter").orElse(null);
        if (filter != null) compile(filter, Map.of("record", VarType.MAP), VarType.BOOL, r.locate("filter"), path + ".filter");
        Map<String, String> references = new LinkedHashMap<>();
        r.get("references").flatMap(n -> mapping(n, path + ".references")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                String p = path + ".references." + e.key();
                locate(p, e.value().at());
                text(e.value(), p).ifPresent(target -> {
                    if (!syncNames.contains(target)) {
                        problem(e.value().at(), p, "'" + target + "' is not a sync of this config",
                                ConfigValues.closest(target, syncNames).map(s -> "did you mean '" + s + "'? ").orElse("") + "syncs: " + String.join(", ", syncNames));
                    }
                    references.put(e.key(), target);
                });
            }
        });
        r.finish();
        if (capture == TwowayConfig.Capture.POLL && updatedAt == null && direction != TwowayConfig.Direction.TARGET) {
            problem(node.at(), path, "capture 'poll' needs the column holding each row's modification time",
                    "add updated-at: <column>, or use capture: triggers or checksum for a table without one");
        }
        if (capture != TwowayConfig.Capture.POLL) {
            for (String k : List.of("updated-at", "soft-delete", "delete-scan")) {
                if (node.entry(k).isPresent()) problem(r.locate(k), path + "." + k, "'" + k + "' only applies to capture 'poll' (this endpoint uses '"
                        + capture.name().toLowerCase(java.util.Locale.ROOT) + "')", "remove it or set capture: poll");
            }
        }
        return table.map(t -> new TwowayConfig.EndpointConfig(system, t, schema, key, direction, capture, updatedAt, softDelete, overlap,
                deleteScan, externalId, archive, pageSize, filter, references));
    }

    /** A resource of a rest system in a sync: {@code table} of the endpoint holds the resource's name. */
    private Optional<TwowayConfig.EndpointConfig> restEndpoint(String system, ConfigNode.Mapping node, String path, SectionReader r, Set<String> syncNames) {
        Optional<String> resource = r.text("resource");
        if (node.entry("table").isPresent()) {
            Optional<String> table = r.text("table");
            problem(r.locate("table"), path + ".table", "'table' is for databases; a rest endpoint names its resource", "write resource: " + table.orElse("<resource>"));
        } else if (node.entry("resource").isEmpty()) {
            problem(node.at(), path, "'resource' is missing", "add resource: <one of the resources of system " + system + ">");
        }
        TwowayConfig.Direction direction = r.choice("direction", List.of("both", "source", "target"))
                .map(d -> TwowayConfig.Direction.valueOf(d.toUpperCase(java.util.Locale.ROOT))).orElse(TwowayConfig.Direction.BOTH);
        String filter = r.text("filter").orElse(null);
        if (filter != null) compile(filter, Map.of("record", VarType.MAP), VarType.BOOL, r.locate("filter"), path + ".filter");
        Map<String, String> references = new LinkedHashMap<>();
        r.get("references").flatMap(n -> mapping(n, path + ".references")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                locate(path + ".references." + e.key(), e.value().at());
                text(e.value(), path + ".references." + e.key()).ifPresent(target -> {
                    if (!syncNames.contains(target)) {
                        problem(e.value().at(), path + ".references." + e.key(), "'" + target + "' is not a sync of this config",
                                ConfigValues.closest(target, syncNames).map(s -> "did you mean '" + s + "'? ").orElse("") + "syncs: " + String.join(", ", syncNames));
                    }
                    references.put(e.key(), target);
                });
            }
        });
        for (ConfigNode.Entry e : node.entries()) {
            if (List.of("resource", "table", "direction", "filter", "references").contains(e.key()) || ConfigReference.ENDPOINT.key(e.key()).isEmpty()) continue;
            r.get(e.key());
            problem(e.keyAt(), path + "." + e.key(), "'" + e.key() + "' does not apply to a rest endpoint",
                    "remove it; a resource's settings (modified-at, deletes, paging…) are under systems." + system + ".resources");
        }
        r.finish();
        Set<String> written = restResources.getOrDefault(system, Set.of());
        if (resource.isPresent() && !written.contains(resource.get())) {
            problem(r.locate("resource"), path + ".resource", "'" + resource.get() + "' is not a resource of system " + system,
                    ConfigValues.closest(resource.get(), written).map(s -> "did you mean '" + s + "'? ").orElse("")
                            + "resources: " + String.join(", ", written));
        }
        return resource.map(res -> new TwowayConfig.EndpointConfig(system, res, null, List.of(), direction, TwowayConfig.Capture.POLL, null, null,
                Duration.ofSeconds(2), null, null, null, 1000, filter, references));
    }

    private Optional<TwowayConfig.FieldConfig> field(String name, ConfigNode node, String path, Set<String> endpoints) {
        Optional<ConfigNode.Mapping> m = mapping(node, path);
        if (m.isEmpty()) return Optional.empty();
        SectionReader r = new SectionReader(this, m.get(), path, ConfigReference.FIELD);
        Optional<ValueType> type = r.text("type").flatMap(t -> {
            try {
                return Optional.of(ValueType.parse(t));
            } catch (IllegalArgumentException e) {
                problem(r.locate("type"), path + ".type", e.getMessage(), null);
                return Optional.empty();
            }
        });
        boolean match = r.bool("match").orElse(false);
        boolean sensitive = r.bool("sensitive").orElse(false);
        Map<String, TwowayConfig.ColumnConfig> columns = new LinkedHashMap<>();
        for (ConfigNode.Entry e : m.get().entries()) {
            if (!endpoints.contains(e.key())) continue;
            r.accept(e.key());
            column(e.value(), path + "." + e.key()).ifPresent(c -> columns.put(e.key(), c));
        }
        r.finish(List.copyOf(endpoints), k -> false);
        if (columns.isEmpty() && m.get().entries().stream().noneMatch(e -> !ConfigReference.FIELD.names().contains(e.key()))) {
            problem(node.at(), path, "field '" + name + "' is not mapped to any endpoint", "add a column per system, e.g. " + name + ": { "
                    + String.join(", ", endpoints.stream().map(s -> s + ": " + name).toList()) + " }");
        }
        return Optional.of(new TwowayConfig.FieldConfig(name, type, match, sensitive, columns));
    }

    private Optional<TwowayConfig.ColumnConfig> column(ConfigNode node, String path) {
        if (node instanceof ConfigNode.Scalar) {
            return text(node, path).map(c -> new TwowayConfig.Direct(c, Map.of(), null, null, null, null, null, null, null));
        }
        Optional<ConfigNode.Mapping> m = mapping(node, path);
        if (m.isEmpty()) return Optional.empty();
        SectionReader r = new SectionReader(this, m.get(), path, ConfigReference.COLUMN);
        Optional<String> from = r.text("from");
        Optional<ConfigNode> to = r.get("to");
        Optional<String> column = r.text("column");
        if (from.isPresent() || to.isPresent()) {
            for (String k : List.of("column", "values", "fallback", "default", "format", "zone", "true", "false", "bytes")) {
                if (m.get().entry(k).isPresent()) {
                    r.get(k);
                    problem(r.locate(k), path + "." + k, "'" + k + "' does not apply to a computed field (from/to)", "remove it");
                }
            }
            r.finish();
            if (from.isEmpty() || to.isEmpty()) {
                problem(node.at(), path, "a computed field needs both 'from' (row → value) and 'to' (value → each column)",
                        "add the missing one, e.g. from: \"row.first + ' ' + row.last\" and to: { first: \"record.name.split(' ')[0]\" }");
                return Optional.empty();
            }
            compile(from.get(), Map.of("row", VarType.MAP), VarType.DYN, r.locate("from"), path + ".from");
            Map<String, String> toExpr = new LinkedHashMap<>();
            mapping(to.get(), path + ".to").ifPresent(tm -> {
                for (ConfigNode.Entry e : tm.entries()) {
                    locate(path + ".to." + e.key(), e.value().at());
                    text(e.value(), path + ".to." + e.key()).ifPresent(src -> {
                        compile(src, Map.of("record", VarType.MAP), VarType.DYN, e.value().at(), path + ".to." + e.key());
                        toExpr.put(e.key(), src);
                    });
                }
            });
            return Optional.of(new TwowayConfig.Computed(from.get(), toExpr));
        }
        Map<String, String> values = new LinkedHashMap<>();
        r.get("values").flatMap(n -> mapping(n, path + ".values")).ifPresent(vm -> {
            for (ConfigNode.Entry e : vm.entries()) {
                locate(path + ".values." + e.key(), e.value().at());
                text(e.value(), path + ".values." + e.key()).ifPresent(v -> values.put(e.key(), v));
            }
        });
        String fallback = r.text("fallback").orElse(null);
        Value def = r.text("default").map(Value::str).orElse(null);
        String format = r.text("format").orElse(null);
        if (format != null) {
            try {
                java.time.format.DateTimeFormatter.ofPattern(format);
            } catch (IllegalArgumentException e) {
                problem(r.locate("format"), path + ".format", "'" + format + "' is not a date pattern: " + e.getMessage(), "write e.g. yyyy-MM-dd or dd.MM.yyyy HH:mm");
            }
        }
        ZoneId zone = r.text("zone").flatMap(z -> zone(z, r.locate("zone"), path + ".zone")).orElse(null);
        String t = r.text("true").orElse(null);
        String f = r.text("false").orElse(null);
        String bytes = r.choice("bytes", List.of("base64", "hex", "utf8")).orElse(null);
        r.finish();
        if (column.isEmpty()) {
            problem(node.at(), path, "'column' is missing", "add column: <name>, or write the column name directly: " + path.substring(path.lastIndexOf('.') + 1) + ": <column>");
            return Optional.empty();
        }
        return Optional.of(new TwowayConfig.Direct(column.get(), values, fallback, def, format, zone, t, f, bytes));
    }

    private void compile(String source, Map<String, VarType> vars, VarType result, Location at, String path) {
        try {
            Expression.compile(source, vars, result);
        } catch (ExpressionException e) {
            problem(at, path, e.getMessage(), // it quotes the expression and says what is wrong where
                    "variables available here: " + String.join(", ", vars.keySet()) + " (CEL syntax, see docs/configuration.md)");
        }
    }

    private TwowayConfig.Conflicts conflicts(SectionReader r, Set<String> systems, Set<String> fields) {
        String path = r.child("").replaceAll("\\.$", "");
        List<String> priority = r.names("priority");
        checkSystems(priority, path + ".priority", systems);
        priority.stream().filter(s -> java.util.Collections.frequency(priority, s) > 1).distinct().forEach(s ->
                problem(locate(path + ".priority"), path + ".priority", "'" + s + "' is listed twice", "name each system once, first wins"));
        // the plain word 'priority' follows this order (the listed systems first), as the reference says
        List<String> order = new ArrayList<>(priority);
        systems.stream().filter(s -> !order.contains(s)).forEach(order::add);
        ConflictPolicy def = r.get("default").flatMap(n -> policy(n, path + ".default", systems, order)).orElse(new ConflictPolicy.LastWriteWins());
        Map<String, ConflictPolicy> perField = new LinkedHashMap<>();
        r.get("fields").flatMap(n -> mapping(n, path + ".fields")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                String p = path + ".fields." + e.key();
                locate(p, e.value().at());
                if (!fields.contains(e.key())) problem(e.keyAt(), p, "'" + e.key() + "' is not a field of the sync", fixField(e.key(), fields));
                policy(e.value(), p, systems, order).ifPresent(pol -> perField.put(e.key(), pol));
            }
        });
        DeleteConflictPolicy dvu = r.choice("delete-vs-update", List.of("delete-wins", "update-wins", "manual"))
                .map(s -> DeleteConflictPolicy.valueOf(s.toUpperCase(java.util.Locale.ROOT).replace('-', '_'))).orElse(DeleteConflictPolicy.DELETE_WINS);
        Duration skew = r.duration("skew-window").orElse(Duration.ofSeconds(1));
        r.finish();
        return new TwowayConfig.Conflicts(def, perField, order, dvu, skew);
    }

    private void checkSystems(List<String> names, String path, Set<String> systems) {
        for (int i = 0; i < names.size(); i++) {
            if (systems.contains(names.get(i))) continue;
            String p = locations.containsKey(path + "[" + i + "]") ? path + "[" + i + "]" : path;
            problem(locate(p), p, "'" + names.get(i) + "' is not an endpoint of this sync",
                    ConfigValues.closest(names.get(i), systems).map(s -> "did you mean '" + s + "'? ").orElse("") + "endpoints: " + String.join(", ", systems));
        }
    }

    private static final List<String> POLICIES = List.of("last-write-wins", "priority", "manual", "owner", "rule");

    /** @param order the sync's system order, for the plain word {@code priority} */
    private Optional<ConflictPolicy> policy(ConfigNode n, String path, Set<String> systems, List<String> order) {
        if (n instanceof ConfigNode.Scalar) {
            return text(n, path).flatMap(t -> switch (t.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "last-write-wins", "lww" -> Optional.of(new ConflictPolicy.LastWriteWins());
                case "priority" -> Optional.of(new ConflictPolicy.Priority(order));
                case "manual" -> Optional.of(new ConflictPolicy.Manual());
                default -> {
                    problem(n.at(), path, "'" + t + "' is not a conflict policy",
                            ConfigValues.closest(t, POLICIES).map(s -> "did you mean '" + s + "'? ").orElse("")
                                    + "write last-write-wins, priority, manual, { owner: <system> }, { priority: [<system>, …] } or { rule: <expression> }");
                    yield Optional.empty();
                }
            });
        }
        Optional<ConfigNode.Mapping> m = mapping(n, path);
        if (m.isEmpty()) return Optional.empty();
        if (m.get().entries().size() != 1) {
            problem(n.at(), path, "a policy section has exactly one key (owner, priority or rule)", "write e.g. { owner: crm }");
            return Optional.empty();
        }
        ConfigNode.Entry e = m.get().entries().getFirst();
        String p = path + "." + e.key();
        locate(p, e.value().at());
        return switch (e.key()) {
            case "owner" -> text(e.value(), p).flatMap(s -> {
                checkSystems(List.of(s), p, systems);
                return systems.contains(s) ? Optional.of(new ConflictPolicy.Owner(s)) : Optional.empty();
            });
            case "priority" -> {
                List<String> listed = names(e.value(), p);
                checkSystems(listed, p, systems);
                yield Optional.of(new ConflictPolicy.Priority(listed));
            }
            case "rule" -> text(e.value(), p).flatMap(src -> {
                try {
                    return Optional.of(new ConflictPolicy.Rule(src, new dev.twoway.expr.CelConflictRule(src)));
                } catch (ExpressionException ex) {
                    problem(e.value().at(), p, ex.getMessage(),
                            "variables: field, base, current and incoming (maps with value, system, time)");
                    return Optional.empty();
                }
            });
            default -> {
                problem(e.keyAt(), p, "unknown policy '" + e.key() + "'", "write owner, priority or rule");
                yield Optional.empty();
            }
        };
    }

    private DeletePolicy deletes(ConfigNode n, String path, Set<String> fields) {
        if (n instanceof ConfigNode.Scalar) {
            return text(n, path).map(t -> deletePolicy(t, n.at(), path, null, null, fields)).orElse(new DeletePolicy.Propagate());
        }
        Optional<ConfigNode.Mapping> m = mapping(n, path);
        if (m.isEmpty()) return new DeletePolicy.Propagate();
        SectionReader r = new SectionReader(this, m.get(), path, ConfigReference.DELETES);
        Optional<String> policy = r.text("policy");
        String field = r.text("field").orElse(null);
        String value = r.text("value").orElse(null);
        r.finish();
        return policy.map(p -> deletePolicy(p, r.locate("policy"), path, field, value, fields)).orElse(new DeletePolicy.Propagate());
    }

    private DeletePolicy deletePolicy(String text, Location at, String path, String field, String value, Set<String> fields) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (t) {
            case "propagate" -> new DeletePolicy.Propagate();
            case "archive" -> new DeletePolicy.Archive();
            case "confirm" -> new DeletePolicy.Confirm();
            case "ignore" -> new DeletePolicy.Ignore();
            case "soft" -> {
                if (field == null || value == null) {
                    problem(at, path, "the soft delete policy needs the field to set and its value", "write deletes: { policy: soft, field: active, value: false }");
                    yield new DeletePolicy.Propagate();
                }
                if (!fields.contains(field)) problem(locate(path + ".field"), path + ".field", "'" + field + "' is not a field of the sync", fixField(field, fields));
                yield new DeletePolicy.Soft(field, Value.str(value));
            }
            default -> {
                List<String> known = List.of("propagate", "soft", "archive", "confirm", "ignore");
                problem(at, path, "'" + text + "' is not a delete policy",
                        ConfigValues.closest(text, known).map(s -> "did you mean '" + s + "'? ").orElse("") + "write one of " + String.join(", ", known));
                yield new DeletePolicy.Propagate();
            }
        };
    }

    private List<TwowayConfig.ValidationRule> rules(ConfigNode n, String path) {
        if (!(n instanceof ConfigNode.Sequence s)) {
            problem(n.at(), path, "expected a list of rules, found " + n.kind(), "write - rule: \"record.email.contains('@')\"");
            return List.of();
        }
        List<TwowayConfig.ValidationRule> out = new ArrayList<>();
        for (int i = 0; i < s.items().size(); i++) {
            String p = path + "[" + i + "]";
            mapping(s.items().get(i), p).ifPresent(m -> {
                SectionReader r = new SectionReader(this, m, p, ConfigReference.RULE);
                Optional<String> rule = r.text("rule");
                String message = r.text("message").orElse(null);
                r.finish();
                rule.ifPresent(src -> {
                    compile(src, Map.of("record", VarType.MAP), VarType.BOOL, r.locate("rule"), p + ".rule");
                    out.add(new TwowayConfig.ValidationRule(src, message == null ? "breaks rule " + src : message));
                });
            });
        }
        return out;
    }
}
