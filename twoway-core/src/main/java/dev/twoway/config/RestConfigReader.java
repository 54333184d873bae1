package dev.twoway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Reads a {@code connector: rest} system for {@link ConfigReader}, reporting its problems there. */
final class RestConfigReader {
    private final ConfigReader reader;

    RestConfigReader(ConfigReader reader) {
        this.reader = reader;
    }

    Optional<RestSystemConfig> system(String name, SectionReader r) {
        String path = "systems." + name;
        r.text("connector");
        boolean presetWritten = r.node().entry("preset").isPresent();
        Optional<String> preset = r.choice("preset", RestSystemConfig.SYSTEM_PRESETS);
        boolean allowHttp = r.bool("allow-http").orElse(false);
        Optional<URI> baseUrl = r.text("base-url").flatMap(u -> baseUrl(u, allowHttp, r.locate("base-url"), path + ".base-url"));
        if (r.node().entry("base-url").isEmpty()) {
            if (preset.isPresent()) baseUrl = Optional.of(HUBSPOT_API);
            else if (!presetWritten) reader.problem(r.at(), path, "'base-url' is missing", "add base-url: https://api.example.com/v1 (or preset: hubspot for HubSpot)");
        }
        boolean hasAuth = r.node().entry("auth").isPresent();
        Optional<RestSystemConfig.Auth> auth = r.get("auth").isEmpty() ? Optional.of(new RestSystemConfig.Auth.None())
                : r.section("auth", ConfigReference.REST_AUTH).flatMap(a -> auth(name, a, path + ".auth"));
        if (preset.isPresent() && !hasAuth) {
            reader.problem(r.at(), path, "HubSpot answers no request without credentials, and system " + name + " has no 'auth'",
                    "add auth: { type: bearer, token: \"${env:HUBSPOT_TOKEN}\" } (a private app's access token), or type: oauth2 with a refresh token (see docs/http.md)");
        }
        Duration timeout = r.duration("timeout").orElse(Duration.ofSeconds(30));
        double rps = r.text("requests-per-second").flatMap(t -> positive(t, r.locate("requests-per-second"), path + ".requests-per-second"))
                .orElse(preset.isPresent() ? HUBSPOT_REQUESTS_PER_SECOND : 50.0);
        int concurrency = r.integer("max-concurrency", 1).orElse(4);
        int retries = r.integer("max-retries", 0).orElse(3);
        Duration retryAfter = r.duration("max-retry-after").orElse(Duration.ofSeconds(60));
        Map<String, RestSystemConfig.Resource> resources = new LinkedHashMap<>();
        java.util.Set<String> written = new java.util.LinkedHashSet<>();
        boolean presetFailed = presetWritten && preset.isEmpty(); // reported once, at the system's preset
        r.get("resources").flatMap(n -> reader.mapping(n, path + ".resources")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                String p = path + ".resources." + e.key();
                written.add(e.key());
                reader.mapping(e.value(), p).flatMap(s -> resource(e.key(), new SectionReader(reader, s, p, ConfigReference.RESOURCE), p, name, preset, presetFailed))
                        .ifPresent(x -> resources.put(e.key(), x));
            }
            if (m.entries().isEmpty()) reader.problem(m.at(), path + ".resources", "no resources are configured", "add one: customers: { path: /customers }");
        });
        Optional<RestSystemConfig.Webhooks> webhooks = r.section("webhooks", ConfigReference.REST_WEBHOOKS)
                .flatMap(w -> new WebhookConfigReader(reader, this).webhooks(name, w, path + ".webhooks", preset, presetFailed, resources, written));
        boolean webhooksOk = r.node().entry("webhooks").isEmpty() || webhooks.isPresent();
        r.finish();
        if (baseUrl.isEmpty() || auth.isEmpty() || !webhooksOk) return Optional.empty();
        return Optional.of(new RestSystemConfig(baseUrl.get(), auth.get(), timeout, rps, concurrency, retries, retryAfter, Map.copyOf(resources),
                preset.orElse(null), webhooks.orElse(null)));
    }

    /** HubSpot's API host, the base-url of {@code preset: hubspot}. */
    static final URI HUBSPOT_API = URI.create("https://api.hubapi.com");
    /**
     * HubSpot's documented limits for private apps start at 100 requests per 10 s (and 5 per second for search): 9 a
     * second leaves room for the token requests and for a burst of searches.
     */
    static final double HUBSPOT_REQUESTS_PER_SECOND = 9;

    private Optional<URI> baseUrl(String text, boolean allowHttp, Location at, String path) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            reader.problem(at, path, "'" + text + "' is not a valid URL (" + e.getReason() + ")", "write e.g. https://api.example.com/v1");
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            reader.problem(at, path, "'" + text + "' is not an http(s) URL with a host", "write e.g. https://api.example.com/v1");
            return Optional.empty();
        }
        if (uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
            reader.problem(at, path, "the base-url holds a query or user info (credentials belong in auth)", "write only scheme, host, port and path; put keys in auth");
            return Optional.empty();
        }
        String host = uri.getHost().replaceAll("^\\[|]$", "");
        boolean loopback = host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
        if (scheme.equals("http") && !allowHttp && !loopback) {
            reader.problem(at, path, "the base-url is plain http to " + host + ": credentials and records would cross the network unencrypted",
                    "use https://, or set allow-http: true on this system if the network is trusted");
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    private Optional<Double> positive(String t, Location at, String path) {
        try {
            double v = Double.parseDouble(t.trim());
            if (v > 0 && Double.isFinite(v)) return Optional.of(v);
        } catch (NumberFormatException e) {
            // reported below
        }
        reader.problem(at, path, "'" + t + "' is not a number above 0", "write e.g. 10 or 0.5");
        return Optional.empty();
    }

    // ---- auth --------------------------------------------------------------------------------------------------

    private static final List<String> AUTH_TYPES = List.of("bearer", "api-key", "basic", "oauth2");

    private static final Map<String, List<String>> AUTH_KEYS = Map.of(
            "bearer", List.of("token"),
            "api-key", List.of("header", "query", "key"),
            "basic", List.of("user", "password"),
            "oauth2", List.of("token-url", "client-id", "client-secret", "scope", "refresh-token", "client-auth"));

    private Optional<RestSystemConfig.Auth> auth(String system, SectionReader r, String path) {
        Optional<String> type = r.choice("type", AUTH_TYPES);
        String env = system.toUpperCase(Locale.ROOT).replace('-', '_');
        if (type.isEmpty()) {
            AUTH_KEYS.values().forEach(keys -> keys.forEach(r::get)); // one problem (the type), not one per key
            r.finish();
            return Optional.empty();
        }
        for (var e : AUTH_KEYS.entrySet()) {
            if (e.getKey().equals(type.get())) continue;
            for (String k : e.getValue()) {
                if (AUTH_KEYS.get(type.get()).contains(k) || r.node().entry(k).isEmpty()) continue;
                r.get(k);
                reader.problem(r.locate(k), path + "." + k, "'" + k + "' does not apply to auth type " + type.get(),
                        "remove it; " + type.get() + " takes " + String.join(", ", AUTH_KEYS.get(type.get())));
            }
        }
        Optional<RestSystemConfig.Auth> out = switch (type.get()) {
            case "bearer" -> required(r, "token", path, "${env:" + env + "_TOKEN}").map(RestSystemConfig.Auth.Bearer::new);
            case "api-key" -> {
                Optional<String> header = r.text("header");
                Optional<String> query = r.text("query");
                Optional<Secret> key = required(r, "key", path, "${env:" + env + "_API_KEY}");
                if (header.isPresent() && query.isPresent()) {
                    reader.problem(r.locate("query"), path + ".query", "both 'header' and 'query' are set", "keep one: the key travels in a header or in a query parameter");
                    yield Optional.empty();
                }
                yield key.map(k -> new RestSystemConfig.Auth.ApiKey(query.orElse(header.orElse("X-API-Key")), k, query.isPresent()));
            }
            case "basic" -> {
                Optional<String> user = r.text("user");
                if (user.isEmpty() && r.node().entry("user").isEmpty()) reader.problem(r.at(), path, "basic auth needs 'user'", "add user: <name>");
                Optional<Secret> password = required(r, "password", path, "${env:" + env + "_PASSWORD}");
                yield user.isPresent() && password.isPresent() ? Optional.of(new RestSystemConfig.Auth.Basic(user.get(), password.get())) : Optional.empty();
            }
            default -> {
                Optional<URI> tokenUrl = r.text("token-url").flatMap(u -> baseUrl(u, false, r.locate("token-url"), path + ".token-url"));
                if (r.node().entry("token-url").isEmpty()) reader.problem(r.at(), path, "oauth2 needs 'token-url'", "add token-url: https://login.example.com/oauth/token");
                Optional<String> clientId = r.text("client-id");
                if (r.node().entry("client-id").isEmpty()) reader.problem(r.at(), path, "oauth2 needs 'client-id'", "add client-id: <the app's client id>");
                // a public client (no secret) can only use a refresh token; a confidential one may use either grant
                boolean hasRefresh = r.node().entry("refresh-token").isPresent();
                Optional<Secret> clientSecret = hasRefresh && r.node().entry("client-secret").isEmpty() ? Optional.empty()
                        : required(r, "client-secret", path, "${env:" + env + "_CLIENT_SECRET} (or give refresh-token for a public client)");
                boolean secretOk = clientSecret.isPresent() || hasRefresh && r.node().entry("client-secret").isEmpty();
                String scope = r.text("scope").orElse(null);
                Optional<Secret> refresh = hasRefresh ? secret(r, "refresh-token", path) : Optional.empty();
                boolean refreshOk = !hasRefresh || refresh.isPresent();
                // How the client authenticates at the token endpoint: HTTP basic (RFC 6749 2.3.1) or form fields.
                boolean inBody = r.node().entry("client-auth").isPresent() && r.choice("client-auth", List.of("basic", "body")).map("body"::equals).orElse(false);
                yield tokenUrl.isPresent() && clientId.isPresent() && secretOk && refreshOk
                        ? Optional.of(new RestSystemConfig.Auth.OAuth2(tokenUrl.get(), clientId.get(), clientSecret.orElse(null), scope, refresh.orElse(null), inBody))
                        : Optional.empty();
            }
        };
        r.finish();
        return out;
    }

    Optional<Secret> required(SectionReader r, String key, String path, String example) {
        if (r.node().entry(key).isEmpty()) {
            r.get(key);
            reader.problem(r.at(), path, "'" + key + "' is missing", "add " + key + ": " + example);
            return Optional.empty();
        }
        return secret(r, key, path);
    }

    /** A secret is only ever a placeholder: a value written into the file would end up in backups and repositories. */
    Optional<Secret> secret(SectionReader r, String key, String path) {
        Optional<ConfigNode> n = r.get(key);
        if (n.isPresent() && n.get() instanceof ConfigNode.Scalar s && s.text() != null && !s.text().strip().matches("\\$\\{(env|file):[^}]+}")) {
            reader.problem(s.at(), path + "." + key, "'" + key + "' is written into the file; secrets must come from the environment or a file",
                    "write " + key + ": ${env:NAME} or ${file:PATH} (the file holding only the secret)");
            return Optional.empty();
        }
        return n.flatMap(x -> reader.text(x, path + "." + key)).map(Secret::new);
    }

    // ---- resources ---------------------------------------------------------------------------------------------

    /** The keys a preset resource takes; the preset sets all others. */
    private static final List<String> PRESET_KEYS = List.of("preset", "properties", "overlap", "deletes");

    private Optional<RestSystemConfig.Resource> resource(String name, SectionReader r, String path, String system, Optional<String> systemPreset,
                                                         boolean systemPresetFailed) {
        if (r.node().entry("preset").isPresent()) return presetResource(name, r, path, system, systemPreset, systemPresetFailed);
        if (r.node().entry("properties").isPresent()) {
            r.get("properties");
            reader.problem(r.locate("properties"), path + ".properties", "'properties' only applies to a preset resource (preset: hubspot-contacts)",
                    "remove it; list the fields to read besides the mapped ones in fields:");
        }
        if (r.node().entry("path").isEmpty()) {
            reader.problem(r.at(), path, "'path' is missing", "add path: /customers (the collection, relative to base-url)"
                    + (systemPreset.isPresent() ? ", or preset: hubspot-contacts" : ""));
        }
        Optional<String> p = r.text("path").flatMap(x -> urlPath(x, r.locate("path"), path + ".path"));
        Optional<String> itemPath = r.text("item-path").flatMap(x -> urlPath(x, r.locate("item-path"), path + ".item-path"));
        itemPath.filter(x -> !x.contains("{id}")).ifPresent(x -> reader.problem(r.locate("item-path"), path + ".item-path",
                "'" + x + "' does not say where the id goes", "write e.g. " + p.orElse("/customers") + "/{id}"));
        String items = pointer(r, "items", path).orElse("");
        String item = pointer(r, "item", path).orElse("");
        String id = pointer(r, "id", path).orElse("/id");
        List<String> fields = r.names("fields");
        String modifiedAt = pointer(r, "modified-at", path).orElse(null);
        String modifiedSince = r.text("modified-since").orElse(null);
        if (modifiedSince != null && modifiedAt == null && r.node().entry("modified-at").isEmpty()) {
            reader.problem(r.locate("modified-since"), path + ".modified-since", "'modified-since' needs 'modified-at' (where each item holds its modification time)",
                    "add modified-at: /updatedAt, or remove modified-since");
        }
        Map<String, String> listQuery = new LinkedHashMap<>();
        r.get("list-query").flatMap(n -> reader.mapping(n, path + ".list-query")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                reader.locate(path + ".list-query." + e.key(), e.value().at());
                reader.text(e.value(), path + ".list-query." + e.key()).ifPresent(v -> listQuery.put(e.key(), v));
            }
        });
        RestSystemConfig.Paging paging = r.section("paging", ConfigReference.PAGING).map(s -> paging(s, path + ".paging")).orElse(RestSystemConfig.Paging.DEFAULT);
        String update = r.choice("update", List.of("patch", "put")).orElse("patch").toUpperCase(Locale.ROOT);
        RestSystemConfig.Conditional conditional = r.choice("conditional", List.of("etag", "version", "read-compare-write"))
                .map(c -> RestSystemConfig.Conditional.valueOf(c.toUpperCase(Locale.ROOT).replace('-', '_'))).orElse(RestSystemConfig.Conditional.ETAG);
        String versionField = r.text("version-field").orElse(null);
        if (conditional == RestSystemConfig.Conditional.VERSION && versionField == null) {
            reader.problem(r.locate("conditional"), path + ".conditional", "conditional 'version' needs the field holding the version",
                    "add version-field: version (the field the API increments on every change)");
        }
        if (versionField != null && conditional != RestSystemConfig.Conditional.VERSION) {
            reader.problem(r.locate("version-field"), path + ".version-field", "'version-field' only applies to conditional: version", "set conditional: version, or remove version-field");
        }
        Duration overlap = r.duration("overlap").orElse(Duration.ofSeconds(2));
        RestSystemConfig.Deletes deletes = r.section("deletes", ConfigReference.REST_DELETES).map(s -> deletes(s, path + ".deletes"))
                .orElse(new RestSystemConfig.Deletes.None());
        r.finish();
        if (p.isEmpty()) return Optional.empty();
        return Optional.of(new RestSystemConfig.Resource(name, p.get(), itemPath.orElse(p.get() + "/{id}"), items, item, id, List.copyOf(fields), modifiedAt,
                modifiedSince, Map.copyOf(listQuery), paging, update, conditional, versionField, overlap, deletes, null));
    }

    /**
     * A resource twoway knows. Its path, pointers, paging and writes come from the preset (built by the connector);
     * only the properties to read, the overlap and the delete scan are the user's.
     */
    private Optional<RestSystemConfig.Resource> presetResource(String name, SectionReader r, String path, String system, Optional<String> systemPreset,
                                                               boolean systemPresetFailed) {
        Optional<String> preset = r.choice("preset", RestSystemConfig.RESOURCE_PRESETS);
        preset.filter(x -> systemPreset.isEmpty() && !systemPresetFailed).ifPresent(x -> reader.problem(r.locate("preset"), path + ".preset",
                "'" + x + "' is a HubSpot resource, but system " + system + " is not preset: hubspot",
                "add preset: hubspot to systems." + system + " (it sets HubSpot's base-url and request budget)"));
        List<String> properties = r.names("properties");
        for (String prop : properties) {
            if (!prop.matches("[A-Za-z0-9_]+")) {
                reader.problem(r.locate("properties"), path + ".properties", "'" + prop + "' is not a HubSpot property name (letters, digits and _ only)",
                        "write the property's internal name, e.g. email or firstname (not /properties/email)");
            }
        }
        for (ConfigNode.Entry e : r.node().entries()) {
            if (PRESET_KEYS.contains(e.key()) || ConfigReference.RESOURCE.key(e.key()).isEmpty()) continue;
            r.get(e.key());
            reader.problem(e.keyAt(), path + "." + e.key(), "'" + e.key() + "' does not apply to a preset resource: " + preset.orElse("the preset") + " sets it",
                    "remove it; a preset resource takes only " + String.join(", ", PRESET_KEYS));
        }
        Duration overlap = r.duration("overlap").orElse(Duration.ofSeconds(2));
        Optional<RestSystemConfig.Deletes> deletes = r.section("deletes", ConfigReference.REST_DELETES).map(s -> deletes(s, path + ".deletes"));
        deletes.filter(d -> d instanceof RestSystemConfig.Deletes.DeletedFlag || d instanceof RestSystemConfig.Deletes.Tombstones)
                .ifPresent(d -> reader.problem(r.locate("deletes"), path + ".deletes", "HubSpot archives deleted objects and lists no deletions: only id-scan or none apply",
                        "write deletes: { detect: id-scan, every: 15m } (a contact.deletion webhook reports a delete at once)"));
        r.finish();
        // The path is for messages only: the connector takes the preset's own.
        return preset.map(x -> new RestSystemConfig.Resource(name, "/crm/v3/objects/" + x.substring(x.indexOf('-') + 1), "/crm/v3/objects/"
                + x.substring(x.indexOf('-') + 1) + "/{id}", "/results", "", "/id", List.of(), null, null, Map.of(), RestSystemConfig.Paging.DEFAULT,
                "PATCH", RestSystemConfig.Conditional.READ_COMPARE_WRITE, null, overlap,
                deletes.orElse(new RestSystemConfig.Deletes.IdScan(Duration.ofMinutes(15))), new RestSystemConfig.Preset(x, properties)));
    }

    private Optional<String> urlPath(String text, Location at, String path) {
        String t = text.trim();
        if (!t.startsWith("/") || t.contains("?") || t.contains("://")) {
            reader.problem(at, path, "'" + text + "' is not a path relative to the base-url", "write it starting with /, without a query, e.g. /customers");
            return Optional.empty();
        }
        return Optional.of(t);
    }

    /** A JSON Pointer: empty (the whole body) or {@code /a/b}. */
    Optional<String> pointer(SectionReader r, String key, String path) {
        return r.text(key).flatMap(t -> {
            String s = t.trim();
            if (s.isEmpty() || s.startsWith("/")) return Optional.of(s);
            reader.problem(r.locate(key), path + "." + key, "'" + t + "' is not a JSON Pointer", "write it starting with /, e.g. /" + s.replace('.', '/'));
            return Optional.empty();
        });
    }

    private RestSystemConfig.Paging paging(SectionReader r, String path) {
        String style = r.choice("style", List.of("page", "offset", "link", "cursor", "none")).orElse("page");
        int size = r.integer("size", 1).orElse(100);
        String sizeParam = r.text("size-param").orElse("limit");
        String pageParam = r.text("page-param").orElse(style.equals("offset") ? "offset" : "page");
        int firstPage = r.integer("first-page", 0).orElse(1);
        String cursorParam = r.text("cursor-param").orElse("after");
        String cursorPointer = pointer(r, "cursor-pointer", path).orElse(null);
        if (style.equals("cursor") && cursorPointer == null && r.node().entry("cursor-pointer").isEmpty()) {
            reader.problem(r.at(), path, "cursor paging needs 'cursor-pointer' (where a response holds the next page's cursor)", "add cursor-pointer: /paging/next/after");
        }
        for (var e : Map.of("page-param", List.of("page", "offset"), "first-page", List.of("page"), "cursor-param", List.of("cursor"), "cursor-pointer", List.of("cursor")).entrySet()) {
            if (r.node().entry(e.getKey()).isPresent() && !e.getValue().contains(style)) {
                reader.problem(r.locate(e.getKey()), path + "." + e.getKey(), "'" + e.getKey() + "' does not apply to paging style " + style,
                        "remove it, or set style: " + e.getValue().getFirst());
            }
        }
        r.finish();
        return new RestSystemConfig.Paging(style, pageParam, sizeParam, size, firstPage, cursorParam, cursorPointer);
    }

    private RestSystemConfig.Deletes deletes(SectionReader r, String path) {
        Optional<String> detect = r.choice("detect", List.of("id-scan", "deleted-flag", "tombstone", "none"));
        Map<String, List<String>> applies = Map.of("every", List.of("id-scan"), "field", List.of("deleted-flag"), "value", List.of("deleted-flag"),
                "path", List.of("tombstone"), "since-param", List.of("tombstone"), "items", List.of("tombstone"), "id", List.of("tombstone"),
                "deleted-at", List.of("tombstone"));
        Duration every = r.duration("every").orElse(Duration.ofMinutes(5));
        Optional<String> field = r.text("field");
        String value = r.text("value").orElse("true");
        Optional<String> listPath = r.text("path").flatMap(x -> urlPath(x, r.locate("path"), path + ".path"));
        Optional<String> since = r.text("since-param");
        String items = pointer(r, "items", path).orElse("");
        String id = pointer(r, "id", path).orElse("/id");
        Optional<String> deletedAt = pointer(r, "deleted-at", path);
        r.finish();
        if (detect.isEmpty()) return new RestSystemConfig.Deletes.None();
        applies.forEach((k, modes) -> {
            if (r.node().entry(k).isPresent() && !modes.contains(detect.get())) {
                reader.problem(r.locate(k), path + "." + k, "'" + k + "' does not apply to detect: " + detect.get(), "remove it, or set detect: " + modes.getFirst());
            }
        });
        return switch (detect.get()) {
            case "id-scan" -> new RestSystemConfig.Deletes.IdScan(every);
            case "deleted-flag" -> {
                if (field.isEmpty() && r.node().entry("field").isEmpty()) {
                    reader.problem(r.at(), path, "deleted-flag needs the field holding the flag", "add field: archived (and value: true, the value meaning deleted)");
                }
                yield new RestSystemConfig.Deletes.DeletedFlag(field.orElse("deleted"), jsonText(value));
            }
            case "tombstone" -> {
                for (String k : List.of("path", "since-param", "deleted-at")) {
                    if (r.node().entry(k).isEmpty()) reader.problem(r.at(), path, "tombstone needs '" + k + "'",
                            "add path: /deleted/customers, since-param: since and deleted-at: /deletedAt (where each deletion holds its time)");
                }
                yield new RestSystemConfig.Deletes.Tombstones(listPath.orElse("/"), since.orElse("since"), items, id, deletedAt.orElse("/deletedAt"));
            }
            default -> new RestSystemConfig.Deletes.None();
        };
    }

    /** {@code true}, {@code 1}, {@code null} and quoted text stay JSON; any other text becomes a JSON string. */
    private static String jsonText(String value) {
        String v = value.trim();
        if (v.matches("true|false|null|-?\\d+(\\.\\d+)?|\".*\"")) return v;
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
