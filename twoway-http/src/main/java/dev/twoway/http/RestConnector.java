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
    private final WebhookInbox inbox = new WebhookInbox();
    private final Map<String, HubSpot.Search> searches = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param resources entity name → resource
     * @param workDir   where delete scans keep the ids they have seen, and OAuth2 a refresh token the provider rotated
     */
    public RestConnector(RestSystem system, Map<String, RestResource> resources, Path workDir) {
        this.client = new RestClient(system, workDir == null ? null : workDir.resolve("oauth2-" + safe(system.name()) + ".json"));
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
        return new RestAccess(client, entity, r, searches.get(entity));
    }

    @Override
    public ChangeSource source(String entity) {
        return new RestSource(access(entity), workDir.resolve("ids-" + safe(system()) + "-" + safe(entity) + ".txt"), inbox);
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
     * A problem {@link #check} found.
     *
     * @param setting what to correct: {@code auth} (the system's), a resource setting ({@code path}, {@code items},
     *                {@code id}, {@code modified-at}, {@code deletes}), or {@code field:<name>} for a mapped field
     */
    public record Problem(String setting, String message, String fix) {
    }

    /**
     * Checks one entity against the live API: its first list page answers JSON, with an array of items at the items
     * pointer, each with an id (and a modification time, when one is configured), and {@code fields} are found in
     * the items (when there are any). Answers the problems found, in words a user can act on; empty when the
     * resource looks right. A system that cannot be reached throws {@link dev.twoway.spi.SystemUnavailableException}.
     */
    public List<Problem> check(String entity, java.util.Collection<String> fields) {
        RestAccess a = access(entity);
        RestResource res = a.resource;
        java.net.URI uri = a.firstPageUri();
        String what = system() + ": " + RestClient.describe("GET", uri);
        RestClient.Response r = client.send("GET", uri, null, Map.of());
        if (r.status() == 401 || r.status() == 403) {
            return List.of(new Problem("auth", what + " answered " + r.status() + " (" + RestAccess.excerpt(r.body()) + "): the credentials were refused",
                    "check the auth settings: the token or key must be valid and allowed to read " + res.path()));
        }
        if (!r.ok()) {
            return List.of(new Problem("path", what + " answered " + r.status() + ": " + RestAccess.excerpt(r.body()),
                    "correct the resource's path (and the system's base-url); the list of items must answer GET " + uri.getRawPath()));
        }
        com.fasterxml.jackson.databind.JsonNode body;
        try {
            body = RestAccess.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            return List.of(new Problem("path", what + " did not answer JSON: " + RestAccess.excerpt(r.body()),
                    "point base-url and path at the API's JSON list of items"));
        }
        com.fasterxml.jackson.databind.JsonNode arr = RestAccess.at(body, res.items());
        if (!arr.isArray()) {
            return List.of(new Problem("items", what + " answered no array of items at '" + res.items() + "' (found " + arr.getNodeType() + ")",
                    "set items to the pointer of the array in the response" + (body.isObject() ? "; its top-level keys are " + names(body) : "")));
        }
        List<Problem> out = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode n : arr) {
            com.fasterxml.jackson.databind.JsonNode id = RestAccess.at(n, res.id());
            if (id.isMissingNode() || id.isNull() || id.isContainerNode()) {
                out.add(new Problem("id", what + ": an item has no id at '" + res.id() + "': " + RestAccess.excerpt(n.toString()),
                        "set id to the pointer of the items' id" + (n.isObject() ? "; the items' keys are " + names(n) : "")));
                break;
            }
            if (res.updatedAt() != null) {
                com.fasterxml.jackson.databind.JsonNode t = RestAccess.at(n, res.updatedAt());
                if (t.isMissingNode() || t.isNull() || !t.isTextual() || Times.parse(t.asText()) == null) {
                    out.add(new Problem("modified-at", what + ": item " + id.asText() + " has no modification time at '" + res.updatedAt() + "'"
                            + (t.isMissingNode() || t.isNull() ? "" : " (found " + RestAccess.excerpt(t.toString()) + ", not an ISO-8601 time)"),
                            "correct modified-at, or have the API stamp its items"));
                    break;
                }
            }
        }
        if (!arr.isEmpty()) {
            for (String f : fields) {
                boolean seen = false;
                for (com.fasterxml.jackson.databind.JsonNode n : arr) seen |= !RestAccess.field(n, f).isMissingNode();
                if (!seen) {
                    out.add(new Problem("field:" + f, what + ": no item of the first page has '" + f + "'",
                            "map the field to a property the items have (a name, or a JSON Pointer such as /properties/email); the items' keys are "
                                    + names(arr.get(0))));
                }
            }
        }
        if (res.tombstones() != null) {
            java.net.URI t = client.uri(res.tombstones().path(), Map.of(res.tombstones().sinceParam(), Times.format(java.time.Instant.now())));
            RestClient.Response tr = client.send("GET", t, null, Map.of());
            String tw = system() + ": " + RestClient.describe("GET", t);
            try {
                if (!tr.ok()) out.add(new Problem("deletes", tw + " answered " + tr.status() + ": " + RestAccess.excerpt(tr.body()), "correct the tombstones' path"));
                else if (!RestAccess.at(RestAccess.JSON.readTree(tr.body()), res.tombstones().items()).isArray()) {
                    out.add(new Problem("deletes", tw + " answered no array at '" + res.tombstones().items() + "'", "set the tombstones' items pointer"));
                }
            } catch (java.io.IOException e) {
                out.add(new Problem("deletes", tw + " did not answer JSON: " + RestAccess.excerpt(tr.body()), "correct the tombstones' path"));
            }
        }
        return out;
    }

    private static String names(com.fasterxml.jackson.databind.JsonNode n) {
        List<String> keys = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        return keys.isEmpty() ? "(none)" : String.join(", ", keys);
    }

    /** Reads the changes of {@code entity} by a HubSpot-style search request (see {@link HubSpot}); call before use. */
    public RestConnector search(String entity, HubSpot.Search search) {
        if (!resources.containsKey(entity)) throw new IllegalArgumentException("system '" + system() + "' has no entity '" + entity + "'; configured: " + resources.keySet());
        searches.put(entity, search);
        return this;
    }

    /** The ids webhooks named, waiting for this system's sources to fetch them. */
    public WebhookInbox webhookInbox() {
        return inbox;
    }

    /** A receiver of this system's webhooks feeding its sources; mount it at {@code POST /webhooks/<system>}. */
    public WebhookReceiver webhookReceiver(WebhookSettings settings) {
        inbox.coalesce(settings.coalesce());
        return new WebhookReceiver(system(), settings, inbox);
    }

    public List<String> entities() {
        return List.copyOf(resources.keySet());
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
