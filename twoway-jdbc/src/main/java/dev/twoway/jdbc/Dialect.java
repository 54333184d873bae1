package dev.twoway.jdbc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What differs between PostgreSQL, MariaDB/MySQL and SQLite: identifier quoting, the null-safe comparison of a
 * write's precondition, insert-if-absent, tagging the engine's own writes, reading the server clock, and the
 * change log and triggers of trigger capture.
 *
 * <p>Identifiers are always quoted (so names with spaces, quotes, reserved words and unicode work) and values are
 * always bound. The only text built into SQL is identifiers (quoted here) and, in trigger DDL, which cannot take
 * parameters, string literals quoted by {@link #literal}.
 */
public abstract sealed class Dialect permits Dialect.Postgres, Dialect.MariaDb, Dialect.Sqlite {

    /** The change-log table trigger capture installs, one per database (schema). */
    public static final String CHANGE_LOG = "twoway_changes";

    public static Dialect forUrl(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:postgresql:")) return new Postgres();
        if (jdbcUrl.startsWith("jdbc:mariadb:") || jdbcUrl.startsWith("jdbc:mysql:")) return new MariaDb();
        if (jdbcUrl.startsWith("jdbc:sqlite:")) return new Sqlite();
        throw new SqlConfigException("unsupported JDBC URL '" + jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***")
                + "': twoway's SQL connector speaks jdbc:postgresql:, jdbc:mariadb: (or jdbc:mysql:) and jdbc:sqlite:");
    }

    public abstract String name();

    /** The identifier quoted for this database. NUL cannot be part of a name in any of them. */
    public abstract String quote(String identifier);

    /** A string literal, for DDL only (trigger bodies cannot take parameters). */
    public String literal(String text) {
        checkNoNul(text, "literal");
        return "'" + text.replace("'", "''") + "'";
    }

    public String table(String schema, String name) {
        return schema == null ? quote(name) : quote(schema) + "." + quote(name);
    }

    public String table(Table t) {
        return table(t.schema(), t.name());
    }

    /** The precondition of one column: holds when the column equals the bound value, NULL included. */
    public abstract String nullSafeEquals(String quotedColumn);

    /**
     * An insert that does nothing when a row with the same primary key exists (update count 0), so that an insert
     * retried after a crash, or of a key that both sides share, never duplicates or fails.
     */
    public abstract String insertIfAbsent(String table, List<String> quotedColumns, List<String> quotedKey);

    /** Prepares a connection twoway uses: session time zone and the like. */
    public void prepare(Connection c) throws SQLException {
    }

    /** Called at the start of each of the sink's transactions: marks the writes as the engine's own. */
    public abstract void tagOwnWrites(Connection c, boolean changeLogInstalled) throws SQLException;

    /** Called before the sink's commit: removes the mark where it is data rather than session state. */
    public void untagOwnWrites(Connection c, boolean changeLogInstalled) throws SQLException {
    }

    /** The server's clock now. */
    public abstract Instant now(Connection c) throws SQLException;

    /** The schema unqualified names resolve to on this connection; {@code null} where there are none (SQLite). */
    public abstract String currentSchema(Connection c) throws SQLException;

    /** Whether a SQL error means the connection or server is gone (the system is unavailable). */
    public boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return e instanceof java.sql.SQLTransientConnectionException || e instanceof java.sql.SQLNonTransientConnectionException
                || (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")));
    }

    /** Whether a SQL error will pass on a retry (deadlock, lock timeout, serialization failure, busy file). */
    public boolean transientFailure(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("40") || state.equals("55P03") || state.equals("HY008"));
    }

    // ---- trigger capture ------------------------------------------------------------------------------------

    /** Statements that create the change log (idempotent). */
    public abstract List<String> installChangeLog(String schema);

    /** Statements that (re)install the capture triggers of one table (idempotent). */
    public abstract List<String> installTriggers(Table table, List<String> key, String changeLogSchema);

    /** Statements that remove the capture triggers of one table (idempotent). */
    public abstract List<String> removeTriggers(Table table);

    /** Statements that remove the change log and what belongs to it, once no table has triggers. */
    public abstract List<String> removeChangeLog(String schema);

    static void checkNoNul(String s, String what) {
        if (s.indexOf('\0') >= 0) throw new SqlConfigException("a " + what + " cannot contain the NUL character: " + s.replace("\0", "\\0"));
    }

    /** A short, stable, identifier-safe name derived from a table name (trigger names have length limits). */
    static String shortName(String prefix, Table t) {
        String base = (t.schema() == null ? "" : t.schema() + ".") + t.name();
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(base.getBytes(StandardCharsets.UTF_8));
            String safe = t.name().replaceAll("[^A-Za-z0-9_]", "");
            if (safe.length() > 30) safe = safe.substring(0, 30);
            return prefix + safe + "_" + HexFormat.of().formatHex(h, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void execute(Connection c, List<String> statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) s.execute(sql);
        }
    }

    // ---- PostgreSQL ------------------------------------------------------------------------------------------

    public static final class Postgres extends Dialect {
        /** The channel trigger capture notifies on commit. */
        public static final String CHANNEL = "twoway_changes";

        public String name() {
            return "postgres";
        }

        public String quote(String id) {
            checkNoNul(id, "name");
            return "\"" + id.replace("\"", "\"\"") + "\"";
        }

        @Override
        public String literal(String text) {
            checkNoNul(text, "literal");
            return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
        }

        public String nullSafeEquals(String col) {
            return col + " IS NOT DISTINCT FROM ?";
        }

        public String insertIfAbsent(String table, List<String> cols, List<String> key) {
            return "INSERT INTO " + table + " (" + String.join(", ", cols) + ") VALUES ("
                    + cols.stream().map(c -> "?").collect(Collectors.joining(", ")) + ") ON CONFLICT (" + String.join(", ", key) + ") DO NOTHING";
        }

        public void tagOwnWrites(Connection c, boolean installed) throws SQLException {
            // SET LOCAL: lasts until the end of this transaction only, so the connection never leaks the mark.
            try (Statement s = c.createStatement()) {
                s.execute("SELECT set_config('twoway.origin', 'twoway', true)");
            }
        }

        public Instant now(Connection c) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
                rs.next();
                return rs.getObject(1, OffsetDateTime.class).toInstant();
            }
        }

        public String currentSchema(Connection c) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
                rs.next();
                return rs.getString(1);
            }
        }

        public List<String> installChangeLog(String schema) {
            String log = table(schema, CHANGE_LOG);
            String fn = table(schema, "twoway_capture");
            return List.of(
                    "CREATE TABLE IF NOT EXISTS " + log + " (id bigserial PRIMARY KEY, table_name text NOT NULL, key_text text NOT NULL,"
                            + " op char(1) NOT NULL, changed_at timestamptz NOT NULL DEFAULT clock_timestamp())",
                    "CREATE INDEX IF NOT EXISTS " + quote(CHANGE_LOG + "_by_table") + " ON " + log + " (table_name, id)",
                    // One generic function: TG_ARGV[0] is the table's name in the log, the rest its key columns.
                    "CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $twoway$\n"
                            + "DECLARE n jsonb; o jsonb; nk text; ok text; i int;\n"
                            + "BEGIN\n"
                            + "  IF current_setting('twoway.origin', true) = 'twoway' THEN RETURN NULL; END IF;\n"
                            + "  IF TG_OP <> 'DELETE' THEN n := to_jsonb(NEW); END IF;\n"
                            + "  IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;\n"
                            + "  IF TG_NARGS = 2 THEN nk := n ->> TG_ARGV[1]; ok := o ->> TG_ARGV[1];\n"
                            + "  ELSE\n"
                            + "    IF n IS NOT NULL THEN nk := '[]'; FOR i IN 1..TG_NARGS-1 LOOP nk := (nk::jsonb || jsonb_build_array(n ->> TG_ARGV[i]))::text; END LOOP; END IF;\n"
                            + "    IF o IS NOT NULL THEN ok := '[]'; FOR i IN 1..TG_NARGS-1 LOOP ok := (ok::jsonb || jsonb_build_array(o ->> TG_ARGV[i]))::text; END LOOP; END IF;\n"
                            + "  END IF;\n"
                            + "  IF nk IS NOT NULL THEN INSERT INTO " + log + " (table_name, key_text, op) VALUES (TG_ARGV[0], nk, substr(TG_OP, 1, 1)); END IF;\n"
                            + "  IF ok IS NOT NULL AND ok IS DISTINCT FROM nk THEN INSERT INTO " + log + " (table_name, key_text, op) VALUES (TG_ARGV[0], ok, 'D'); END IF;\n"
                            + "  PERFORM pg_notify('" + CHANNEL + "', TG_ARGV[0]);\n"
                            + "  RETURN NULL;\n"
                            + "END $twoway$");
        }

        public List<String> installTriggers(Table t, List<String> key, String logSchema) {
            List<String> args = new ArrayList<>();
            args.add(literal(t.name()));
            for (String k : key) args.add(literal(k));
            return List.of(
                    "DROP TRIGGER IF EXISTS " + quote("twoway_capture") + " ON " + table(t),
                    "CREATE TRIGGER " + quote("twoway_capture") + " AFTER INSERT OR UPDATE OR DELETE ON " + table(t)
                            + " FOR EACH ROW EXECUTE FUNCTION " + table(logSchema, "twoway_capture") + "(" + String.join(", ", args) + ")");
        }

        public List<String> removeTriggers(Table t) {
            return List.of("DROP TRIGGER IF EXISTS " + quote("twoway_capture") + " ON " + table(t));
        }

        public List<String> removeChangeLog(String schema) {
            return List.of("DROP FUNCTION IF EXISTS " + table(schema, "twoway_capture") + "() CASCADE",
                    "DROP TABLE IF EXISTS " + table(schema, CHANGE_LOG));
        }
    }

    // ---- MariaDB / MySQL -------------------------------------------------------------------------------------

    public static final class MariaDb extends Dialect {
        public String name() {
            return "mariadb";
        }

        public String quote(String id) {
            checkNoNul(id, "name");
            return "`" + id.replace("`", "``") + "`";
        }

        @Override
        public String literal(String text) {
            checkNoNul(text, "literal");
            return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
        }

        public String nullSafeEquals(String col) {
            return col + " <=> ?";
        }

        public String insertIfAbsent(String table, List<String> cols, List<String> key) {
            // Affected rows: 1 inserted, 0 a row with this key exists (the no-op update changes nothing).
            return "INSERT INTO " + table + " (" + String.join(", ", cols) + ") VALUES ("
                    + cols.stream().map(c -> "?").collect(Collectors.joining(", ")) + ") ON DUPLICATE KEY UPDATE "
                    + key.getFirst() + " = " + key.getFirst();
        }

        @Override
        public void prepare(Connection c) throws SQLException {
            // TIMESTAMP columns are converted to the session zone: UTC makes them mean what they say.
            // STRICT_ALL_TABLES: a value that does not fit is an error, never a truncation or a warning.
            try (Statement s = c.createStatement()) {
                s.execute("SET time_zone = '+00:00'");
                s.execute("SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')");
            }
        }

        public void tagOwnWrites(Connection c, boolean installed) throws SQLException {
            // A user variable lives in this session only; twoway's sink connection is used by nobody else.
            try (Statement s = c.createStatement()) {
                s.execute("SET @twoway_origin = 1");
            }
        }

        public Instant now(Connection c) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')")) {
                rs.next();
                return Instant.parse(rs.getString(1));
            }
        }

        public String currentSchema(Connection c) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT DATABASE()")) {
                rs.next();
                String db = rs.getString(1);
                if (db == null) throw new SqlConfigException("the MariaDB URL names no database: add it to the URL, e.g. jdbc:mariadb://host:3306/erp");
                return db;
            }
        }

        @Override
        public boolean transientFailure(SQLException e) {
            return super.transientFailure(e) || e.getErrorCode() == 1205 || e.getErrorCode() == 1213;
        }

        public List<String> installChangeLog(String schema) {
            return List.of("CREATE TABLE IF NOT EXISTS " + table(schema, CHANGE_LOG) + " (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                    + " table_name VARCHAR(255) NOT NULL, key_text TEXT NOT NULL, op CHAR(1) NOT NULL,"
                    + " changed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), KEY twoway_changes_by_table (table_name, id))"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
        }

        private String keyExpr(String row, List<String> key) {
            List<String> parts = key.stream().map(k -> "CAST(" + row + "." + quote(k) + " AS CHAR)").toList();
            return parts.size() == 1 ? parts.getFirst() : "JSON_ARRAY(" + String.join(", ", parts) + ")";
        }

        public List<String> installTriggers(Table t, List<String> key, String logSchema) {
            String log = table(logSchema, CHANGE_LOG) + " (table_name, key_text, op) VALUES (" + literal(t.name()) + ", ";
            String guard = "IF @twoway_origin IS NULL THEN ";
            return List.of(
                    "CREATE OR REPLACE TRIGGER " + table(t.schema(), shortName("twoway_i_", t)) + " AFTER INSERT ON " + table(t) + " FOR EACH ROW "
                            + guard + "INSERT INTO " + log + keyExpr("NEW", key) + ", 'I'); END IF",
                    "CREATE OR REPLACE TRIGGER " + table(t.schema(), shortName("twoway_u_", t)) + " AFTER UPDATE ON " + table(t) + " FOR EACH ROW "
                            + guard + "INSERT INTO " + log + keyExpr("NEW", key) + ", 'U'); "
                            + "IF NOT (" + keyExpr("OLD", key) + " <=> " + keyExpr("NEW", key) + ") THEN INSERT INTO " + log + keyExpr("OLD", key) + ", 'D'); END IF; END IF",
                    "CREATE OR REPLACE TRIGGER " + table(t.schema(), shortName("twoway_d_", t)) + " AFTER DELETE ON " + table(t) + " FOR EACH ROW "
                            + guard + "INSERT INTO " + log + keyExpr("OLD", key) + ", 'D'); END IF");
        }

        public List<String> removeTriggers(Table t) {
            return List.of("DROP TRIGGER IF EXISTS " + table(t.schema(), shortName("twoway_i_", t)),
                    "DROP TRIGGER IF EXISTS " + table(t.schema(), shortName("twoway_u_", t)),
                    "DROP TRIGGER IF EXISTS " + table(t.schema(), shortName("twoway_d_", t)));
        }

        public List<String> removeChangeLog(String schema) {
            return List.of("DROP TABLE IF EXISTS " + table(schema, CHANGE_LOG));
        }
    }

    // ---- SQLite ----------------------------------------------------------------------------------------------

    public static final class Sqlite extends Dialect {
        /** One-row table: 1 while the engine's sink transaction writes (SQLite has no session variables). */
        public static final String SESSION = "twoway_session";

        public String name() {
            return "sqlite";
        }

        public String quote(String id) {
            checkNoNul(id, "name");
            return "\"" + id.replace("\"", "\"\"") + "\"";
        }

        public String nullSafeEquals(String col) {
            return col + " IS ?";
        }

        public String insertIfAbsent(String table, List<String> cols, List<String> key) {
            return "INSERT INTO " + table + " (" + String.join(", ", cols) + ") VALUES ("
                    + cols.stream().map(c -> "?").collect(Collectors.joining(", ")) + ") ON CONFLICT (" + String.join(", ", key) + ") DO NOTHING";
        }

        @Override
        public void prepare(Connection c) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000");
                s.execute("PRAGMA foreign_keys = ON");
            }
        }

        public void tagOwnWrites(Connection c, boolean installed) throws SQLException {
            if (!installed) return;
            // SQLite has one writer at a time, and readers see only committed data: other connections never see 1.
            try (Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE " + quote(SESSION) + " SET active = 1");
            }
        }

        @Override
        public void untagOwnWrites(Connection c, boolean installed) throws SQLException {
            if (!installed) return;
            try (Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE " + quote(SESSION) + " SET active = 0");
            }
        }

        public Instant now(Connection c) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")) {
                rs.next();
                return Instant.parse(rs.getString(1));
            }
        }

        public String currentSchema(Connection c) {
            return null;
        }

        @Override
        public boolean connectionLost(SQLException e) {
            return super.connectionLost(e) || e.getErrorCode() == 14 /* SQLITE_CANTOPEN */ || e.getErrorCode() == 10 /* SQLITE_IOERR */;
        }

        @Override
        public boolean transientFailure(SQLException e) {
            return e.getErrorCode() == 5 /* SQLITE_BUSY */ || e.getErrorCode() == 6 /* SQLITE_LOCKED */;
        }

        public List<String> installChangeLog(String schema) {
            return List.of("CREATE TABLE IF NOT EXISTS " + quote(CHANGE_LOG) + " (id INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL,"
                            + " key_text TEXT NOT NULL, op TEXT NOT NULL, changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
                    "CREATE INDEX IF NOT EXISTS " + quote(CHANGE_LOG + "_by_table") + " ON " + quote(CHANGE_LOG) + " (table_name, id)",
                    "CREATE TABLE IF NOT EXISTS " + quote(SESSION) + " (id INTEGER PRIMARY KEY CHECK (id = 1), active INTEGER NOT NULL)",
                    "INSERT OR IGNORE INTO " + quote(SESSION) + " (id, active) VALUES (1, 0)");
        }

        private String keyExpr(String row, List<String> key) {
            List<String> parts = key.stream().map(k -> "CAST(" + row + "." + quote(k) + " AS TEXT)").toList();
            return parts.size() == 1 ? parts.getFirst() : "json_array(" + String.join(", ", parts) + ")";
        }

        public List<String> installTriggers(Table t, List<String> key, String logSchema) {
            String guard = " WHEN coalesce((SELECT active FROM " + quote(SESSION) + "), 0) = 0";
            String log = "INSERT INTO " + quote(CHANGE_LOG) + " (table_name, key_text, op) VALUES (" + literal(t.name()) + ", ";
            List<String> out = new ArrayList<>(removeTriggers(t));
            out.add("CREATE TRIGGER " + quote(shortName("twoway_i_", t)) + " AFTER INSERT ON " + table(t) + guard
                    + " BEGIN " + log + keyExpr("NEW", key) + ", 'I'); END");
            out.add("CREATE TRIGGER " + quote(shortName("twoway_u_", t)) + " AFTER UPDATE ON " + table(t) + guard
                    + " BEGIN " + log + keyExpr("NEW", key) + ", 'U'); "
                    + "INSERT INTO " + quote(CHANGE_LOG) + " (table_name, key_text, op) SELECT " + literal(t.name()) + ", " + keyExpr("OLD", key)
                    + ", 'D' WHERE " + keyExpr("OLD", key) + " IS NOT " + keyExpr("NEW", key) + "; END");
            out.add("CREATE TRIGGER " + quote(shortName("twoway_d_", t)) + " AFTER DELETE ON " + table(t) + guard
                    + " BEGIN " + log + keyExpr("OLD", key) + ", 'D'); END");
            return out;
        }

        public List<String> removeTriggers(Table t) {
            return List.of("DROP TRIGGER IF EXISTS " + quote(shortName("twoway_i_", t)),
                    "DROP TRIGGER IF EXISTS " + quote(shortName("twoway_u_", t)),
                    "DROP TRIGGER IF EXISTS " + quote(shortName("twoway_d_", t)));
        }

        public List<String> removeChangeLog(String schema) {
            return List.of("DROP TABLE IF EXISTS " + quote(CHANGE_LOG), "DROP TABLE IF EXISTS " + quote(SESSION));
        }
    }
}
