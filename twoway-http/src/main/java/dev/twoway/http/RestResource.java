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
 * @param versionField  a field the API increments on every change and checks on update (optimistic locking): the
 *                      update carries the value read, and a 409 or 412 answer means the item changed meanwhile; null: none
 * @param deletedFlag   deletes are a flag on the item (soft delete): an item carrying it counts as deleted, and a
 *                      delete is written by setting it; null: deletes are real {@code DELETE}s
 * @param tombstones    an endpoint listing the ids deleted since a time; null: none
 */
public record RestResource(String path, String itemPath, String items, String item, String id, String updatedAt,
                           String modifiedSince, Map<String, String> listQuery, Paging paging, String update, boolean ifMatch,
                           Duration overlap, Duration deleteScan, List<String> fields, String versionField,
                           DeletedFlag deletedFlag, Tombstones tombstones) {

    /**
     * A soft-delete flag: the item at {@code field} (name or pointer) equal to {@code value} is deleted.
     *
     * @param value the JSON value meaning deleted ({@code true}, {@code "archived"})
     */
    public record DeletedFlag(String field, com.fasterxml.jackson.databind.JsonNode value) {
        public DeletedFlag {
            Objects.requireNonNull(field);
            Objects.requireNonNull(value);
        }

        boolean on(com.fasterxml.jackson.databind.JsonNode item) {
            com.fasterxml.jackson.databind.JsonNode v = RestAccess.field(item, field);
            if (v.isNumber() && value.isNumber()) return v.decimalValue().compareTo(value.decimalValue()) == 0;
            return v.equals(value);
        }
    }

    /**
     * A list of deletions: {@code GET <path>?<sinceParam>=<time>} answers the deletions at or after that time, oldest
     * first (or in any order, when it answers all of them in one response).
     *
     * @param items     JSON Pointer to the array in the response; empty when the response is the array
     * @param id        JSON Pointer to a deletion's item id
     * @param deletedAt JSON Pointer to a deletion's time (ISO-8601 text or epoch milliseconds)
     */
    public record Tombstones(String path, String sinceParam, String items, String id, String deletedAt) {
        public Tombstones {
            Objects.requireNonNull(path);
            Objects.requireNonNull(sinceParam);
            if (items == null) items = "";
            if (id == null) id = "/id";
            Objects.requireNonNull(deletedAt);
        }
    }

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
        return new RestResource(path, null, null, null, null, null, null, null, null, null, true, null, null, null, null, null, null);
    }

    public RestResource withIncremental(String updatedAtPointer, String modifiedSinceParam, Map<String, String> sortQuery) {
        return new RestResource(path, itemPath, items, item, id, updatedAtPointer, modifiedSinceParam, sortQuery, paging, update, ifMatch, overlap, deleteScan, fields, versionField, deletedFlag, tombstones);
    }

    public RestResource withPaging(Paging p) {
        return new RestResource(path, itemPath, items, item, id, updatedAt, modifiedSince, listQuery, p, update, ifMatch, overlap, deleteScan, fields, versionField, deletedFlag, tombstones);
    }

    public RestResource withUpdate(String method, boolean useIfMatch) {
        return new RestResource(path, itemPath, items, item, id, updatedAt, modifiedSince, listQuery, paging, method, useIfMatch, overlap, deleteScan, fields, versionField, deletedFlag, tombstones);
    }

    public RestResource withTiming(Duration overlapWindow, Duration deleteScanEvery) {
        return new RestResource(path, itemPath, items, item, id, updatedAt, modifiedSince, listQuery, paging, update, ifMatch, overlapWindow, deleteScanEvery, fields, versionField, deletedFlag, tombstones);
    }

    public RestResource withDeletes(DeletedFlag flag, Tombstones list) {
        return new RestResource(path, itemPath, items, item, id, updatedAt, modifiedSince, listQuery, paging, update, ifMatch, overlap, deleteScan, fields, versionField, flag, list);
    }

    public RestResource withVersionField(String pointer) {
        return new RestResource(path, itemPath, items, item, id, updatedAt, modifiedSince, listQuery, paging, update, ifMatch, overlap, deleteScan, fields, pointer, deletedFlag, tombstones);
    }

    /** A resource at another place: its item path, the list and item pointers, the id pointer and the fields read. */
    public RestResource withShape(String itemPathPattern, String itemsPointer, String itemPointer, String idPointer, List<String> readFields) {
        return new RestResource(path, itemPathPattern, itemsPointer, itemPointer, idPointer, updatedAt, modifiedSince, listQuery, paging, update, ifMatch, overlap, deleteScan, readFields, versionField, deletedFlag, tombstones);
    }
}
