package dev.twoway.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the packaged {@code twoway.jar} as a real subprocess, as a user would. */
final class TwowayJar {
    static final Path JAR = Path.of(System.getProperty("twoway.jar", "target/twoway.jar")).toAbsolutePath();
    static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static List<String> command(String... args) {
        if (!Files.exists(JAR)) throw new IllegalStateException(JAR + " is missing: run the package phase first (./mvnw verify does)");
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        if (Runtime.version().feature() >= 24) cmd.add("--sun-misc-unsafe-memory-access=allow"); // as bin/twoway does
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a command to its end (at most two minutes) in {@code dir}. */
    static Result run(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command(args)).directory(dir.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("twoway " + String.join(" ", args) + " did not finish in 2 minutes; output: " + Files.readString(out) + Files.readString(err));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        return run(dir, Map.of(), args);
    }

    /** Starts a long-running command ({@code run}); its output goes to {@code log}. */
    static Process start(Path dir, Path log, String... args) throws IOException {
        return start(dir, log, Map.of(), args);
    }

    /** As {@link #start(Path, Path, String...)}, with more environment variables (e.g. the secrets a config names). */
    static Process start(Path dir, Path log, Map<String, String> env, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args)).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** How many entries the audit trail of the twoway working in {@code dir} holds (its state store opened read-only). */
    static long auditEntries(Path dir) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("twoway-data/state.db") + "?open_mode=1");
             java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM audit")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The {@code customers} table of the REST examples (docs/http.md): email → "name|phone". */
    static Map<String, String> customers(dev.twoway.jdbc.TestDatabase db) {
        Map<String, String> out = new java.util.TreeMap<>();
        try (java.sql.Connection c = db.connect(); java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT name, email, phone FROM customers")) {
            while (rs.next()) out.put(rs.getString("email"), rs.getString("name") + "|" + rs.getString("phone"));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
