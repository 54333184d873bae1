package dev.twoway.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a table's definition from the database: columns with their types and limits, the primary key, unique
 * keys and foreign keys. Column types come from each database's own catalog (which knows enums, JSON, identity
 * columns and lengths precisely); keys from JDBC metadata, which all three drivers implement.
 */
public final class Introspector {
    private final Dialect dialect;

    public Introspector(Dialect dialect) {
        this.dialect = dialect;
    }

    /** The table, or a {@link SqlConfigException} naming the tables that do exist when it does not. */
    public Table table(Connection c, String schema, String name) throws SQLException {
        String s = schema != null ? schema : dialect.currentSchema(c);
        List<Column> columns = switch (dialect) {
            case Dialect.Postgres p -> postgresColumns(c, s, name);
            case Dialect.MariaDb m -> mariaDbColumns(c, s, name);
            case Dialect.Sqlite q -> sqliteColumns(c, name);
        };
        if (columns.isEmpty()) {
            throw new SqlConfigException("table " + (s == null ? "" : "\"" + s + "\".") + "\"" + name + "\" does not exist in this "
                    + dialect.name() + " database; tables there: " + tables(c, s));
        }
        DatabaseMetaData md = c.getMetaData();
        String catalog = dialect instanceof Dialect.MariaDb ? s : null;
        String metaSchema = dialect instanceof Dialect.Postgres ? s : null;
        List<String> pk = new ArrayList<>();
        try (ResultSet rs = md.getPrimaryKeys(catalog, metaSchema, name)) {
            Map<Integer, String> ordered = new TreeMap<>();
            while (rs.next()) ordered.put(rs.getInt("KEY_SEQ"), rs.getString("COLUMN_NAME"));
            pk.addAll(ordered.values());
        }
        Map<String, Map<Integer, String>> uniques = new LinkedHashMap<>();
        try (ResultSet rs = md.getIndexInfo(catalog, metaSchema, name, true, false)) {
            while (rs.next()) {
                String col = rs.getString("COLUMN_NAME");
                if (col == null || rs.getBoolean("NON_UNIQUE")) continue;
                uniques.computeIfAbsent(rs.getString("INDEX_NAME"), k -> new TreeMap<>()).put((int) rs.getShort("ORDINAL_POSITION"), col);
            }
        }
        List<List<String>> uniqueKeys = uniques.values().stream().map(m -> List.copyOf(m.values())).filter(u -> !u.equals(pk)).toList();
        Map<String, Table.ForeignKey> fks = new LinkedHashMap<>();
        try (ResultSet rs = md.getImportedKeys(catalog, metaSchema, name)) {
            while (rs.next()) {
                String fkName = rs.getString("FK_NAME");
                String key = fkName != null ? fkName : rs.getString("PKTABLE_NAME") + "#" + rs.getShort("KEY_SEQ");
                Table.ForeignKey prev = fks.get(key);
                List<String> cols = new ArrayList<>(prev == null ? List.of() : prev.columns());
                List<String> refs = new ArrayList<>(prev == null ? List.of() : prev.refColumns());
                cols.add(rs.getString("FKCOLUMN_NAME"));
                refs.add(rs.getString("PKCOLUMN_NAME"));
                String refSchema = dialect instanceof Dialect.MariaDb ? rs.getString("PKTABLE_CAT") : rs.getString("PKTABLE_SCHEM");
                fks.put(key, new Table.ForeignKey(fkName, cols, refSchema, rs.getString("PKTABLE_NAME"), refs));
            }
        }
        return new Table(s, name, columns, pk, uniqueKeys, List.copyOf(fks.values()));
    }

    /** The names of the tables in a schema (for error messages and {@code twoway init}). */
    public List<String> tables(Connection c, String schema) throws SQLException {
        String sql = switch (dialect) {
            case Dialect.Postgres p -> "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY 1";
            case Dialect.MariaDb m -> "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY 1";
            case Dialect.Sqlite q -> "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND (? IS NULL OR 1 = 1) ORDER BY 1";
        };
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    // ---- PostgreSQL ------------------------------------------------------------------------------------------

    private List<Column> postgresColumns(Connection c, String schema, String table) throws SQLException {
        String sql = "SELECT column_name, data_type, udt_schema, udt_name, character_maximum_length, numeric_precision, numeric_scale,"
                + " datetime_precision, is_nullable, column_default, is_identity, is_generated"
                + " FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position";
        List<Column> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    String dataType = rs.getString(2);
                    String udt = rs.getString(4);
                    Integer len = (Integer) rs.getObject(5);
                    Integer prec = (Integer) rs.getObject(6);
                    Integer scale = (Integer) rs.getObject(7);
                    Integer frac = (Integer) rs.getObject(8);
                    boolean nullable = "YES".equals(rs.getString(9));
                    String dflt = rs.getString(10);
                    boolean generated = "YES".equals(rs.getString(11)) || (dflt != null && dflt.startsWith("nextval("))
                            || "ALWAYS".equals(rs.getString(12));
                    Column col = switch (dataType) {
                        case "smallint" -> integer(name, udt, -32768L, 32767L, nullable, generated);
                        case "integer" -> integer(name, udt, (long) Integer.MIN_VALUE, (long) Integer.MAX_VALUE, nullable, generated);
                        case "bigint" -> integer(name, udt, Long.MIN_VALUE, Long.MAX_VALUE, nullable, generated);
                        case "numeric" -> new Column(name, prec == null ? "numeric" : "numeric(" + prec + "," + scale + ")", SqlKind.DECIMAL,
                                null, null, null, prec, prec == null ? null : scale, null, List.of(), nullable, generated);
                        case "real", "double precision" -> simple(name, dataType, SqlKind.FLOAT, nullable, generated);
                        case "boolean" -> simple(name, dataType, SqlKind.BOOLEAN, nullable, generated);
                        case "character varying" -> new Column(name, len == null ? "varchar" : "varchar(" + len + ")", SqlKind.TEXT, len,
                                null, null, null, null, null, List.of(), nullable, generated);
                        case "character" -> new Column(name, "char(" + len + ")", SqlKind.CHAR, len, null, null, null, null, null, List.of(), nullable, generated);
                        case "text", "citext" -> simple(name, dataType, SqlKind.TEXT, nullable, generated);
                        case "date" -> simple(name, dataType, SqlKind.DATE, nullable, generated);
                        case "time without time zone", "time with time zone" -> new Column(name, udt, SqlKind.TIME, null, null, null, null, null,
                                frac, List.of(), nullable, generated);
                        case "timestamp without time zone" -> new Column(name, "timestamp", SqlKind.TIMESTAMP, null, null, null, null, null,
                                frac, List.of(), nullable, generated);
                        case "timestamp with time zone" -> new Column(name, "timestamptz", SqlKind.TIMESTAMPTZ, null, null, null, null, null,
                                frac, List.of(), nullable, generated);
                        case "json", "jsonb" -> simple(name, dataType, SqlKind.JSON, nullable, generated);
                        case "uuid" -> simple(name, dataType, SqlKind.UUID, nullable, generated);
                        case "bytea" -> simple(name, dataType, SqlKind.BYTES, nullable, generated);
                        case "USER-DEFINED" -> {
                            List<String> labels = postgresEnum(c, rs.getString(3), udt);
                            yield labels.isEmpty() ? simple(name, udt, SqlKind.TEXT, nullable, generated)
                                    : new Column(name, udt, SqlKind.ENUM, null, null, null, null, null, null, labels, nullable, generated);
                        }
                        default -> simple(name, dataType, SqlKind.TEXT, nullable, generated);
                    };
                    out.add(col);
                }
            }
        }
        return out;
    }

    private static List<String> postgresEnum(Connection c, String schema, String type) throws SQLException {
        String sql = "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace"
                + " WHERE n.nspname = ? AND t.typname = ? ORDER BY e.enumsortorder";
        List<String> labels = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, type);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) labels.add(rs.getString(1));
            }
        }
        return labels;
    }

    // ---- MariaDB ---------------------------------------------------------------------------------------------

    private static final Pattern ENUM_LABEL = Pattern.compile("'((?:[^'\\\\]|''|\\\\.)*)'");

    private List<Column> mariaDbColumns(Connection c, String schema, String table) throws SQLException {
        String sql = "SELECT column_name, data_type, column_type, character_maximum_length, numeric_precision, numeric_scale,"
                + " datetime_precision, is_nullable, extra,"
                + " EXISTS (SELECT 1 FROM information_schema.check_constraints k WHERE k.constraint_schema = c.table_schema"
                + "   AND k.table_name = c.table_name AND k.check_clause LIKE CONCAT('%json_valid(`', REPLACE(c.column_name, '`', '``'), '`)%')) AS is_json"
                + " FROM information_schema.columns c WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position";
        List<Column> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    String dataType = rs.getString(2).toLowerCase(Locale.ROOT);
                    String columnType = rs.getString(3).toLowerCase(Locale.ROOT);
                    Long len = rs.getObject(4) == null ? null : rs.getLong(4);
                    Integer prec = rs.getObject(5) == null ? null : rs.getInt(5);
                    Integer scale = rs.getObject(6) == null ? null : rs.getInt(6);
                    Integer frac = rs.getObject(7) == null ? null : rs.getInt(7);
                    boolean nullable = "YES".equals(rs.getString(8));
                    String extra = rs.getString(9) == null ? "" : rs.getString(9).toLowerCase(Locale.ROOT);
                    boolean generated = extra.contains("auto_increment") || extra.contains("generated") || extra.contains("virtual")
                            || extra.contains("stored");
                    boolean json = rs.getBoolean(10);
                    boolean unsigned = columnType.contains("unsigned");
                    Integer textLen = len == null || len > Integer.MAX_VALUE ? null : len.intValue();
                    Column col = switch (dataType) {
                        case "tinyint" -> columnType.startsWith("tinyint(1)") ? simple(name, columnType, SqlKind.BOOLEAN, nullable, generated)
                                : integer(name, columnType, unsigned ? 0L : -128L, unsigned ? 255L : 127L, nullable, generated);
                        case "bit" -> columnType.equals("bit(1)") ? simple(name, columnType, SqlKind.BOOLEAN, nullable, generated)
                                : simple(name, columnType, SqlKind.BYTES, nullable, generated);
                        case "smallint" -> integer(name, columnType, unsigned ? 0L : -32768L, unsigned ? 65535L : 32767L, nullable, generated);
                        case "mediumint" -> integer(name, columnType, unsigned ? 0L : -8388608L, unsigned ? 16777215L : 8388607L, nullable, generated);
                        case "int" -> integer(name, columnType, unsigned ? 0L : Integer.MIN_VALUE, unsigned ? 4294967295L : Integer.MAX_VALUE, nullable, generated);
                        case "bigint" -> unsigned
                                ? new Column(name, columnType, SqlKind.DECIMAL, null, null, null, 20, 0, null, List.of(), nullable, generated)
                                : integer(name, columnType, Long.MIN_VALUE, Long.MAX_VALUE, nullable, generated);
                        case "decimal" -> new Column(name, columnType, SqlKind.DECIMAL, null, null, null, prec, scale, null, List.of(), nullable, generated);
                        case "float", "double" -> simple(name, columnType, SqlKind.FLOAT, nullable, generated);
                        case "char" -> new Column(name, columnType, SqlKind.CHAR, textLen, null, null, null, null, null, List.of(), nullable, generated);
                        case "varchar", "tinytext", "text", "mediumtext", "longtext" -> json
                                ? simple(name, "json", SqlKind.JSON, nullable, generated)
                                : new Column(name, columnType, SqlKind.TEXT, textLen, null, null, null, null, null, List.of(), nullable, generated);
                        case "json" -> simple(name, "json", SqlKind.JSON, nullable, generated);
                        case "uuid" -> simple(name, columnType, SqlKind.UUID, nullable, generated);
                        case "date" -> simple(name, columnType, SqlKind.DATE, nullable, generated);
                        case "time" -> new Column(name, columnType, SqlKind.TIME, null, null, null, null, null, frac, List.of(), nullable, generated);
                        case "datetime", "timestamp" -> new Column(name, columnType, SqlKind.TIMESTAMP, null, null, null, null, null, frac,
                                List.of(), nullable, generated);
                        case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" -> new Column(name, columnType, SqlKind.BYTES,
                                textLen, null, null, null, null, null, List.of(), nullable, generated);
                        case "enum" -> new Column(name, columnType, SqlKind.ENUM, null, null, null, null, null, null, enumLabels(rs.getString(3)),
                                nullable, generated);
                        default -> simple(name, columnType, SqlKind.TEXT, nullable, generated);
                    };
                    out.add(col);
                }
            }
        }
        return out;
    }

    static List<String> enumLabels(String columnType) {
        List<String> labels = new ArrayList<>();
        Matcher m = ENUM_LABEL.matcher(columnType.substring(columnType.indexOf('(')));
        while (m.find()) labels.add(m.group(1).replace("''", "'").replace("\\\\", "\\"));
        return labels;
    }

    // ---- SQLite ----------------------------------------------------------------------------------------------

    private static final Pattern LENGTH = Pattern.compile("\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");

    private List<Column> sqliteColumns(Connection c, String table) throws SQLException {
        List<Column> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                List<Object[]> raw = new ArrayList<>();
                int pkCount = 0;
                while (rs.next()) {
                    raw.add(new Object[]{rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getInt(4)});
                    if (rs.getInt(4) > 0) pkCount++;
                }
                for (Object[] r : raw) {
                    String name = (String) r[0];
                    String declared = r[1] == null ? "" : (String) r[1];
                    boolean nullable = !(Boolean) r[2];
                    // INTEGER PRIMARY KEY is the rowid: SQLite assigns it when an insert leaves it out.
                    boolean rowid = (Integer) r[3] > 0 && pkCount == 1 && declared.equalsIgnoreCase("integer");
                    out.add(sqliteColumn(name, declared, nullable, rowid));
                }
            }
        }
        return out;
    }

    /** SQLite's declared types, read the way SQLite's type affinity rules read them (plus the common names). */
    static Column sqliteColumn(String name, String declared, boolean nullable, boolean generated) {
        String t = declared.toLowerCase(Locale.ROOT);
        Matcher m = LENGTH.matcher(t);
        Integer n1 = null, n2 = null;
        if (m.find()) {
            n1 = Integer.parseInt(m.group(1));
            n2 = m.group(2) == null ? null : Integer.parseInt(m.group(2));
        }
        if (t.contains("bool")) return simple(name, declared, SqlKind.BOOLEAN, nullable, generated);
        if (t.contains("int")) return integer(name, declared, Long.MIN_VALUE, Long.MAX_VALUE, nullable, generated);
        if (t.contains("json")) return simple(name, declared, SqlKind.JSON, nullable, generated);
        if (t.contains("uuid")) return simple(name, declared, SqlKind.UUID, nullable, generated);
        if (t.contains("char") || t.contains("clob") || t.contains("text")) {
            return new Column(name, declared, SqlKind.TEXT, n1, null, null, null, null, null, List.of(), nullable, generated);
        }
        if (t.contains("blob") || t.isEmpty()) return simple(name, declared, SqlKind.BYTES, nullable, generated);
        if (t.contains("real") || t.contains("floa") || t.contains("doub")) return simple(name, declared, SqlKind.FLOAT, nullable, generated);
        if (t.contains("timestamp") || t.contains("datetime")) return new Column(name, declared, SqlKind.TIMESTAMP, null, null, null, null, null,
                null, List.of(), nullable, generated);
        if (t.contains("date")) return simple(name, declared, SqlKind.DATE, nullable, generated);
        if (t.contains("time")) return simple(name, declared, SqlKind.TIME, nullable, generated);
        if (t.contains("dec") || t.contains("num")) return new Column(name, declared, SqlKind.DECIMAL, null, null, null, n1, n1 == null ? null
                : (n2 == null ? 0 : n2), null, List.of(), nullable, generated);
        return simple(name, declared, SqlKind.TEXT, nullable, generated);
    }

    private static Column integer(String name, String typeName, Long min, Long max, boolean nullable, boolean generated) {
        return new Column(name, typeName, SqlKind.INTEGER, null, min, max, null, null, null, List.of(), nullable, generated);
    }

    private static Column simple(String name, String typeName, SqlKind kind, boolean nullable, boolean generated) {
        return new Column(name, typeName, kind, null, null, null, null, null, null, List.of(), nullable, generated);
    }
}
