package dev.twoway.store;

import dev.twoway.model.RecordId;

import java.time.Instant;

/**
 * A conflict waiting for a person (manual policy, delete confirmation, delete/update conflict under manual).
 *
 * @param id         assigned by the store
 * @param field      the canonical field, or {@code __record__} for the whole record
 * @param kind       {@code field}, {@code delete-confirm} or {@code delete-update}
 * @param candidates JSON text: {@code {"base": v, "versions": {"crm": v, "erp": v}}} with tagged values
 *                   ({@link dev.twoway.model.ValueJson}); for deletes a version may be {@code "deleted"}
 * @param status     {@code open} or {@code resolved}
 * @param resolution JSON text of the decision once resolved: chosen value, by whom, comment
 */
public record ConflictRecord(long id, String sync, RecordId recordId, String field, String kind, String candidates,
                             Instant createdAt, String status, String resolution, Instant resolvedAt) {
    public boolean open() {
        return "open".equals(status);
    }
}
