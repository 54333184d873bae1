package dev.twoway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.spi.RecordSink;
import dev.twoway.spi.SystemUnavailableException;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes to one REST resource, one request per write (HTTP has no transaction to group them in).
 *
 * <h2>Conditional writes</h2>
 * An update or delete first reads the item and compares the expected fields (read-compare-write); when the API
 * gave an ETag and {@link RestResource#ifMatch()} is on, the write also carries {@code If-Match}, so a change between
 * the read and the write is refused by the API (412) instead of overwritten. Either way a changed item is answered
 * {@link WriteResult.PreconditionFailed} with its current fields, and the engine merges and tries again. APIs without
 * ETags (json-server ignores If-Match) keep a short window between the read and the write. With
 * {@link RestResource#versionField()} the write carries the version read, and the API's 409 or 412 is the same
 * precondition failure.
 *
 * <h2>Deletes as a flag</h2>
 * With {@link RestResource#deletedFlag()} a delete is an update setting the flag, and an item carrying it reads as
 * absent (so an update of it is a precondition failure: the item is gone).
 *
 * <h2>Failures</h2>
 * A 4xx that will fail again (400, 422, 409 on create…) is {@link WriteResult.Rejected} with the response body:
 * that write goes to dead letters, the others go on. A 5xx after the client's retries is {@link WriteResult.Failed}
 * (retried later); a system that cannot be reached at all throws {@link SystemUnavailableException} (queued).
 */
final class RestSink implements RecordSink {
    private final RestAccess a;

    RestSink(RestAccess access) {
        this.a = access;
    }

    @Override
    public List<WriteResult> apply(List<Write> writes) {
        List<WriteResult> out = new ArrayList<>(writes.size());
        for (Write w : writes) {
            out.add(switch (w) {
                case Write.Insert i -> insert(i);
                case Write.Update u -> update(u);
                case Write.Delete d -> delete(d);
            });
        }
        return out;
    }

    private WriteResult insert(Write.Insert i) {
        if (!i.match().names().isEmpty()) {
            Optional<RestAccess.Item> existing = findItem(i.match());
            if (existing.isPresent()) return new WriteResult.Applied(existing.get().key(), true, Optional.of(existing.get().row()));
        }
        ObjectNode body = RestAccess.JSON.createObjectNode();
        RestAccess.put(body, i.values());
        URI uri = a.client.uri(a.resource.path(), Map.of());
        RestClient.Response r = a.client.send("POST", uri, body.toString(), Map.of());
        if (!r.ok()) return refused("POST", uri, r);
        JsonNode created = parse(r);
        if (created != null && !RestAccess.at(created, a.resource.item()).isMissingNode()) {
            RestAccess.Item it = a.item(RestAccess.at(created, a.resource.item()), r.header("ETag").orElse(null));
            return new WriteResult.Applied(it.key(), false, Optional.of(it.row()));
        }
        // No body: the Location header names the new item.
        Optional<String> loc = r.header("Location");
        if (loc.isPresent()) {
            String l = loc.get();
            return WriteResult.Applied.of(new NativeKey(java.net.URLDecoder.decode(l.substring(l.lastIndexOf('/') + 1), java.nio.charset.StandardCharsets.UTF_8)));
        }
        return new WriteResult.Failed(a.system() + ": POST " + a.resource.path() + " answered " + r.status() + " without the new item or a Location header");
    }

    private WriteResult update(Write.Update u) {
        Optional<RestAccess.Item> now = a.get(u.key());
        if (now.isEmpty()) return new WriteResult.PreconditionFailed(Optional.empty());
        if (!matches(now.get().row(), u.expected())) return new WriteResult.PreconditionFailed(Optional.of(now.get().row()));
        ObjectNode body;
        if (a.resource.update().equals("PUT")) {
            body = now.get().json().deepCopy();
        } else {
            body = RestAccess.JSON.createObjectNode();
        }
        RestAccess.put(body, u.values());
        withVersion(body, now.get());
        URI uri = a.itemUri(u.key());
        RestClient.Response r = a.client.send(a.resource.update(), uri, body.toString(), conditional(now.get()));
        if (r.status() == 412 || r.status() == 404 || r.status() == 410 || r.status() == 409 && a.resource.versionField() != null) {
            return changedMeanwhile(u.key());
        }
        if (!r.ok()) return refused(a.resource.update(), uri, r);
        JsonNode updated = parse(r);
        if (updated != null && updated.isObject() && !RestAccess.at(updated, a.resource.item()).isMissingNode()) {
            JsonNode item = RestAccess.at(updated, a.resource.item());
            if (item.isObject() && !RestAccess.at(item, a.resource.id()).isMissingNode()) {
                return new WriteResult.Applied(u.key(), false, Optional.of(a.row(item)));
            }
        }
        return WriteResult.Applied.of(u.key());
    }

    private WriteResult delete(Write.Delete d) {
        Optional<RestAccess.Item> now = a.get(d.key());
        if (now.isEmpty()) return new WriteResult.PreconditionFailed(Optional.empty());
        if (!matches(now.get().row(), d.expected())) return new WriteResult.PreconditionFailed(Optional.of(now.get().row()));
        URI uri = a.itemUri(d.key());
        if (a.resource.deletedFlag() != null) return flag(d.key(), now.get(), uri);
        RestClient.Response r = a.client.send("DELETE", uri, null, conditional(now.get()));
        if (r.status() == 412) return changedMeanwhile(d.key());
        if (r.status() == 404 || r.status() == 410) return new WriteResult.PreconditionFailed(Optional.empty());
        if (!r.ok()) return refused("DELETE", uri, r);
        return WriteResult.Applied.of(d.key());
    }

    /** A delete where deletes are a flag: the item is updated to carry it, and stays. */
    private WriteResult flag(NativeKey key, RestAccess.Item now, URI uri) {
        RestResource.DeletedFlag f = a.resource.deletedFlag();
        ObjectNode body = a.resource.update().equals("PUT") ? now.json().deepCopy() : RestAccess.JSON.createObjectNode();
        RestAccess.put(body, Row.of(Map.of(f.field(), RestAccess.value(f.value()))));
        withVersion(body, now);
        RestClient.Response r = a.client.send(a.resource.update(), uri, body.toString(), conditional(now));
        if (r.status() == 412 || r.status() == 409 && a.resource.versionField() != null) return changedMeanwhile(key);
        if (r.status() == 404 || r.status() == 410) return new WriteResult.PreconditionFailed(Optional.empty());
        if (!r.ok()) return refused(a.resource.update(), uri, r);
        return WriteResult.Applied.of(key);
    }

    /** With a version field, the update carries the version read: the API refuses it if the item changed since. */
    private void withVersion(ObjectNode body, RestAccess.Item now) {
        String v = a.resource.versionField();
        if (v == null) return;
        JsonNode read = RestAccess.field(now.json(), v);
        if (!read.isMissingNode()) RestAccess.put(body, Row.of(Map.of(v, RestAccess.value(read))));
    }

    private Map<String, String> conditional(RestAccess.Item item) {
        return a.resource.ifMatch() && item.etag() != null ? Map.of("If-Match", item.etag()) : Map.of();
    }

    private WriteResult changedMeanwhile(NativeKey key) {
        return new WriteResult.PreconditionFailed(a.get(key).map(RestAccess.Item::row));
    }

    private WriteResult refused(String method, URI uri, RestClient.Response r) {
        String what = a.system() + ": " + RestClient.describe(method, uri) + " answered " + r.status() + ": " + RestAccess.excerpt(r.body());
        if (r.status() >= 500) return new WriteResult.Failed(what);
        if (r.status() == 401 || r.status() == 403) {
            throw new SystemUnavailableException(a.system(), RestClient.describe(method, uri) + " answered " + r.status()
                    + " (the credentials were refused: check the system's auth settings)");
        }
        if (r.status() == 408) return new WriteResult.Failed(what);
        return new WriteResult.Rejected(what);
    }

    private static JsonNode parse(RestClient.Response r) {
        if (r.body() == null || r.body().isBlank()) return null;
        try {
            return RestAccess.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static boolean matches(Row current, Row expected) {
        for (String name : expected.names()) if (!RestAccess.same(current.get(name), expected.get(name))) return false;
        return true;
    }

    @Override
    public Map<NativeKey, Row> read(Collection<NativeKey> keys) {
        Map<NativeKey, Row> out = new LinkedHashMap<>();
        for (NativeKey k : keys) a.get(k).ifPresent(it -> out.put(k, it.row()));
        return out;
    }

    /**
     * Items holding the match values, found by listing with them as query parameters ({@code ?email=…}, which
     * json-server and many APIs read as equality filters). The answer is checked here too: an API that ignores the
     * parameters cannot make twoway take an unrelated item for a match.
     */
    private Optional<RestAccess.Item> findItem(Row match) {
        Map<String, String> q = new LinkedHashMap<>();
        for (String name : match.names()) {
            if (name.startsWith("/")) return Optional.empty();
            JsonNode v = RestAccess.json(match.get(name));
            if (v.isNull() || v.isContainerNode()) return Optional.empty();
            q.put(name, v.asText());
        }
        String cont = null;
        for (int pages = 0; pages < 3; pages++) {
            RestAccess.Page page = a.page(q, cont);
            for (RestAccess.Item it : page.items()) if (!a.flagged(it.json()) && matches(it.row(), match)) return Optional.of(it);
            if (page.next() == null) break;
            cont = page.next();
        }
        return Optional.empty();
    }

    @Override
    public Optional<NativeKey> find(RecordId recordId, Row match) {
        if (match.names().isEmpty()) return Optional.empty();
        return findItem(match).map(RestAccess.Item::key);
    }
}
