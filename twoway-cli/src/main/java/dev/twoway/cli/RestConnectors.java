package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.config.RestSystemConfig;
import dev.twoway.config.TwowayConfig;
import dev.twoway.http.Paging;
import dev.twoway.http.RestConnector;
import dev.twoway.http.RestResource;
import dev.twoway.http.RestSystem;

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
        c.resources().forEach((name, r) -> resources.put(name, resource(r, mapped.getOrDefault(name, Set.of()))));
        return new RestConnector(system, resources, workDir);
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
