package dev.twoway.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One fresh database with a random name on the local PostgreSQL or MariaDB server, created for one part of the
 * benchmark and dropped by {@link #close()}. Other people's databases on the same servers are never touched.
 */
final class BenchDatabase implements AutoCloseable {
    enum Kind { POSTGRES, MARIADB }

    final Kind kind;
    final String name;
    final String url;
    final String user;
    /** host:port of the server */
    final String server;
    private final String adminUrl;

    private BenchDatabase(Kind kind, String name, String server) {
        this.kind = kind;
        this.name = name;
        this.server = server;
        this.adminUrl = kind == Kind.POSTGRES ? "jdbc:postgresql://" + server + "/postgres" : "jdbc:mariadb://" + server + "/";
        this.url = kind == Kind.POSTGRES ? "jdbc:postgresql://" + server + "/" + name : "jdbc:mariadb://" + server + "/" + name;
        this.user = kind == Kind.POSTGRES ? "postgres" : "root";
    }

    static BenchDatabase create(Kind kind) throws SQLException {
        return create(kind, kind == Kind.POSTGRES ? "127.0.0.1:5432" : "127.0.0.1:3306");
    }

    /** A fresh database on the server at {@code server} (host:port), same user as the default servers. */
    static BenchDatabase create(Kind kind, String server) throws SQLException {
        String name = "twbench_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        BenchDatabase db = new BenchDatabase(kind, name, server);
        try (Connection c = db.admin(); Statement s = c.createStatement()) {
            s.execute(kind == Kind.POSTGRES ? "CREATE DATABASE " + name
                    : "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
        return db;
    }

    private Connection admin() throws SQLException {
        return DriverManager.getConnection(adminUrl, user, null);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, null);
    }

    /** A connection tuned for bulk writes: MariaDB rewrites a JDBC batch into multi-row INSERTs. */
    Connection connectForBulk() throws SQLException {
        return DriverManager.getConnection(kind == Kind.MARIADB ? url + "?rewriteBatchedStatements=true&useBulkStmts=false" : url, user, null);
    }

    void exec(String... sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q);
        }
    }

    long count(String table) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute(kind == Kind.POSTGRES ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)" : "DROP DATABASE IF EXISTS " + name);
        }
    }
}
