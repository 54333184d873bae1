package dev.twoway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code webhooks} section of a {@code connector: rest} system, reporting its problems to the {@link ConfigReader}. */
final class WebhookConfigReader {
    private static final List<String> STYLES = List.of("hubspot-v3", "github", "generic");
    private static final List<String> GENERIC_KEYS = List.of("header", "encoding", "prefix", "timestamp-header");
    /** HubSpot's event types (the text before the '.') per resource preset. */
    private static final Map<String, String> HUBSPOT_TYPES = Map.of("hubspot-contacts", "contact", "hubspot-companies", "company");

    private final ConfigReader reader;
    private final RestConfigReader rest;

    WebhookConfigReader(ConfigReader reader, RestConfigReader rest) {
        this.reader = reader;
        this.rest = rest;
    }

    /**
     * @param presetFailed the system's preset is misspelt (and reported)
     * @param resources the system's resources read without problems
     * @param written   the names of all the resources written, for checking the names the webhooks give
     */
    Optional<RestSystemConfig.Webhooks> webhooks(String system, SectionReader w, String path, Optional<String> preset, boolean presetFailed,
                                                 Map<String, RestSystemConfig.Resource> resources, Set<String> written) {
        int before = reader.problemCount();
        boolean hubspot = preset.filter("hubspot"::equals).isPresent();
        // a misspelt preset is reported once, at the preset; what its defaults would have given is not reported again
        if (w.node().entry("signature").isEmpty() && !hubspot && !presetFailed) {
            reader.problem(w.at(), path, "'signature' is missing", "add signature: hubspot-v3, github or generic (how the application signs its requests)");
        }
        RestSystemConfig.SignatureStyle style = w.choice("signature", STYLES)
                .map(s -> RestSystemConfig.SignatureStyle.valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'))).orElse(RestSystemConfig.SignatureStyle.HUBSPOT_V3);
        Optional<Secret> secret = rest.secret(w, "secret", path); // missing: reported by the section (a required key)
        URI publicUrl = w.text("public-url").flatMap(u -> url(u, w.locate("public-url"), path + ".public-url")).orElse(null);
        Duration tolerance = w.duration("tolerance").orElse(Duration.ofMinutes(5));
        int maxBody = w.integer("max-body-bytes", 1024).orElse(1 << 20);
        Duration coalesce = w.duration("coalesce").orElse(Duration.ofMillis(250));

        for (String k : GENERIC_KEYS) {
            if (style != RestSystemConfig.SignatureStyle.GENERIC && w.node().entry(k).isPresent()) {
                reader.problem(w.locate(k), path + "." + k, "'" + k + "' only applies to signature: generic",
                        "remove it (" + style.name().toLowerCase(Locale.ROOT).replace('_', '-') + " signatures have fixed headers), or set signature: generic");
            }
        }
        String header = w.text("header").orElse(null);
        if (style == RestSystemConfig.SignatureStyle.GENERIC && header == null && w.node().entry("header").isEmpty()) {
            reader.problem(w.at(), path, "signature generic needs 'header' (the request header holding the signature)", "add header: X-Signature");
        }
        boolean base64 = w.choice("encoding", List.of("hex", "base64")).map("base64"::equals).orElse(false);
        String prefix = w.text("prefix").orElse("");
        String timestampHeader = w.text("timestamp-header").orElse(null);

        String events = rest.pointer(w, "events", path).orElse("");
        String id = rest.pointer(w, "id", path).orElse(hubspot ? "/objectId" : "/id");
        String type = rest.pointer(w, "type", path).orElse(hubspot ? "/subscriptionType" : null);
        Map<String, String> entities = new LinkedHashMap<>();
        boolean entitiesWritten = w.node().entry("entities").isPresent();
        w.get("entities").flatMap(n -> reader.mapping(n, path + ".entities")).ifPresent(m -> {
            for (ConfigNode.Entry e : m.entries()) {
                String p = path + ".entities." + e.key();
                reader.locate(p, e.value().at());
                reader.text(e.value(), p).ifPresent(res -> {
                    if (known(res, written, e.value().at(), p)) entities.put(e.key(), res);
                });
            }
        });
        if (!entitiesWritten && hubspot) {
            resources.values().stream().filter(r -> r.preset() != null)
                    .forEach(r -> entities.put(HUBSPOT_TYPES.get(r.preset().name()), r.name()));
        }
        if (entitiesWritten && type == null) {
            reader.problem(w.locate("entities"), path + ".entities", "'entities' needs 'type' (where an event holds the type they are looked up by)",
                    "add type: /type (a JSON Pointer into an event)");
        }
        Optional<String> resource = w.text("resource").filter(res -> known(res, written, w.locate("resource"), path + ".resource"));
        String defaultResource = resource.orElse(type == null && written.size() == 1 ? written.iterator().next() : null);
        if (defaultResource == null && entities.isEmpty() && w.node().entry("resource").isEmpty() && !presetFailed) {
            reader.problem(w.at(), path, "the webhooks do not say which resource a notification concerns (system " + system + " has "
                            + written.size() + " resources)",
                    "add resource: <one of " + String.join(", ", written) + ">, or type: /type with entities: { <type>: <resource> }");
        }
        boolean trust = w.bool("trust-payload").orElse(false);
        Optional<String> item = rest.pointer(w, "item", path);
        if (trust && w.node().entry("item").isEmpty()) {
            reader.problem(w.locate("trust-payload"), path + ".trust-payload", "trust-payload needs 'item' (where an event holds the whole item)",
                    "add item: /data, or remove trust-payload to fetch each notified item");
        }
        if (!trust && w.node().entry("item").isPresent()) {
            reader.problem(w.locate("item"), path + ".item", "'item' only applies with trust-payload: true",
                    "add trust-payload: true (only if the events carry the whole, current item), or remove item");
        }
        w.finish();
        if (reader.problemCount() > before || secret.isEmpty()) return Optional.empty();
        return Optional.of(new RestSystemConfig.Webhooks(style, secret.get(), publicUrl, tolerance, maxBody, coalesce, header, base64, prefix, timestampHeader,
                events, id, type, Map.copyOf(entities), defaultResource, trust ? item.orElse(null) : null));
    }

    private boolean known(String resource, Set<String> written, Location at, String path) {
        if (written.contains(resource)) return true;
        reader.problem(at, path, "'" + resource + "' is not a resource of this system",
                ConfigValues.closest(resource, written).map(s -> "did you mean '" + s + "'? ").orElse("") + "resources: " + String.join(", ", written));
        return false;
    }

    private Optional<URI> url(String text, Location at, String path) {
        try {
            URI uri = new URI(text.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null && uri.getRawUserInfo() == null) return Optional.of(uri);
        } catch (URISyntaxException e) {
            // reported below
        }
        reader.problem(at, path, "'" + text + "' is not an http(s) URL with a host", "write the URL as registered at the application, e.g. https://sync.example.com/webhooks/crm");
        return Optional.empty();
    }
}
