package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged {@code twoway.jar} run as a user runs it, in one working directory holding {@code twoway.yaml} and the
 * state: short commands to their end, and {@code twoway run} as a long-lived process that a scenario may kill -9.
 */
final class TwowayProcess implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("twoway.jar", "../twoway-cli/target/twoway.jar")).toAbsolutePath().normalize();
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private final Path dir;
    private final Path log;
    private Process run;
    private int started;

    TwowayProcess(Path dir) {
        this.dir = dir;
        this.log = dir.resolve("run.log");
    }

    private static List<String> command(String... args) {
        return command(List.of(), args);
    }

    private static List<String> command(List<String> jvmOptions, String... args) {
        if (!Files.exists(JAR)) throw new IllegalStateException(JAR + " is missing: build it first (./mvnw verify builds twoway-cli before this module)");
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        if (Runtime.version().feature() >= 24) cmd.add("--sun-misc-unsafe-memory-access=allow"); // as bin/twoway does
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a command to its end, at most two minutes. */
    Result exec(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(command(args)).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("twoway " + String.join(" ", args) + " did not finish in 2 minutes: " + Files.readString(out) + Files.readString(err));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** {@code twoway status --json}: exit 1 only means "needs attention", which is what scenarios look at. */
    JsonNode status() throws IOException, InterruptedException {
        Result r = exec("status", "--json");
        if (r.exit() > 1) throw new AssertionError("twoway status failed: " + r.all());
        // Before the first run has created the state store: {"noState": true, …}.
        return JSON.readTree(r.out());
    }

    /** Starts {@code twoway run}; each start's output is appended to run.log. */
    void start() throws IOException {
        start(List.of());
    }

    /** Starts {@code twoway run} with extra JVM options (e.g. a fault-injection property). */
    void start(List<String> jvmOptions) throws IOException {
        if (run != null && run.isAlive()) throw new IllegalStateException("twoway run is already running (pid " + run.pid() + ")");
        Files.writeString(log, "---- start " + (++started) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        run = new ProcessBuilder(command(jvmOptions, "run")).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** SIGKILL: no shutdown hook, no flush, no graceful stop (Process.destroyForcibly is kill -9 on Unix). */
    void kill9() throws InterruptedException {
        run.destroyForcibly();
        if (!run.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("twoway run (pid " + run.pid() + ") survived kill -9 for 30 s");
    }

    boolean alive() {
        return run != null && run.isAlive();
    }

    /** SIGTERM and wait for the graceful stop. */
    void stop() throws InterruptedException {
        if (run == null) return;
        run.destroy();
        if (!run.waitFor(60, TimeUnit.SECONDS)) {
            run.destroyForcibly();
            throw new AssertionError("twoway run did not stop within 60 s of SIGTERM");
        }
    }

    /** Never leaves a twoway run behind a failed scenario. */
    @Override
    public void close() throws InterruptedException {
        if (alive()) kill9();
    }

    String log() {
        try {
            String text = Files.readString(log);
            return text.length() > 20_000 ? "…" + text.substring(text.length() - 20_000) : text;
        } catch (IOException e) {
            return "(no run.log: " + e.getMessage() + ")";
        }
    }

    Path dir() {
        return dir;
    }
}
