package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.config.RestSystemConfig;
import dev.twoway.config.TwowayConfig;
import dev.twoway.http.HubSpot;
import dev.twoway.http.Paging;
import dev.twoway.http.RestConnector;
import dev.twoway.http.RestResource;
import dev.twoway.http.RestSystem;
import dev.twoway.http.WebhookSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A {@code connector: rest} system of the config as a {@link RestConnector}. */
final class RestConnectors {
    private RestConnectors() {
    }

    /**
     * @param mapped per resource, the native fields the syncs map (read besides the resource's own {@code fields})
     */
    static RestConnector of(TwowayConfig.SystemConfig s, Map<String, Set<String>> mapped, Path workDir) {
        RestSystemConfig c = s.rest();
        RestSystem system = new RestSystem(s.name(), c.baseUrl(), auth(c.auth()), c.timeout(), c.requestsPerSecond(), c.maxConcurrency(),
                c.maxRetries(), c.maxRetryAfter());
        Map<String, RestResource> resources = new LinkedHashMap<>();
        Map<String, HubSpot.Search> searches = new LinkedHashMap<>();
        c.resources().forEach((name, r) -> {
            Set<String> fields = mapped.getOrDefault(name, Set.of());
            if (r.preset() == null) {
                resources.put(name, resource(r, fields));
                return;
            }
            HubSpot.Preset p = preset(r, fields);
            resources.put(name, p.resource());
            searches.put(name, p.search());
        });
        RestConnector connector = new RestConnector(system, resources, workDir);
        searches.forEach(connector::search);
        return connector;
    }

    /** A HubSpot pointer to a property: {@code /properties/<name>}. */
    static final java.util.regex.Pattern PROPERTY = java.util.regex.Pattern.compile("/properties/([A-Za-z0-9_]+)");

    /**
     * A preset resource reading its listed properties and every {@code /properties/<name>} the syncs map, with the
     * config's overlap and delete scan.
     */
    static HubSpot.Preset preset(RestSystemConfig.Resource r, Set<String> mapped) {
        Set<String> properties = new LinkedHashSet<>(r.preset().properties());
        for (String f : mapped) {
            var m = PROPERTY.matcher(f);
            if (m.matches()) properties.add(m.group(1));
        }
        HubSpot.Preset p = HubSpot.preset(r.preset().name(), List.copyOf(properties));
        java.time.Duration scan = r.deletes() instanceof RestSystemConfig.Deletes.IdScan s ? s.every() : null;
        return new HubSpot.Preset(p.entity(), p.resource().withTiming(r.overlap(), scan), p.search(), p.mapping());
    }

    /** The settings of a system's webhooks, or null when it has none. */
    static WebhookSettings webhooks(RestSystemConfig.Webhooks w) {
        if (w == null) return null;
        WebhookSettings.Signature signature = switch (w.signature()) {
            case HUBSPOT_V3 -> new WebhookSettings.Signature.HubSpotV3(w.secret());
            case GITHUB -> new WebhookSettings.Signature.GitHub(w.secret());
            case GENERIC -> new WebhookSettings.Signature.Hmac(w.header(), w.secret(), w.base64(), w.prefix(), w.timestampHeader());
        };
        return new WebhookSettings(signature, w.publicUrl(), w.tolerance(), w.maxBodyBytes(), w.coalesce(),
                new WebhookSettings.Notifications(w.events(), w.id(), w.type(), w.entities(), w.resource(), w.item()));
    }

    static RestSystem.Auth auth(RestSystemConfig.Auth a) {
        return switch (a) {
            case RestSystemConfig.Auth.None n -> new RestSystem.Auth.None();
            case RestSystemConfig.Auth.Bearer b -> new RestSystem.Auth.Bearer(b.token());
            case RestSystemConfig.Auth.ApiKey k -> new RestSystem.Auth.ApiKey(k.name(), k.key(), k.inQuery());
            case RestSystemConfig.Auth.Basic b -> new RestSystem.Auth.Basic(b.user(), b.password());
            case RestSystemConfig.Auth.OAuth2 o -> new RestSystem.Auth.OAuth2(o.tokenUrl(), o.clientId(), o.clientSecret(), o.scope(),
                    o.refreshToken(), o.credentialsInBody());
        };
    }

    static RestResource resource(RestSystemConfig.Resource r, Set<String> mapped) {
        Set<String> fields = new LinkedHashSet<>(r.fields());
        fields.addAll(mapped);
        RestSystemConfig.Paging p = r.paging();
        Paging paging = new Paging(Paging.Style.valueOf(p.style().toUpperCase(Locale.ROOT)), p.pageParam(), p.sizeParam(), p.size(), p.firstPage(),
                p.cursorParam(), p.cursorPointer());
        RestResource.DeletedFlag flag = null;
        RestResource.Tombstones tombstones = null;
        java.time.Duration scan = null;
        switch (r.deletes()) {
            case RestSystemConfig.Deletes.None n -> {
            }
            case RestSystemConfig.Deletes.IdScan s -> scan = s.every();
            case RestSystemConfig.Deletes.DeletedFlag f -> flag = new RestResource.DeletedFlag(f.field(), json(f.value()));
            case RestSystemConfig.Deletes.Tombstones t -> tombstones = new RestResource.Tombstones(t.path(), t.sinceParam(), t.items(), t.id(), t.deletedAt());
        }
        return new RestResource(r.path(), r.itemPath(), r.items(), r.item(), r.id(), r.modifiedAt(), r.modifiedSince(), r.listQuery(), paging, r.update(),
                r.conditional() == RestSystemConfig.Conditional.ETAG, r.overlap(), scan, List.copyOf(new ArrayList<>(fields)),
                r.conditional() == RestSystemConfig.Conditional.VERSION ? r.versionField() : null, flag, tombstones);
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + text, e); // the reader only hands over JSON text
        }
    }
}
