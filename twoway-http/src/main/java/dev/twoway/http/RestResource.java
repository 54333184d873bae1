package dev.twoway.http;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One resource of an HTTP application (customers, contacts) as a twoway entity.
 *
 * <p>Field names ("columns") are top-level properties of an item ({@code email}), or JSON Pointers into it
 * ({@code /properties/email}) for nested values.
 *
 * @param path          the collection, relative to the base URL: list with GET, create with POST ({@code /customers})
 * @param itemPath      one item: GET, update and DELETE; {@code {id}} stands for the item's id ({@code /customers/{id}})
 * @param items         JSON Pointer to the array of items in a list response; empty when the response is the array
 * @param item          JSON Pointer to the item in a single-item response (GET, POST, PATCH); empty when it is the body
 * @param id            JSON Pointer to an item's id ({@code /id})
 * @param updatedAt     JSON Pointer to an item's modification time (ISO-8601 text or epoch milliseconds); null when
 *                      the resource has none (then it can only be written to, or snapshotted)
 * @param modifiedSince the list query parameter that keeps items modified at or after a time
 *                      ({@code updatedAt_gte} for json-server); null to list everything on every poll
 * @param listQuery     fixed query parameters of every list request; they must sort by the modification time,
 *                      oldest first, when {@code modifiedSince} is used ({@code _sort=updatedAt, _order=asc})
 * @param update        {@code PATCH} (send the changed fields) or {@code PUT} (send the whole item)
 * @param ifMatch       send {@code If-Match} with the item's ETag on update and delete when the API gives ETags;
 *                      the values are always compared first (read-compare-write)
 * @param overlap       an item is only read once its modification time is this much older than the server's clock
 *                      (the {@code Date} header), so an item stamped but not yet visible is not skipped
 * @param deleteScan    how often to list every id and report the ones gone since as deleted; null: never
 * @param fields        the fields twoway reads, by name or pointer; empty: every top-level property
 */
public record RestResource(String path, String itemPath, String items, String item, String id, String updatedAt,
                           String modifiedSince, Map<String, String> listQuery, Paging paging, String update, boolean ifMatch,
                           Duration overlap, Duration deleteScan, List<String> fields) {

    public RestResource {
        Objects.requireNonNull(path);
        if (itemPath == null) itemPath = path + "/{id}";
        if (items == null) items = "";
        if (item == null) item = "";
        if (id == null) id = "/id";
        listQuery = listQuery == null ? Map.of() : Map.copyOf(listQuery);
        if (paging == null) paging = Paging.page(null, null, 100);
        update = update == null ? "PATCH" : update.toUpperCase(java.util.Locale.ROOT);
        if (!update.equals("PATCH") && !update.equals("PUT")) throw new IllegalArgumentException("update must be PATCH or PUT, not " + update);
        if (overlap == null) overlap = Duration.ofSeconds(2);
        fields = fields == null ? List.of() : List.copyOf(fields);
    }

    /** A resource at {@code path} with every default: ids at {@code /id}, page+size paging, PATCH updates. */
    public static RestResource at(String path) {
        return new RestResource(path, null, null, null, null, null, null, null, null, null, true, null, null, null);
    }

    public RestResource withIncremental(String updatedAtPointer, String modifiedSinceParam, Map<String, String> sortQuery) {
        return new RestResource(path, itemPath, items, item, id, updatedAtPointer, modifiedSinceParam, sortQuery, paging, update, ifMatch, overlap, deleteScan, fields);
    }

    public RestResource withPaging(Paging p) {
        return new RestResource(path, itemPath, items, item, id, updatedAt, modifiedSince, listQuery, p, update, ifMatch, overlap, deleteScan, fields);
    }

    public RestResource withUpdate(String method, boolean useIfMatch) {
        return new RestResource(path, itemPath, items, item, id, updatedAt, modifiedSince, listQuery, paging, method, useIfMatch, overlap, deleteScan, fields);
    }

    public RestResource withTiming(Duration overlapWindow, Duration deleteScanEvery) {
        return new RestResource(path, itemPath, items, item, id, updatedAt, modifiedSince, listQuery, paging, update, ifMatch, overlapWindow, deleteScanEvery, fields);
    }
}
