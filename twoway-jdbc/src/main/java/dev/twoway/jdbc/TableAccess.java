package dev.twoway.jdbc;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One table as twoway reads and addresses it: the key columns, the columns a row image holds (all but the
 * external-id column), and the SQL to read rows by key and in key order. Everything is quoted and bound.
 */
final class TableAccess {
    final Database db;
    final Dialect dialect;
    final ValueCodec codec;
    final Table table;
    final TableConfig config;
    final List<Column> key;
    final List<Column> columns;
    final Column externalId;
    final String name;
    private final String selectList;

    TableAccess(Database db, Table table, TableConfig config) {
        this.db = db;
        this.dialect = db.dialect();
        this.codec = new ValueCodec(dialect, db.zone());
        this.table = table;
        this.config = config;
        List<String> keyNames = config.key().isEmpty() ? table.primaryKey() : config.key();
        if (keyNames.isEmpty()) {
            throw new SqlConfigException("table " + table.label() + " has no primary key: declare one, or name the columns that identify a row"
                    + " with 'key: [col, …]' in the table's config");
        }
        this.key = keyNames.stream().map(table::require).toList();
        this.externalId = config.externalId() == null ? null : table.require(config.externalId());
        if (externalId != null && externalId.kind().canonical() != dev.twoway.model.ValueType.STRING) {
            throw new SqlConfigException("table " + table.label() + ": the external-id column \"" + externalId.name() + "\" must be a text column"
                    + " (it holds twoway's record ids, 26 characters); it is " + externalId.typeName());
        }
        this.columns = table.columns().stream().filter(c -> externalId == null || !c.name().equals(externalId.name())).toList();
        this.name = dialect.table(table);
        this.selectList = table.columns().stream().map(c -> dialect.quote(c.name())).collect(Collectors.joining(", "));
    }

    String select() {
        return "SELECT " + selectList + " FROM " + name;
    }

    String keyList() {
        return key.stream().map(c -> dialect.quote(c.name())).collect(Collectors.joining(", "));
    }

    /** {@code key = ?} for one key, {@code (a, b) = (?, ?)} for a composite one. */
    String keyEquals() {
        return key.stream().map(c -> dialect.quote(c.name()) + " = ?").collect(Collectors.joining(" AND "));
    }

    String keyIn(int n) {
        String one = key.size() == 1 ? "?" : "(" + key.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";
        String lhs = key.size() == 1 ? dialect.quote(key.getFirst().name()) : "(" + keyList() + ")";
        return lhs + " IN (" + java.util.Collections.nCopies(n, one).stream().collect(Collectors.joining(", ")) + ")";
    }

    /** {@code (a, b) > (?, ?)}: keyset paging. */
    String keyAfter() {
        if (key.size() == 1) return dialect.quote(key.getFirst().name()) + " > ?";
        String ph = "(" + key.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";
        return "(" + keyList() + ") > " + ph;
    }

    int bindKey(PreparedStatement ps, int index, NativeKey k) throws SQLException {
        List<Value> parts = codec.decodeKey(k, key);
        for (int i = 0; i < parts.size(); i++) codec.bind(ps, index++, key.get(i), parts.get(i));
        return index;
    }

    /** A row image: its key, the values of every column but the external id, and the external id. */
    record Image(NativeKey key, Row row, String externalId) {
    }

    Image image(ResultSet rs) throws SQLException {
        Map<String, Value> values = new LinkedHashMap<>();
        String ext = null;
        List<Column> all = table.columns();
        for (int i = 0; i < all.size(); i++) {
            Column c = all.get(i);
            Value v = codec.read(rs, i + 1, c);
            if (externalId != null && c.name().equals(externalId.name())) ext = v instanceof Value.Str s ? s.value() : null;
            else values.put(c.name(), v);
        }
        List<Value> k = new ArrayList<>(key.size());
        for (Column c : key) k.add(values.get(c.name()));
        return new Image(ValueCodec.encodeKey(k), Row.of(values), ext);
    }

    /** Reads the rows with the given keys, in chunks; absent keys are absent from the answer. */
    Map<NativeKey, Image> readByKeys(Connection c, Collection<NativeKey> keys) throws SQLException {
        Map<NativeKey, Image> out = new LinkedHashMap<>();
        List<NativeKey> all = new ArrayList<>(keys);
        for (int from = 0; from < all.size(); from += 500) {
            List<NativeKey> chunk = all.subList(from, Math.min(all.size(), from + 500));
            try (PreparedStatement ps = c.prepareStatement(select() + " WHERE " + keyIn(chunk.size()))) {
                int i = 1;
                for (NativeKey k : chunk) i = bindKey(ps, i, k);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Image img = image(rs);
                        out.put(img.key(), img);
                    }
                }
            }
        }
        return out;
    }

    /** One page of rows in key order after {@code after} ({@code null}: from the start). */
    List<Image> page(Connection c, NativeKey after, int limit) throws SQLException {
        String sql = select() + (after == null ? "" : " WHERE " + keyAfter()) + " ORDER BY " + keyList() + " LIMIT " + limit;
        List<Image> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (after != null) bindKey(ps, 1, after);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(image(rs));
            }
        }
        return out;
    }
}
