package dev.twoway.http;

import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.Connector;
import dev.twoway.spi.RecordSink;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP application as a twoway system. Entities are REST resources, configured by {@link RestResource}; each
 * gets a polling change source ({@link RestSource}) and a sink of conditional writes ({@link RestSink}). One
 * {@link RestClient} per system carries the auth, the request budget and the concurrency bound for all of them.
 */
public final class RestConnector implements Connector {
    private final RestClient client;
    private final Map<String, RestResource> resources;
    private final Path workDir;

    /**
     * @param resources entity name → resource
     * @param workDir   where delete scans keep the ids they have seen
     */
    public RestConnector(RestSystem system, Map<String, RestResource> resources, Path workDir) {
        this.client = new RestClient(system);
        this.resources = Map.copyOf(new LinkedHashMap<>(resources));
        this.workDir = workDir;
    }

    @Override
    public String system() {
        return client.system().name();
    }

    private RestAccess access(String entity) {
        RestResource r = resources.get(entity);
        if (r == null) {
            throw new IllegalArgumentException("system '" + system() + "' has no resource configured as entity '" + entity + "'; configured: " + resources.keySet());
        }
        return new RestAccess(client, entity, r);
    }

    @Override
    public ChangeSource source(String entity) {
        return new RestSource(access(entity), workDir.resolve("ids-" + safe(system()) + "-" + safe(entity) + ".txt"));
    }

    @Override
    public RecordSink sink(String entity) {
        return new RestSink(access(entity));
    }

    /**
     * The server's clock, from the {@code Date} header of the latest response. The header has whole seconds and is
     * truncated, so half a second is added: the estimate is then off by at most half a second either way.
     */
    @Override
    public Optional<Instant> currentTime() {
        return client.serverDate().map(d -> d.plusMillis(500));
    }

    /**
     * Checks one entity against the live API: the first page of its list answers JSON whose items have an id at the
     * configured pointer (and a modification time, when one is configured). Answers the problems found, in words
     * a user can act on; empty when the resource looks right.
     */
    public List<String> check(String entity) {
        RestAccess a = access(entity);
        try {
            RestAccess.Page page = a.page(Map.of(), null);
            if (a.resource.updatedAt() != null) {
                for (RestAccess.Item it : page.items()) {
                    if (a.stamp(it) == null) {
                        return List.of("item " + it.key().value() + " of " + a.resource.path() + " has no modification time at '" + a.resource.updatedAt()
                                + "'; correct updated-at, or have the API stamp its items");
                    }
                }
            }
            return List.of();
        } catch (dev.twoway.spi.SystemUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            return List.of(e.getMessage());
        }
    }

    public List<String> entities() {
        return List.copyOf(resources.keySet());
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
