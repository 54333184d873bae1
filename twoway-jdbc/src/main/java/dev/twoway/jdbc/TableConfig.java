package dev.twoway.jdbc;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How twoway uses one table.
 *
 * @param table         the table's name exactly as the database spells it
 * @param schema        its schema (PostgreSQL) or database (MariaDB); {@code null}: the connection's current one
 * @param key           the columns identifying a row; empty: the primary key
 * @param capture       how changes are found
 * @param updatedAt     poll capture: the column holding each row's last modification time
 * @param softDelete    poll capture: a boolean column that is true once a row counts as deleted; {@code null}: none
 * @param overlap       poll capture: how long a transaction may take to commit after it set {@code updatedAt}; rows
 *                      are read once they are this old, so a late commit is never missed
 * @param externalId    a text column where twoway stores its record id in rows it inserts (find-or-create after a
 *                      crash without match fields); {@code null}: none
 * @param archiveTable  where the {@code archive} delete policy copies rows before deleting them; {@code null}:
 *                      {@code <table>_archive}, created on first use
 * @param pageSize      rows per snapshot page, per change batch and per checksum range
 * @param deleteScan    poll capture: how often to look for hard-deleted rows by checking every key twoway has seen
 *                      (kept in a file of twoway's); {@code null}: never (deletes only through {@code softDelete})
 */
public record TableConfig(String table, String schema, List<String> key, CaptureMode capture, String updatedAt,
                          String softDelete, Duration overlap, String externalId, String archiveTable, int pageSize,
                          Duration deleteScan) {

    public enum CaptureMode { TRIGGERS, POLL, CHECKSUM }

    public TableConfig {
        Objects.requireNonNull(table, "table");
        key = key == null ? List.of() : List.copyOf(key);
        capture = capture == null ? CaptureMode.TRIGGERS : capture;
        overlap = overlap == null ? Duration.ofSeconds(2) : overlap;
        if (pageSize <= 0) pageSize = 1000;
        if (capture == CaptureMode.POLL && updatedAt == null) {
            throw new SqlConfigException("table \"" + table + "\": capture 'poll' needs the column holding each row's modification time"
                    + " (updated_at); use capture 'triggers' or 'checksum' for a table without one");
        }
    }

    public static TableConfig of(String table) {
        return new TableConfig(table, null, List.of(), CaptureMode.TRIGGERS, null, null, null, null, null, 1000, null);
    }

    public TableConfig withCapture(CaptureMode mode) {
        return new TableConfig(table, schema, key, mode, updatedAt, softDelete, overlap, externalId, archiveTable, pageSize, deleteScan);
    }

    public TableConfig withPoll(String updatedAtColumn, String softDeleteColumn, Duration overlapWindow) {
        return new TableConfig(table, schema, key, CaptureMode.POLL, updatedAtColumn, softDeleteColumn, overlapWindow, externalId, archiveTable, pageSize, deleteScan);
    }

    /** Poll capture: also find hard deletes by checking every known key this often. */
    public TableConfig withDeleteScan(Duration every) {
        return new TableConfig(table, schema, key, capture, updatedAt, softDelete, overlap, externalId, archiveTable, pageSize, every);
    }

    public TableConfig withKey(List<String> columns) {
        return new TableConfig(table, schema, columns, capture, updatedAt, softDelete, overlap, externalId, archiveTable, pageSize, deleteScan);
    }

    public TableConfig withSchema(String s) {
        return new TableConfig(table, s, key, capture, updatedAt, softDelete, overlap, externalId, archiveTable, pageSize, deleteScan);
    }

    public TableConfig withExternalId(String column) {
        return new TableConfig(table, schema, key, capture, updatedAt, softDelete, overlap, column, archiveTable, pageSize, deleteScan);
    }

    public TableConfig withPageSize(int rows) {
        return new TableConfig(table, schema, key, capture, updatedAt, softDelete, overlap, externalId, archiveTable, rows, deleteScan);
    }
}
