package dev.twoway.jdbc;

import dev.twoway.spi.SystemUnavailableException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Properties;

/**
 * How to reach one database: its JDBC URL and credentials, its dialect, and the zone of its timestamps without
 * zone. Opens connections prepared for twoway (session time zone, strict mode). The password is never part of a
 * message or of {@link #toString()}.
 */
public final class Database {
    private final String system;
    private final String url;
    private final String user;
    private final String password;
    private final Dialect dialect;
    private final ZoneId zone;

    public Database(String system, String url, String user, String password, ZoneId zone) {
        this.system = Objects.requireNonNull(system);
        this.url = Objects.requireNonNull(url);
        this.user = user;
        this.password = password;
        this.dialect = Dialect.forUrl(url);
        this.zone = zone == null ? java.time.ZoneOffset.UTC : zone;
    }

    public String system() {
        return system;
    }

    public Dialect dialect() {
        return dialect;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The URL without anything that looks like a password, for messages. */
    public String safeUrl() {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /** How long a connection attempt (TCP connect and login) may take before the database counts as unreachable. */
    static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(10);
    /**
     * How long one read from the database may wait. Without it a database that stops answering on an open connection
     * (a network partition, a half-open TCP connection, a hung server) blocks the reading thread forever: the drivers'
     * default is no limit. Above MariaDB's default lock wait (50 s), so a statement waiting for a row lock is not cut.
     */
    static final java.time.Duration SOCKET_TIMEOUT = java.time.Duration.ofSeconds(120);

    /**
     * The driver properties twoway connects with. The timeouts are defaults: a {@code connectTimeout},
     * {@code loginTimeout} or {@code socketTimeout} in the URL wins (in the driver's unit: seconds for PostgreSQL,
     * milliseconds for MariaDB).
     */
    Properties connectionProperties() {
        Properties p = new Properties();
        if (user != null) p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        if (dialect instanceof Dialect.Postgres) {
            p.setProperty("ApplicationName", "twoway");
            defaultIfAbsent(p, "connectTimeout", CONNECT_TIMEOUT.toSeconds());
            defaultIfAbsent(p, "loginTimeout", CONNECT_TIMEOUT.toSeconds());
            defaultIfAbsent(p, "socketTimeout", SOCKET_TIMEOUT.toSeconds());
            p.setProperty("tcpKeepAlive", "true");
        }
        if (dialect instanceof Dialect.MariaDb) {
            // Conditional updates and deletes need each statement's own update count; the bulk protocol answers
            // "success, no info" for a whole batch. Inserts keep it (their failures raise errors).
            p.setProperty("useBulkStmts", "false");
            p.setProperty("useBulkStmtsForInserts", "true");
            defaultIfAbsent(p, "connectTimeout", CONNECT_TIMEOUT.toMillis());
            defaultIfAbsent(p, "socketTimeout", SOCKET_TIMEOUT.toMillis());
            p.setProperty("tcpKeepAlive", "true");
        }
        return p;
    }

    private void defaultIfAbsent(Properties p, String key, long value) {
        if (!java.util.regex.Pattern.compile("[?&;]" + key + "=", java.util.regex.Pattern.CASE_INSENSITIVE).matcher(url).find()) {
            p.setProperty(key, Long.toString(value));
        }
    }

    /** Opens a connection; a database that cannot be reached is a {@link SystemUnavailableException}. */
    public Connection open() {
        Properties p = connectionProperties();
        try {
            Connection c = DriverManager.getConnection(url, p);
            try {
                dialect.prepare(c);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            return c;
        } catch (SQLException e) {
            if (dialect.connectionLost(e) || e.getSQLState() == null || e.getSQLState().startsWith("28")) {
                throw new SystemUnavailableException(system, system + ": cannot connect to " + safeUrl() + ": " + e.getMessage(), e);
            }
            throw new SqlConfigException(system + ": cannot open " + safeUrl() + ": " + e.getMessage(), e);
        }
    }

    /** Turns a SQL error into what the engine expects: unavailable, or a failure naming the system. */
    public RuntimeException translate(String what, SQLException e) {
        if (dialect.connectionLost(e)) return new SystemUnavailableException(system, system + ": " + what + ": connection lost: " + e.getMessage(), e);
        return new SqlFailure(system + ": " + what + ": " + e.getMessage() + (e.getSQLState() == null ? "" : " [SQLState " + e.getSQLState() + "]"), e);
    }

    /** A SQL error that is neither a lost connection nor a problem of one record. */
    public static final class SqlFailure extends RuntimeException {
        public SqlFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public String toString() {
        return system + " (" + safeUrl() + ")";
    }
}
