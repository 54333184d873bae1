package dev.twoway.http;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.spi.SystemUnavailableException;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One resource of one system: its requests, and the translation between its JSON items and rows. */
final class RestAccess {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?");

    final RestClient client;
    final RestResource resource;
    final String entity;
    final HubSpot.Search search;

    RestAccess(RestClient client, String entity, RestResource resource) {
        this(client, entity, resource, null);
    }

    RestAccess(RestClient client, String entity, RestResource resource, HubSpot.Search search) {
        this.client = client;
        this.entity = entity;
        this.resource = resource;
        this.search = search;
    }

    String system() {
        return client.system().name();
    }

    /** An item as it came from the API, with its key. */
    record Item(NativeKey key, Row row, JsonNode json, String etag) {
    }

    /** One page of a list; {@code next} continues it, null at the end. */
    record Page(List<Item> items, String next) {
    }

    /** The query of a list request: the fixed list query, {@code query}, and the paging parameters. */
    private Map<String, String> pageQuery(Map<String, String> query, String next) {
        Paging p = resource.paging();
        Map<String, String> q = new LinkedHashMap<>(resource.listQuery());
        q.putAll(query);
        switch (p.style()) {
            case PAGE -> {
                q.put(p.pageParam(), next == null ? String.valueOf(p.firstPage()) : next);
                q.put(p.sizeParam(), String.valueOf(p.size()));
            }
            case OFFSET -> {
                q.put(p.pageParam(), next == null ? "0" : next);
                q.put(p.sizeParam(), String.valueOf(p.size()));
            }
            case LINK -> {
                if (next == null) q.put(p.sizeParam(), String.valueOf(p.size()));
            }
            case CURSOR -> {
                q.put(p.sizeParam(), String.valueOf(p.size()));
                if (next != null) q.put(p.cursorParam(), next);
            }
            case NONE -> {
            }
        }
        return q;
    }

    private URI pageUri(Map<String, String> q, String next) {
        if (resource.paging().style() == Paging.Style.LINK && next != null) return client.withAuthQuery(URI.create(next));
        return client.uri(resource.path(), q);
    }

    /** The first page's request, for checks. */
    URI firstPageUri() {
        return pageUri(pageQuery(Map.of(), null), null);
    }

    /** Reads one page of the list with {@code query}; {@code next} is null for the first page. */
    Page page(Map<String, String> query, String next) {
        if (search != null && resource.modifiedSince() != null && query.containsKey(resource.modifiedSince())) {
            return searchPage(query.get(resource.modifiedSince()), next);
        }
        Paging p = resource.paging();
        Map<String, String> q = pageQuery(query, next);
        URI uri = pageUri(q, next);
        RestClient.Response r = client.send("GET", uri, null, Map.of());
        JsonNode body = expectJson(r, "GET", uri);
        JsonNode arr = at(body, resource.items());
        if (!arr.isArray()) {
            throw new IllegalStateException(system() + ": GET " + resource.path() + " did not answer a JSON array at '" + resource.items()
                    + "' (got " + arr.getNodeType() + "); set the resource's items pointer to where the list response holds its items");
        }
        List<Item> items = new ArrayList<>();
        for (JsonNode n : arr) items.add(item(n, null));
        String following = switch (p.style()) {
            case PAGE -> items.size() < p.size() ? null : String.valueOf(Long.parseLong(q.get(p.pageParam())) + 1);
            case OFFSET -> items.size() < p.size() ? null : String.valueOf(Long.parseLong(q.get(p.pageParam())) + items.size());
            case LINK -> nextLink(r).map(l -> uri.resolve(l).toString()).orElse(null);
            case CURSOR -> {
                JsonNode c = at(body, p.cursorPointer());
                yield c.isMissingNode() || c.isNull() || c.asText().isEmpty() || items.isEmpty() ? null : c.asText();
            }
            case NONE -> null;
        };
        return new Page(items, following);
    }

    /**
     * One page of the items modified at or after {@code since}, oldest first, by a HubSpot-style search:
     * {@code POST <search path>} with {@code filterGroups: [{filters: [{propertyName, operator: GTE, value: <epoch ms>}]}]}.
     */
    private Page searchPage(String since, String next) {
        Instant t = Times.parse(since);
        String value = t != null ? String.valueOf(t.toEpochMilli()) : since;
        ObjectNode body = JSON.createObjectNode();
        ObjectNode filter = body.putArray("filterGroups").addObject().putArray("filters").addObject();
        filter.put("propertyName", search.modifiedProperty()).put("operator", "GTE").put("value", value);
        body.putArray("sorts").addObject().put("propertyName", search.modifiedProperty()).put("direction", "ASCENDING");
        ArrayNode props = body.putArray("properties");
        search.properties().forEach(props::add);
        body.put("limit", Math.min(resource.paging().size(), HubSpot.SEARCH_PAGE_MAX));
        if (next != null) body.put("after", next);
        URI uri = client.uri(search.path(), Map.of());
        RestClient.Response r = client.send("POST", uri, body.toString(), Map.of());
        JsonNode answer = expectJson(r, "POST", uri);
        JsonNode arr = at(answer, resource.items());
        if (!arr.isArray()) {
            throw new IllegalStateException(system() + ": POST " + search.path() + " did not answer a JSON array at '" + resource.items() + "'");
        }
        List<Item> items = new ArrayList<>();
        for (JsonNode n : arr) items.add(item(n, null));
        JsonNode c = at(answer, resource.paging().cursorPointer());
        return new Page(items, c.isMissingNode() || c.isNull() || c.asText().isEmpty() || items.isEmpty() ? null : c.asText());
    }

    /**
     * The items among {@code ids} that exist, by HubSpot's batch read ({@code POST <path>/batch/read}, 100 ids a
     * request): only for resources read by search (HubSpot presets). Ids missing from the answer are not in the map.
     */
    Map<String, Item> batchRead(List<String> ids) {
        Map<String, Item> out = new LinkedHashMap<>();
        URI uri = client.uri(resource.path() + "/batch/read", Map.of());
        for (int from = 0; from < ids.size(); from += 100) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode props = body.putArray("properties");
            search.properties().forEach(props::add);
            ArrayNode inputs = body.putArray("inputs");
            ids.subList(from, Math.min(ids.size(), from + 100)).forEach(id -> inputs.addObject().put("id", id));
            RestClient.Response r = client.send("POST", uri, body.toString(), Map.of());
            JsonNode answer = expectJson(r, "POST", uri); // 207 (some not found) is a 2xx
            for (JsonNode n : at(answer, resource.items())) {
                Item it = item(n, null);
                out.put(it.key().value(), it);
            }
        }
        return out;
    }

    static Optional<String> nextLink(RestClient.Response r) {
        for (var e : r.headers().entrySet()) {
            if (!e.getKey().equalsIgnoreCase("Link")) continue;
            for (String v : e.getValue()) {
                Matcher m = NEXT_LINK.matcher(v);
                if (m.find()) return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** The item {@code key} now, or empty when the API answers 404 / 410. */
    Optional<Item> get(NativeKey key) {
        URI uri = itemUri(key);
        RestClient.Response r = client.send("GET", uri, null, Map.of());
        if (r.status() == 404 || r.status() == 410) return Optional.empty();
        JsonNode body = expectJson(r, "GET", uri);
        JsonNode n = at(body, resource.item());
        if (flagged(n)) return Optional.empty(); // deleted, as far as twoway is concerned
        return Optional.of(item(n, r.header("ETag").orElse(null)));
    }

    /** Does the item carry the resource's deleted flag? */
    boolean flagged(JsonNode item) {
        return resource.deletedFlag() != null && resource.deletedFlag().on(item);
    }

    URI itemUri(NativeKey key) {
        return client.uri(resource.itemPath().replace("{id}", RestClient.enc(key.value())), Map.of());
    }

    JsonNode expectJson(RestClient.Response r, String method, URI uri) {
        if (r.status() >= 500) {
            throw new SystemUnavailableException(system(), RestClient.describe(method, uri) + " answered " + r.status() + ": " + excerpt(r.body()));
        }
        if (!r.ok()) {
            throw new IllegalStateException(system() + ": " + RestClient.describe(method, uri) + " answered " + r.status() + ": " + excerpt(r.body())
                    + (r.status() == 401 || r.status() == 403 ? " (check the system's auth settings and the token's rights)" : ""));
        }
        try {
            return r.body().isBlank() ? JsonNodeFactory.instance.nullNode() : JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(system() + ": " + RestClient.describe(method, uri) + " did not answer JSON: " + excerpt(r.body()), e);
        }
    }

    static String excerpt(String body) {
        String b = body == null ? "" : body.strip();
        return b.length() > 500 ? b.substring(0, 500) + "…" : b;
    }

    Item item(JsonNode n, String etag) {
        JsonNode id = at(n, resource.id());
        if (id.isMissingNode() || id.isNull() || id.isContainerNode()) {
            throw new IllegalStateException(system() + ": an item of " + resource.path() + " has no id at '" + resource.id() + "': " + excerpt(n.toString())
                    + "; set the resource's id pointer");
        }
        return new Item(new NativeKey(id.asText()), row(n), n, etag);
    }

    /** The item's fields as a row: every top-level property, or the configured fields (names or pointers). */
    Row row(JsonNode n) {
        Map<String, Value> out = new LinkedHashMap<>();
        if (resource.fields().isEmpty()) {
            n.properties().forEach(e -> out.put(e.getKey(), value(e.getValue())));
        } else {
            for (String f : resource.fields()) {
                JsonNode v = field(n, f);
                if (!v.isMissingNode()) out.put(f, value(v));
            }
        }
        return Row.of(out);
    }

    static JsonNode field(JsonNode n, String name) {
        return name.startsWith("/") ? n.at(JsonPointer.compile(name)) : n.path(name);
    }

    static JsonNode at(JsonNode n, String pointer) {
        return pointer == null || pointer.isEmpty() ? n : n.at(JsonPointer.compile(pointer));
    }

    static Value value(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return new Value.Null();
        if (v.isTextual()) return new Value.Str(v.textValue());
        if (v.isBoolean()) return new Value.Bool(v.booleanValue());
        if (v.isIntegralNumber() && v.canConvertToLong()) return new Value.Int(v.longValue());
        if (v.isNumber()) return new Value.Dec(v.decimalValue());
        return Value.Json.of(v);
    }

    static JsonNode json(Value v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (v) {
            case Value.Null n -> f.nullNode();
            case Value.Str s -> f.textNode(s.value());
            case Value.Int i -> f.numberNode(i.value());
            case Value.Dec d -> f.numberNode(d.value());
            case Value.Bool b -> f.booleanNode(b.value());
            case Value.Date d -> f.textNode(d.value().toString());
            case Value.Timestamp t -> f.textNode(Times.format(t.value()));
            case Value.Json j -> {
                try {
                    yield JSON.readTree(j.canonicalText());
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("unreadable JSON value", e);
                }
            }
            case Value.Bytes b -> f.textNode(java.util.Base64.getEncoder().encodeToString(b.value()));
        };
    }

    /** Writes the row's fields into {@code target}: names as top-level properties, pointers as nested values. */
    static void put(ObjectNode target, Row row) {
        for (String name : row.names()) {
            JsonNode v = json(row.get(name));
            if (!name.startsWith("/")) {
                target.set(name, v);
                continue;
            }
            JsonPointer p = JsonPointer.compile(name);
            ObjectNode parent = target;
            while (!p.tail().matches()) {
                JsonNode child = parent.get(p.getMatchingProperty());
                parent = child instanceof ObjectNode o ? o : parent.putObject(p.getMatchingProperty());
                p = p.tail();
            }
            parent.set(p.getMatchingProperty(), v);
        }
    }

    /** Two native values are the same for a precondition: equal, or the same number written differently. */
    static boolean same(Value a, Value b) {
        if (a == null) a = new Value.Null();
        if (b == null) b = new Value.Null();
        if (a.equals(b)) return true;
        JsonNode x = json(a), y = json(b);
        if (x.isNumber() && y.isNumber()) return x.decimalValue().compareTo(y.decimalValue()) == 0;
        return x.equals(y);
    }

    /** The modification time of an item, as the API wrote it (null if absent). */
    JsonNode stamp(Item it) {
        JsonNode v = at(it.json(), resource.updatedAt());
        return v.isMissingNode() || v.isNull() ? null : v;
    }

    static Instant instantOrNull(JsonNode stamp) {
        if (stamp == null) return null;
        if (stamp.isNumber()) return Instant.ofEpochMilli(stamp.longValue());
        return Times.parse(stamp.asText());
    }

    static ArrayNode array() {
        return JSON.createArrayNode();
    }
}
