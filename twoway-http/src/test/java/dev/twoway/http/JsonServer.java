package dev.twoway.http;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real json-server 0.17.4 from npm, installed once into {@code ~/.cache/twoway-test/json-server-0.17.4} (its own npm
 * cache beside it) and started per test on a free port with a fresh {@code db.json} and a middleware that stamps
 * {@code updatedAt} on every POST, PUT and PATCH (json-server sets no timestamps by itself).
 *
 * <p>Shared with the CLI's end-to-end tests (this module's test-jar). Without node and npm the tests cannot run; with {@code CI=true} that is a failure, elsewhere the test is skipped.
 */
public final class JsonServer implements AutoCloseable {
    public static final String VERSION = "0.17.4";
    private static final Path HOME = Path.of(System.getProperty("user.home"), ".cache", "twoway-test", "json-server-" + VERSION);

    public final URI url;
    public final Path dir;
    private final Process process;

    private JsonServer(URI url, Path dir, Process process) {
        this.url = url;
        this.dir = dir;
        this.process = process;
    }

    /** Installs json-server if needed; false when node or npm is missing (and CI is not set). */
    public static synchronized boolean available() throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (!works("node", "--version") || !works("npm", "--version")) {
            if (ci) throw new AssertionError("node and npm are needed for the json-server tests (CI=true): install nodejs and npm");
            return false;
        }
        Path bin = HOME.resolve("node_modules/json-server/lib/cli/bin.js");
        if (Files.exists(bin)) return true;
        Files.createDirectories(HOME);
        Files.writeString(HOME.resolve("package.json"), "{\"name\":\"twoway-json-server\",\"version\":\"1.0.0\",\"private\":true}");
        Process p = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--save-exact", "json-server@" + VERSION,
                "--cache", HOME.resolve("npm-cache").toString()).directory(HOME.toFile()).redirectErrorStream(true)
                .redirectOutput(HOME.resolve("install.log").toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("npm install json-server@" + VERSION + " failed; see " + HOME.resolve("install.log") + ":\n"
                    + Files.readString(HOME.resolve("install.log")));
        }
        return Files.exists(bin);
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

    /** Starts json-server on {@code dbJson} (the file's content). */
    public static JsonServer start(String dbJson) throws Exception {
        Path dir = Files.createTempDirectory("json-server");
        Files.writeString(dir.resolve("db.json"), dbJson);
        Files.writeString(dir.resolve("timestamps.js"), """
                module.exports = (req, res, next) => {
                  if (['POST', 'PUT', 'PATCH'].includes(req.method) && req.body && typeof req.body === 'object')
                    req.body.updatedAt = new Date().toISOString();
                  next();
                };
                """);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // The source first: --middlewares takes several values and would swallow it.
        Process p = new ProcessBuilder("node", HOME.resolve("node_modules/json-server/lib/cli/bin.js").toString(), "db.json",
                "--host", "127.0.0.1", "--port", String.valueOf(port), "--middlewares", "./timestamps.js", "--quiet")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        URI url = URI.create("http://127.0.0.1:" + port);
        HttpClient c = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                if (c.send(HttpRequest.newBuilder(url.resolve("/customers")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) break;
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("json-server did not start: " + Files.readString(dir.resolve("server.log")));
            }
            Thread.sleep(100);
        }
        return new JsonServer(url, dir, p);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        for (String f : List.of("db.json", "db.json~", "timestamps.js", "server.log")) Files.deleteIfExists(dir.resolve(f));
        Files.deleteIfExists(dir);
    }
}
