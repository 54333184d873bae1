package dev.twoway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.model.NativeKey;
import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.ChangeSource;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Poll capture of one REST resource: a snapshot of the whole list, then the items modified since a watermark.
 *
 * <h2>The watermark misses nothing</h2>
 * Same rules as SQL polling (twoway-jdbc PollSource), with what an HTTP list can do:
 * <ul>
 *   <li>The list is asked for items modified <em>at or after</em> the watermark ({@code modifiedSince}, e.g.
 *       {@code updatedAt_gte}) and must be sorted by modification time, oldest first. Items sharing the watermark's
 *       timestamp are not skipped: the position keeps the ids already reported at that exact timestamp and skips only
 *       those, so a page boundary inside a group of equal timestamps loses nothing.</li>
 *   <li>An item is only reported once its modification time is at least {@link RestResource#overlap()} older than
 *       the server's clock (the {@code Date} header): an item stamped just now but not yet visible in the list cannot
 *       be overtaken by the watermark.</li>
 *   <li>The snapshot's watermark starts at the server's time when the snapshot began, minus the overlap, so items
 *       changed while the snapshot pages run are read again.</li>
 * </ul>
 *
 * <h2>Deletes</h2>
 * Three ways, as the API allows:
 * <ul>
 *   <li>{@link RestResource#deleteScan()}: the source keeps every id it reported in a file of twoway's and, that
 *       often, lists every id and reports the ones missing as deleted (and any id it never saw as an upsert).</li>
 *   <li>{@link RestResource#deletedFlag()}: an item listed with the flag set is reported as a delete.</li>
 *   <li>{@link RestResource#tombstones()}: once the modifications are caught up, the deletions listed since the
 *       tombstone watermark are reported, with the same rules as the modification watermark (items at its exact
 *       time are skipped by id, and deletions younger than the overlap wait for the next poll).</li>
 * </ul>
 */
final class RestSource implements ChangeSource {
    private final RestAccess a;
    private final IdStore ids;
    private final WebhookInbox inbox;

    RestSource(RestAccess access, java.nio.file.Path idFile) {
        this(access, idFile, null);
    }

    RestSource(RestAccess access, java.nio.file.Path idFile, WebhookInbox inbox) {
        this.a = access;
        this.inbox = inbox;
        this.ids = access.resource.deleteScan() == null ? null : new IdStore(idFile);
    }

    @Override
    public ChangeBatch poll(String afterPosition, int maxChanges) {
        int limit = Math.max(1, maxChanges);
        ObjectNode pos;
        try {
            pos = afterPosition == null ? null : (ObjectNode) RestAccess.JSON.readTree(afterPosition);
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("unreadable capture position for " + a.system() + "." + a.entity + ": " + afterPosition, e);
        }
        long batch = pos == null ? 0 : pos.path("batch").asLong(0);
        if (ids != null) ids.settle(batch);
        Result out = pos != null && "poll".equals(pos.path("m").asText()) ? notified(pos, limit) : null;
        if (out != null) return finish(out, batch, false);
        boolean scanDue = ids != null && pos != null && "poll".equals(pos.path("m").asText())
                && System.currentTimeMillis() >= pos.path("scanAt").asLong(Long.MAX_VALUE);
        if (pos == null || "snap".equals(pos.path("m").asText())) out = snapshot(pos, limit);
        else {
            out = incremental(pos, limit);
            if (scanDue && out.caughtUp) {
                // Caught up with the modifications: now the ids gone since the last scan (and any never seen).
                Set<String> reported = new HashSet<>();
                out.changes.forEach(c -> reported.add(c.key().value()));
                List<Change> all = new ArrayList<>(out.changes);
                for (Change c : scan(pos).changes) if (!reported.contains(c.key().value())) all.add(c);
                out = new Result(all, out.position, true);
            } else {
                scanDue = false;
            }
            if (a.resource.tombstones() != null && out.caughtUp) out = withTombstones(out);
        }
        return finish(out, batch, scanDue);
    }

    private ChangeBatch finish(Result out, long batch, boolean scanDue) {
        ObjectNode next = out.position;
        next.put("batch", batch + 1);
        if (ids != null) {
            Map<String, Boolean> staged = new LinkedHashMap<>();
            for (Change ch : out.changes) staged.put(ch.key().value(), !ch.isDelete());
            ids.stage(batch + 1, staged);
            if (!next.has("scanAt") || scanDue) next.put("scanAt", System.currentTimeMillis() + a.resource.deleteScan().toMillis());
        }
        return new ChangeBatch(out.changes, next.toString(), out.caughtUp);
    }

    /**
     * The items webhooks named since the last poll, fetched now (or taken from the payload when it is trusted); an
     * item the API no longer has is reported deleted. Null when none is waiting. The position stays: the watermark
     * poll reads these items again later, which the engine ignores as unchanged.
     */
    private Result notified(ObjectNode pos, int limit) {
        if (inbox == null) return null;
        List<WebhookInbox.Notice> notices = inbox.take(a.entity, limit);
        if (notices.isEmpty()) return null;
        List<Change> changes = new ArrayList<>();
        Map<String, RestAccess.Item> batch = Map.of();
        try {
            if (a.search != null) {
                // HubSpot: one batch read for the ids to fetch; one missing there is checked by its own GET below
                List<String> fetch = new ArrayList<>();
                for (WebhookInbox.Notice n : notices) if (n.item() == null) fetch.add(n.id());
                if (!fetch.isEmpty()) batch = a.batchRead(fetch);
            }
        } catch (RuntimeException e) {
            inbox.offer(a.entity, notices); // not lost: the next poll tries again
            throw e;
        }
        for (WebhookInbox.Notice n : notices) {
            try {
                if (n.item() != null) {
                    changes.add(change(a.item(n.item(), null)));
                    continue;
                }
                RestAccess.Item fetched = batch.get(n.id());
                java.util.Optional<RestAccess.Item> it = fetched != null ? java.util.Optional.of(fetched) : a.get(new NativeKey(n.id()));
                changes.add(it.isPresent() ? change(it.get()) : Change.delete(new NativeKey(n.id()), serverNow()));
            } catch (RuntimeException e) {
                // not lost: offered again for the next poll (and the watermark poll reads the item in any case)
                inbox.offer(a.entity, notices.subList(notices.indexOf(n), notices.size()));
                if (changes.isEmpty()) throw e;
                break;
            }
        }
        return new Result(changes, pos.deepCopy(), inbox.waiting(a.entity) == 0);
    }

    @Override
    public boolean awaitChanges(java.time.Duration timeout) throws InterruptedException {
        if (inbox == null) return ChangeSource.super.awaitChanges(timeout);
        if (!inbox.await(a.entity, timeout)) return false;
        Thread.sleep(inbox.coalesce()); // a burst of notifications for one id becomes one fetch
        return true;
    }

    private record Result(List<Change> changes, ObjectNode position, boolean caughtUp) {
    }

    private Instant serverNow() {
        return a.client.serverDate().orElse(Instant.now());
    }

    private Result snapshot(ObjectNode pos, int limit) {
        String cont = pos == null || !pos.hasNonNull("next") ? null : pos.get("next").asText();
        RestAccess.Page page = a.page(Map.of(), cont);
        String since = pos == null ? Times.format(serverNow().minus(a.resource.overlap())) : pos.path("since").asText();
        List<Change> changes = new ArrayList<>();
        for (RestAccess.Item it : page.items()) changes.add(change(it));
        ObjectNode next = RestAccess.JSON.createObjectNode();
        if (pos != null && pos.has("scanAt")) next.set("scanAt", pos.get("scanAt"));
        if (page.next() == null) {
            next.put("m", "poll");
            next.put("ts", since);
            next.putArray("keys");
            if (a.resource.tombstones() != null) {
                next.put("tts", since);
                next.putArray("tkeys");
            }
        } else {
            next.put("m", "snap");
            next.put("since", since);
            next.put("next", page.next());
        }
        return new Result(changes, next, false);
    }

    private Result incremental(ObjectNode pos, int limit) {
        RestResource r = a.resource;
        if (r.updatedAt() == null || r.modifiedSince() == null) return fullList(pos);
        String ts = pos.path("ts").asText();
        Set<String> atTs = new HashSet<>();
        pos.path("keys").forEach(k -> atTs.add(k.asText()));
        List<RestAccess.Item> found = new ArrayList<>();
        String cont = null;
        Instant cutoff = null;
        boolean full = false;
        pages:
        while (true) {
            RestAccess.Page page = a.page(Map.of(r.modifiedSince(), ts), cont);
            if (cutoff == null) cutoff = serverNow().minus(r.overlap());
            for (RestAccess.Item it : page.items()) {
                JsonNode s = a.stamp(it);
                if (s == null) continue;
                int c = compare(s, ts);
                if (c < 0 || (c == 0 && atTs.contains(it.key().value()))) continue;
                Instant when = RestAccess.instantOrNull(s);
                if (when != null && when.isAfter(cutoff)) break pages; // sorted: the rest is younger still
                found.add(it);
                if (found.size() >= limit) {
                    full = true;
                    break pages;
                }
            }
            if (page.next() == null) break;
            cont = page.next();
        }
        ObjectNode next = pos.deepCopy();
        String newTs = ts;
        Set<String> keys = new LinkedHashSet<>(atTs);
        List<Change> changes = new ArrayList<>();
        for (RestAccess.Item it : found) {
            changes.add(change(it));
            String s = a.stamp(it).asText();
            int c = compare(a.stamp(it), newTs);
            if (c > 0) {
                newTs = s;
                keys.clear();
            }
            if (c >= 0) keys.add(it.key().value());
        }
        next.put("ts", newTs);
        ArrayNode k = next.putArray("keys");
        keys.forEach(k::add);
        return new Result(changes, next, !full);
    }

    /** Without a modified-since filter every poll reads the whole list (the engine ignores what did not change). */
    private Result fullList(ObjectNode pos) {
        List<Change> changes = new ArrayList<>();
        String cont = null;
        do {
            RestAccess.Page page = a.page(Map.of(), cont);
            for (RestAccess.Item it : page.items()) changes.add(change(it));
            cont = page.next();
        } while (cont != null);
        return new Result(changes, pos.deepCopy(), true);
    }

    /** A delete scan: every id listed now, against every id reported before. */
    private Result scan(ObjectNode pos) {
        Set<String> seen = new HashSet<>();
        List<Change> changes = new ArrayList<>();
        Set<String> known = ids.known();
        String cont = null;
        do {
            RestAccess.Page page = a.page(Map.of(), cont);
            for (RestAccess.Item it : page.items()) {
                seen.add(it.key().value());
                if (!known.contains(it.key().value())) changes.add(change(it));
            }
            cont = page.next();
        } while (cont != null);
        Instant now = serverNow();
        for (String id : known) if (!seen.contains(id)) changes.add(Change.delete(new NativeKey(id), now));
        return new Result(changes, pos.deepCopy(), true);
    }

    private Change change(RestAccess.Item it) {
        Instant t = a.resource.updatedAt() == null ? null : RestAccess.instantOrNull(a.stamp(it));
        Instant when = t == null ? serverNow() : t;
        if (a.flagged(it.json())) return Change.delete(it.key(), when);
        return Change.upsert(it.key(), it.row(), when);
    }

    /** The deletions listed since the tombstone watermark, after {@code out}'s changes, and the watermark moved on. */
    private Result withTombstones(Result out) {
        RestResource.Tombstones t = a.resource.tombstones();
        ObjectNode pos = out.position;
        String ts = pos.hasNonNull("tts") ? pos.get("tts").asText() : pos.path("ts").asText();
        Set<String> atTs = new LinkedHashSet<>();
        pos.path("tkeys").forEach(k -> atTs.add(k.asText()));
        URI uri = a.client.uri(t.path(), Map.of(t.sinceParam(), ts));
        JsonNode body = a.expectJson(a.client.send("GET", uri, null, Map.of()), "GET", uri);
        JsonNode arr = RestAccess.at(body, t.items());
        if (!arr.isArray()) {
            throw new IllegalStateException(a.system() + ": GET " + t.path() + " did not answer a JSON array at '" + t.items()
                    + "' (got " + arr.getNodeType() + "); set the tombstones' items pointer to where the response holds the deletions");
        }
        Instant cutoff = serverNow().minus(a.resource.overlap());
        List<Map.Entry<JsonNode, String>> found = new ArrayList<>();
        for (JsonNode n : arr) {
            JsonNode id = RestAccess.at(n, t.id()), at = RestAccess.at(n, t.deletedAt());
            if (id.isMissingNode() || id.isNull() || at.isMissingNode() || at.isNull()) {
                throw new IllegalStateException(a.system() + ": a deletion listed by " + t.path() + " has no id at '" + t.id() + "' or no time at '"
                        + t.deletedAt() + "': " + RestAccess.excerpt(n.toString()) + "; correct the tombstones' id and deleted-at pointers");
            }
            int c = compare(at, ts);
            if (c < 0 || (c == 0 && atTs.contains(id.asText()))) continue;
            Instant when = RestAccess.instantOrNull(at);
            if (when != null && when.isAfter(cutoff)) continue; // a later poll reads it, once nothing older can still appear
            found.add(Map.entry(at, id.asText()));
        }
        found.sort((x, y) -> compare(x.getKey(), y.getKey().asText()));
        List<Change> changes = new ArrayList<>(out.changes);
        String newTs = ts;
        for (var e : found) {
            Instant when = RestAccess.instantOrNull(e.getKey());
            changes.add(Change.delete(new NativeKey(e.getValue()), when == null ? serverNow() : when));
            int c = compare(e.getKey(), newTs);
            if (c > 0) {
                newTs = e.getKey().asText();
                atTs.clear();
            }
            if (c >= 0) atTs.add(e.getValue());
        }
        ObjectNode next = pos.deepCopy();
        next.put("tts", newTs);
        ArrayNode k = next.putArray("tkeys");
        atTs.forEach(k::add);
        return new Result(changes, next, out.caughtUp);
    }

    /** Timestamps by time when both read as times, numbers by value, anything else as text. */
    static int compare(JsonNode stamp, String watermark) {
        if (stamp.isNumber()) {
            try {
                return stamp.decimalValue().compareTo(new java.math.BigDecimal(watermark));
            } catch (NumberFormatException e) {
                // fall through to text
            }
        }
        Instant x = Times.parse(stamp.asText()), y = Times.parse(watermark);
        if (x != null && y != null) return x.compareTo(y);
        return stamp.asText().compareTo(watermark);
    }
}
