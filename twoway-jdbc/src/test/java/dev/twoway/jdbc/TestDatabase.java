package dev.twoway.jdbc;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A fresh, empty database on a real server for one test: a new PostgreSQL database, a new MariaDB database or a
 * new SQLite file, dropped afterwards. Servers are the machine's (PostgreSQL on 127.0.0.1:5432 trust auth, MariaDB
 * on 127.0.0.1:3306 root). With {@code CI=true} a server that cannot be reached fails the test; elsewhere the test
 * is skipped with the reason.
 */
public final class TestDatabase implements AutoCloseable {
    public enum Kind { POSTGRES, MARIADB, SQLITE }

    static final String PG_ADMIN = System.getProperty("twoway.test.postgres", "jdbc:postgresql://127.0.0.1:5432/postgres");
    static final String MARIADB_ADMIN = System.getProperty("twoway.test.mariadb", "jdbc:mariadb://127.0.0.1:3306/");

    public final Kind kind;
    public final String url;
    private final String name;
    private final Path dir;
    private final String admin;

    private TestDatabase(Kind kind, String url, String name, Path dir, String admin) {
        this.kind = kind;
        this.url = url;
        this.name = name;
        this.dir = dir;
        this.admin = admin;
    }

    public static TestDatabase create(Kind kind) {
        return create(kind, kind == Kind.MARIADB ? MARIADB_ADMIN : PG_ADMIN);
    }

    /**
     * A fresh database on the server at {@code adminUrl} (a server the test started itself, say), for PostgreSQL
     * ({@code jdbc:postgresql://host:port/postgres}) or MariaDB ({@code jdbc:mariadb://host:port/}).
     */
    public static TestDatabase create(Kind kind, String adminUrl) {
        String name = "tw_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        try {
            return switch (kind) {
                case POSTGRES -> {
                    try (Connection c = admin(adminUrl, "postgres"); Statement s = c.createStatement()) {
                        s.execute("CREATE DATABASE " + name);
                    }
                    yield new TestDatabase(kind, adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + name, name, null, adminUrl);
                }
                case MARIADB -> {
                    try (Connection c = admin(adminUrl, "root"); Statement s = c.createStatement()) {
                        s.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
                    }
                    yield new TestDatabase(kind, adminUrl + name, name, null, adminUrl);
                }
                case SQLITE -> {
                    Path dir = Files.createTempDirectory("twoway-sqlite");
                    yield new TestDatabase(kind, "jdbc:sqlite:" + dir.resolve(name + ".db"), name, dir, null);
                }
            };
        } catch (Exception e) {
            String msg = kind + " is not reachable (" + e.getMessage() + "); start it (.ci/run does) to run this test";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new IllegalStateException("CI=true: " + msg, e);
            Assumptions.abort(msg);
            throw new AssertionError(e);
        }
    }

    private static Connection admin(String url, String user) throws SQLException {
        return DriverManager.getConnection(url, user, null);
    }

    public String user() {
        return switch (kind) {
            case POSTGRES -> "postgres";
            case MARIADB -> "root";
            case SQLITE -> null;
        };
    }

    public Database database(String system) {
        return new Database(system, url, user(), null, null);
    }

    public Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url, user(), null);
        if (kind == Kind.MARIADB) {
            try (Statement s = c.createStatement()) {
                s.execute("SET time_zone = '+00:00'");
            }
        }
        return c;
    }

    /** Runs statements in autocommit. */
    public void exec(String... sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q);
        } catch (SQLException e) {
            throw new IllegalStateException(kind + ": " + e.getMessage() + " in " + List.of(sql), e);
        }
    }

    public String lower() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        try {
            switch (kind) {
                case POSTGRES -> {
                    try (Connection c = admin(admin, "postgres"); Statement s = c.createStatement()) {
                        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                    }
                }
                case MARIADB -> {
                    try (Connection c = admin(admin, "root"); Statement s = c.createStatement()) {
                        s.execute("DROP DATABASE IF EXISTS " + name);
                    }
                }
                case SQLITE -> {
                    try (var files = Files.list(dir)) {
                        for (Path p : files.toList()) Files.deleteIfExists(p);
                    }
                    Files.deleteIfExists(dir);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot drop test database " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return lower();
    }
}
