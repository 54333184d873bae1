package dev.twoway.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real Directus 12.4.0 from npm, installed once into {@code ~/.cache/twoway-test/directus-12.4.0} (about six
 * minutes and 724 MB the first time; the machine keeps the cache) and started per test against a database of its own
 * on the test's PostgreSQL, with a static admin token.
 *
 * <p>12.4.0 is pinned exactly: this registry cannot resolve 12.4.1's dependencies. Directus declares node ≥ 22 but
 * runs on node 20; install and run with the same node (isolated-vm is built for it). Without node and npm the test
 * cannot run; with {@code CI=true} that is a failure, elsewhere the test is skipped.
 */
final class Directus implements AutoCloseable {
    static final String VERSION = "12.4.0";
    static final String TOKEN = "twoway-test-static-admin-token";
    private static final Path HOME = Path.of(System.getProperty("user.home"), ".cache", "twoway-test", "directus-" + VERSION);
    private static final Path BIN = HOME.resolve("node_modules/directus/cli.js");

    final URI url;
    private final Process process;
    private final Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    private Directus(URI url, Process process, Path dir) {
        this.url = url;
        this.process = process;
        this.dir = dir;
    }

    /** Installs Directus if needed; false when node or npm is missing (and CI is not set). */
    static synchronized boolean available() throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (!works("node", "--version") || !works("npm", "--version")) {
            if (ci) throw new AssertionError("node and npm are needed for the Directus test (CI=true): install nodejs and npm");
            return false;
        }
        if (Files.exists(BIN) && Files.exists(HOME.resolve("installed"))) return true;
        Files.createDirectories(HOME);
        Files.writeString(HOME.resolve("package.json"), "{\"name\":\"twoway-directus\",\"version\":\"1.0.0\",\"private\":true}");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--save-exact", "directus@" + VERSION,
                "--cache", HOME.resolve("npm-cache").toString()).directory(HOME.toFile()).redirectErrorStream(true)
                .redirectOutput(HOME.resolve("install.log").toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("npm install directus@" + VERSION + " failed; see " + HOME.resolve("install.log"));
        }
        Files.writeString(HOME.resolve("installed"), "installed in " + (System.nanoTime() - t0) / 1_000_000_000 + " s\n");
        return Files.exists(BIN);
    }

    private static boolean works(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Bootstraps Directus into the (empty) PostgreSQL database {@code database} and starts it on a free port. */
    static Directus start(String database) throws Exception {
        Path dir = Files.createTempDirectory("directus");
        Files.createDirectories(dir.resolve("uploads"));
        Files.createDirectories(dir.resolve("extensions"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port);
        Map<String, String> env = Map.ofEntries(Map.entry("HOST", "127.0.0.1"), Map.entry("PORT", String.valueOf(port)), Map.entry("PUBLIC_URL", url.toString()),
                Map.entry("DB_CLIENT", "pg"), Map.entry("DB_HOST", "127.0.0.1"), Map.entry("DB_PORT", "5432"), Map.entry("DB_DATABASE", database),
                Map.entry("DB_USER", "postgres"), Map.entry("DB_PASSWORD", "postgres"), Map.entry("KEY", "twoway-test-key-0123456789abcdef"),
                Map.entry("SECRET", "twoway-test-secret-0123456789abcdef0123456789"), Map.entry("ADMIN_EMAIL", "admin@example.com"),
                Map.entry("ADMIN_PASSWORD", "Admin12345!"), Map.entry("ADMIN_TOKEN", TOKEN), Map.entry("TELEMETRY", "false"),
                Map.entry("LOG_LEVEL", "warn"), Map.entry("CACHE_ENABLED", "false"), Map.entry("RATE_LIMITER_ENABLED", "false"),
                Map.entry("WEBSOCKETS_ENABLED", "false"), Map.entry("STORAGE_LOCAL_ROOT", dir.resolve("uploads").toString()),
                Map.entry("EXTENSIONS_PATH", dir.resolve("extensions").toString()));
        ProcessBuilder boot = new ProcessBuilder("node", BIN.toString(), "bootstrap").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("bootstrap.log").toFile());
        boot.environment().putAll(env);
        Process b = boot.start();
        if (!b.waitFor(3, TimeUnit.MINUTES) || b.exitValue() != 0) {
            b.destroyForcibly();
            throw new AssertionError("directus bootstrap failed: " + Files.readString(dir.resolve("bootstrap.log")));
        }
        ProcessBuilder run = new ProcessBuilder("node", BIN.toString(), "start").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile());
        run.environment().putAll(env);
        Process p = run.start();
        HttpClient c = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            try {
                HttpResponse<String> r = c.send(HttpRequest.newBuilder(url.resolve("/server/ping")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("pong")) break;
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("directus did not start: " + Files.readString(dir.resolve("server.log")));
            }
            Thread.sleep(200);
        }
        return new Directus(url, p, dir);
    }

    /** A request with the admin token; fails unless the answer is 2xx. */
    String send(String method, String path, String jsonBody) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url.resolve(path)).header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        return r.body();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        List<Path> files = new ArrayList<>();
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(files::add);
        }
        for (Path f : files) Files.deleteIfExists(f);
    }
}
