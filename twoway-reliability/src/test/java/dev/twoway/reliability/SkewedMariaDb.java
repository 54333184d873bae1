package dev.twoway.reliability;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A MariaDB server of the test's own whose clock is off: {@code mariadb-install-db} into a fresh data directory,
 * then {@code mariadbd} on a free port with libfaketime preloaded ({@code FAKETIME="+5m"}), so that everything the
 * server reads from the wall clock — {@code NOW()}, {@code UTC_TIMESTAMP()}, the {@code CURRENT_TIMESTAMP(6)} default
 * of twoway's change log — is that much ahead of the machine's clock. Monotonic clocks are left alone (the server's
 * timeouts work as usual). Run as root ({@code --user=root}), as the suite is in CI; stopped with SIGTERM on close.
 */
final class SkewedMariaDb implements AutoCloseable {
    /** Where Debian's and Ubuntu's faketime package put the library (the multi-threaded variant, mariadbd has many threads). */
    private static final List<Path> LIBFAKETIME = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"),
            Path.of("/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"),
            Path.of("/usr/lib/faketime/libfaketimeMT.so.1"));

    private final Path dir;
    private final int port;
    private final Process server;

    /** @param skew how far ahead the server's clock runs, in whole seconds (libfaketime's relative offset) */
    SkewedMariaDb(Path dir, Duration skew) throws Exception {
        this.dir = dir;
        Path lib = LIBFAKETIME.stream().filter(Files::exists).findFirst().orElse(null);
        Path mariadbd = Path.of("/usr/sbin/mariadbd");
        if (lib == null || !Files.exists(mariadbd)) {
            String msg = "this scenario needs libfaketime and MariaDB's server (" + (lib == null ? "no libfaketimeMT.so.1 in " + LIBFAKETIME : mariadbd + " missing")
                    + "); install them (apt-get install -y faketime mariadb-server; .ci/run does)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new IllegalStateException("CI=true: " + msg);
            Assumptions.abort(msg);
        }
        Path data = dir.resolve("data");
        run(Duration.ofSeconds(60), "mariadb-install-db", "--no-defaults", "--user=root", "--datadir=" + data, "--auth-root-authentication-method=normal",
                "--skip-test-db");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(mariadbd.toString(), "--no-defaults", "--user=root", "--datadir=" + data, "--port=" + port,
                "--bind-address=127.0.0.1", "--socket=" + dir.resolve("mysqld.sock"), "--pid-file=" + dir.resolve("mysqld.pid"), "--skip-log-bin",
                "--innodb-buffer-pool-size=32M", "--log-error=" + dir.resolve("server.log"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile());
        pb.environment().put("LD_PRELOAD", lib.toString());
        pb.environment().put("FAKETIME", "+" + skew.toSeconds() + "s");
        pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        server = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Connection c = DriverManager.getConnection(adminUrl(), "root", null)) {
                break;
            } catch (SQLException e) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("the skewed MariaDB did not start on port " + port + ": " + e.getMessage() + "; its log:\n" + serverLog(), e);
                }
                Thread.sleep(200);
            }
        }
    }

    /** The admin URL for {@link dev.twoway.jdbc.TestDatabase#create(dev.twoway.jdbc.TestDatabase.Kind, String)}. */
    String adminUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/";
    }

    /** The server's clock minus this JVM's, NTP style (midpoint of the two local readings). */
    Duration offset() throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl(), "root", null); Statement s = c.createStatement()) {
            Instant before = Instant.now();
            try (ResultSet rs = s.executeQuery("SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')")) {
                rs.next();
                Instant after = Instant.now();
                Instant mid = before.plus(Duration.between(before, after).dividedBy(2));
                return Duration.between(mid, Instant.parse(rs.getString(1)));
            }
        }
    }

    String serverLog() {
        try {
            return Files.exists(dir.resolve("server.log")) ? Files.readString(dir.resolve("server.log")) : "(no server.log)";
        } catch (IOException e) {
            return "(server.log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.destroy(); // SIGTERM: mariadbd shuts down cleanly
        if (!server.waitFor(60, TimeUnit.SECONDS)) {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void run(Duration limit, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + new String(out));
        }
    }
}
