package dev.twoway.jdbc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A table as introspected: its columns in order, its primary key, unique keys and foreign keys.
 *
 * @param schema     the schema (PostgreSQL) or database (MariaDB) it lives in; {@code null} for SQLite
 * @param name       the table's name exactly as the database spells it
 * @param primaryKey the primary key's columns in key order; empty if the table has none
 */
public record Table(String schema, String name, List<Column> columns, List<String> primaryKey,
                    List<List<String>> uniqueKeys, List<ForeignKey> foreignKeys) {

    /** A foreign key: {@code columns} of this table reference {@code refColumns} of {@code refTable}. */
    public record ForeignKey(String name, List<String> columns, String refSchema, String refTable, List<String> refColumns) {
    }

    public Table {
        Objects.requireNonNull(name);
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        uniqueKeys = List.copyOf(uniqueKeys);
        foreignKeys = List.copyOf(foreignKeys);
    }

    public Optional<Column> column(String columnName) {
        for (Column c : columns) if (c.name().equals(columnName)) return Optional.of(c);
        return Optional.empty();
    }

    /** The column, or an error naming the table, the column and the columns that do exist. */
    public Column require(String columnName) {
        return column(columnName).orElseThrow(() -> new SqlConfigException("table " + label() + " has no column \""
                + columnName + "\"; its columns are " + columns.stream().map(Column::name).toList()));
    }

    public Map<String, Column> byName() {
        Map<String, Column> m = new LinkedHashMap<>();
        for (Column c : columns) m.put(c.name(), c);
        return m;
    }

    public String label() {
        return schema == null ? "\"" + name + "\"" : "\"" + schema + "\".\"" + name + "\"";
    }
}
