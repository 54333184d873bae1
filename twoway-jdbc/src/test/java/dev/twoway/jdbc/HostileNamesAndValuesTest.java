package dev.twoway.jdbc;

import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Table and column names with spaces, quotes, backslashes, reserved words and unicode; values with quotes,
 * backslashes, SQL, emoji, binary without NUL and 1 MB of text. Everything arrives byte for byte, both ways.
 */
class HostileNamesAndValuesTest {
    static final String TABLE = "O'Brien's \"Kunden\" Übersicht 名";
    static final String SELECT = "select";
    static final String QUOTED = "my \"quoted\" col";
    static final String SLASH = "back\\slash`tick";
    static final String UNICODE = "größe 名前";
    static final String BYTES = "payload";

    static String ddl(TestDatabase.Kind kind) {
        Dialect d = switch (kind) {
            case POSTGRES -> new Dialect.Postgres();
            case MARIADB -> new Dialect.MariaDb();
            case SQLITE -> new Dialect.Sqlite();
        };
        String text = kind == TestDatabase.Kind.MARIADB ? "LONGTEXT" : "TEXT";
        String blob = switch (kind) {
            case POSTGRES -> "bytea";
            case MARIADB -> "LONGBLOB";
            case SQLITE -> "BLOB";
        };
        return "CREATE TABLE " + d.quote(TABLE) + " (id INTEGER PRIMARY KEY, " + d.quote(SELECT) + " " + text + ", " + d.quote(QUOTED) + " " + text
                + ", " + d.quote(SLASH) + " " + text + ", " + d.quote(UNICODE) + " " + text + ", " + d.quote(BYTES) + " " + blob + ")"
                + (kind == TestDatabase.Kind.MARIADB ? " CHARACTER SET utf8mb4" : "");
    }

    @ParameterizedTest(name = "{0} ⇄ {1}")
    @CsvSource({"POSTGRES, MARIADB", "POSTGRES, SQLITE", "MARIADB, SQLITE"})
    void hostileNamesAndValuesArriveByteForByte(TestDatabase.Kind kindA, TestDatabase.Kind kindB) throws Exception {
        String sql = "it's a \"quote\" \\ and \\\\ two; DROP TABLE customer; -- \n\t\r' OR '1'='1";
        String emoji = "🚀 👩‍👩‍👧 ✓ ẞ \uD83C\uDDE9\uD83C\uDDEA";
        StringBuilder big = new StringBuilder(1_000_000);
        for (int i = 0; big.length() < 1_000_000; i++) big.append(i % 97 == 0 ? "é" : i % 89 == 0 ? "名" : Character.toString('a' + i % 26));
        byte[] binary = new byte[300_000];
        for (int i = 0; i < binary.length; i++) binary[i] = (byte) (1 + i % 255);

        try (TestDatabase a = TestDatabase.create(kindA); TestDatabase b = TestDatabase.create(kindB)) {
            a.exec(ddl(kindA));
            b.exec(ddl(kindB));
            EndpointMapping mapping = EndpointMapping.identity(Set.of("id", SELECT, QUOTED, SLASH, UNICODE, BYTES));
            try (SqlSyncHarness h = new SqlSyncHarness("hostile", List.of(
                    new SqlSyncHarness.Side("a", a, TableConfig.of(TABLE), mapping),
                    new SqlSyncHarness.Side("b", b, TableConfig.of(TABLE), mapping)), ConflictSettings.lastWriteWins(List.of("a", "b")),
                    List.of("id"), Duration.ZERO)) {
                h.syncUntilQuiet();
                insert(a, 1, sql, emoji, "C:\\temp\\new", big.toString(), binary);
                h.syncUntilQuiet();
                assertThat(read(b, 1)).containsExactly(sql, emoji, "C:\\temp\\new", big.toString(), binary);

                // And back the other way, as an update.
                String edited = big.reverse().toString();
                try (Connection c = b.connect(); PreparedStatement ps = c.prepareStatement("UPDATE " + quote(kindB, TABLE) + " SET "
                        + quote(kindB, UNICODE) + " = ?, " + quote(kindB, QUOTED) + " = ? WHERE id = 1")) {
                    ps.setString(1, edited);
                    ps.setString(2, emoji + "'\"`");
                    ps.executeUpdate();
                }
                h.syncUntilQuiet();
                assertThat(read(a, 1)).containsExactly(sql, emoji + "'\"`", "C:\\temp\\new", edited, binary);
            }
        }
    }

    static String quote(TestDatabase.Kind kind, String name) {
        return kind == TestDatabase.Kind.MARIADB ? new Dialect.MariaDb().quote(name) : new Dialect.Postgres().quote(name);
    }

    static void insert(TestDatabase db, int id, String s1, String s2, String s3, String s4, byte[] bytes) throws Exception {
        String cols = String.join(", ", quote(db.kind, SELECT), quote(db.kind, QUOTED), quote(db.kind, SLASH), quote(db.kind, UNICODE), quote(db.kind, BYTES));
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + quote(db.kind, TABLE) + " (id, " + cols
                + ") VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setInt(1, id);
            ps.setString(2, s1);
            ps.setString(3, s2);
            ps.setString(4, s3);
            ps.setString(5, s4);
            ps.setBytes(6, bytes);
            ps.executeUpdate();
        }
    }

    static List<Object> read(TestDatabase db, int id) throws Exception {
        String cols = String.join(", ", quote(db.kind, SELECT), quote(db.kind, QUOTED), quote(db.kind, SLASH), quote(db.kind, UNICODE), quote(db.kind, BYTES));
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT " + cols + " FROM " + quote(db.kind, TABLE) + " WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("row " + id + " in " + db).isTrue();
                return List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBytes(5));
            }
        }
    }
}
