package dev.twoway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.http.Paging;
import dev.twoway.http.RestConnector;
import dev.twoway.http.RestResource;
import dev.twoway.http.RestSystem;
import dev.twoway.jdbc.Database;
import dev.twoway.jdbc.SqlConnector;
import dev.twoway.jdbc.TableConfig;
import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.FieldMapping;
import dev.twoway.mapping.FieldMappingSpec;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.ValueType;
import dev.twoway.store.StateStore;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of the REST connector through the engine: N customers from the real json-server 0.17.4 into an empty
 * PostgreSQL table, and N customers from PostgreSQL into an empty json-server. A plain {@code main} timed with the
 * wall clock, like {@link SqlSyncBenchmark}.
 *
 * <p>Each phase starts a fresh json-server (with the middleware stamping {@code updatedAt}) and a fresh database, runs
 * the engine by hand in rounds (capture each endpoint until caught up, deliver each endpoint until nothing is due)
 * until a round moves nothing, and checks that both sides hold the same N customers (else {@code FAILED}, exit 1).
 * Before each phase a baseline measures json-server alone with a plain HTTP client: reading the N customers in pages
 * of 1000, and creating N customers one POST at a time.
 * The REST side writes one request per item (json-server has no batch endpoint; it also rewrites its whole
 * {@code db.json} on every write, which dominates the PostgreSQL → json-server phase).
 *
 * <p>Needs node, PostgreSQL at 127.0.0.1:5432 (user {@code postgres}, trust) and json-server 0.17.4 installed in
 * {@code ~/.cache/twoway-test/json-server-0.17.4} (twoway-http's tests install it; or {@code npm install
 * json-server@0.17.4} there). Creates and finally drops the database {@value #PG_DB}.
 *
 * <pre>./mvnw -B -Pbench -DskipTests package -pl twoway-bench -am
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *      -cp twoway-bench/target/benchmarks.jar dev.twoway.bench.RestSyncBenchmark [records, default 10000]</pre>
 */
public final class RestSyncBenchmark {
    static final String PG_DB = "twbench_rest";
    private static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/" + PG_DB;
    private static final Path JSON_SERVER = Path.of(System.getProperty("user.home"), ".cache", "twoway-test", "json-server-0.17.4",
            "node_modules", "json-server", "lib", "cli", "bin.js");
    private static final ObjectMapper JSON = new ObjectMapper();

    private RestSyncBenchmark() {
    }

    record Result(String phase, int records, double seconds) {
        double perSecond() {
            return records / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        if (!Files.exists(JSON_SERVER)) {
            System.err.println("json-server 0.17.4 is not installed at " + JSON_SERVER + ": run twoway-http's tests once, or npm install json-server@0.17.4 there");
            System.exit(2);
        }
        List<Result> results = new ArrayList<>();
        boolean ok = true;
        results.add(baseline("baseline: GET pages of 1000", n, true));
        ok &= phase("json-server → PostgreSQL", n, true, results);
        results.add(baseline("baseline: one POST each", n, false));
        ok &= phase("PostgreSQL → json-server", n, false, results);
        System.out.printf("%n%-30s %8s %9s %10s%n", "phase", "records", "seconds", "records/s");
        for (Result r : results) System.out.printf(Locale.ROOT, "%-30s %8d %9.1f %10.0f%n", r.phase(), r.records(), r.seconds(), r.perSecond());
        System.exit(ok ? 0 : 1);
    }

    private static boolean phase(String name, int n, boolean fromApi, List<Result> results) throws Exception {
        admin("DROP DATABASE IF EXISTS " + PG_DB, "CREATE DATABASE " + PG_DB);
        Path dir = Files.createTempDirectory("twoway-rest-bench");
        StringBuilder db = new StringBuilder("{\"customers\": [");
        if (fromApi) {
            for (int i = 1; i <= n; i++) {
                if (i > 1) db.append(',');
                db.append(String.format(Locale.ROOT, "{\"id\":%d,\"name\":\"name %d\",\"email\":\"user%d@example.com\",\"phone\":\"+1 %07d\",\"updatedAt\":\"2024-01-01T00:00:00.000Z\"}", i, i, i, i));
            }
        }
        db.append("]}");
        Process server = null;
        try (Connection c = DriverManager.getConnection(PG_URL, "postgres", null); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, phone text)");
            if (!fromApi) {
                s.execute("INSERT INTO customers (name, email, phone) SELECT 'name ' || g, 'user' || g || '@example.com', '+1 ' || lpad(g::text, 7, '0') FROM generate_series(1, " + n + ") g");
            }
            URI url;
            int port;
            try (ServerSocket ss = new ServerSocket(0)) {
                port = ss.getLocalPort();
            }
            url = URI.create("http://127.0.0.1:" + port);
            server = startJsonServer(dir, db.toString(), port);
            StateStore store = SqliteStateStore.open(dir.resolve("state.db"));
            RestResource customers = RestResource.at("/customers")
                    .withIncremental("/updatedAt", "updatedAt_gte", Map.of("_sort", "updatedAt", "_order", "asc"))
                    .withPaging(Paging.page("_page", "_limit", 1000)).withUpdate("PATCH", false)
                    .withTiming(Duration.ofMillis(300), null);
            RestConnector api = new RestConnector(new RestSystem("api", url, null, Duration.ofSeconds(30), 10_000, 4, 3, null), Map.of("customers", customers), dir);
            SqlConnector sql = new SqlConnector(new Database("db", PG_URL, "postgres", null, java.time.ZoneOffset.UTC),
                    Map.of("customers", TableConfig.of("customers")), dir);
            Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
            io.put("db", new SyncEngine.EndpointIo(sql.source("customers"), sql.sink("customers")));
            io.put("api", new SyncEngine.EndpointIo(api.source("customers"), api.sink("customers")));
            Map<String, ValueType> types = Map.of("name", ValueType.STRING, "email", ValueType.STRING, "phone", ValueType.STRING);
            List<FieldMappingSpec> specs = List.of(FieldMappingSpec.Direct.of("name", "name", ColumnType.of(ValueType.STRING)),
                    FieldMappingSpec.Direct.of("email", "email", ColumnType.of(ValueType.STRING)),
                    FieldMappingSpec.Direct.of("phone", "phone", ColumnType.of(ValueType.STRING)));
            List<EndpointDefinition> endpoints = List.of(
                    new EndpointDefinition("db", "customers", Direction.BOTH, FieldMapping.build("db", types, specs), null, Map.of()),
                    new EndpointDefinition("api", "customers", Direction.BOTH, FieldMapping.build("api", types, specs), null, Map.of()));
            SyncEngine engine = new SyncEngine(new SyncDefinition("customers", endpoints, ConflictSettings.lastWriteWins(List.of("db", "api")), List.of()),
                    io, store, EngineOptions.defaults().withBatchSize(1000));
            long t0 = System.nanoTime();
            while (true) {
                int moved = 0;
                for (String e : io.keySet()) {
                    SyncEngine.CaptureReport r;
                    do {
                        r = engine.captureOnce(e);
                        moved += r.resolved();
                    } while (!r.caughtUp());
                }
                for (String e : io.keySet()) {
                    SyncEngine.DeliveryReport d;
                    do {
                        d = engine.deliverOnce(e);
                        moved += d.applied();
                    } while (d.applied() > 0);
                }
                if (moved == 0 && count(fromApi, url) == n) break;
                if (System.nanoTime() - t0 > TimeUnit.HOURS.toNanos(1)) break;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (SyncEngine.EndpointIo e : io.values()) {
                e.source().close();
                e.sink().close();
            }
            store.close();
            long pg = count(true, url), js = count(false, url);
            boolean ok = pg == n && js == n;
            System.out.printf(Locale.ROOT, "%s: %d records in %.1f s (%.0f/s)%s%n", name, n, seconds, n / seconds,
                    ok ? "" : "  FAILED: PostgreSQL has " + pg + ", json-server " + js);
            results.add(new Result(name, n, seconds));
            return ok;
        } finally {
            if (server != null) {
                server.destroy();
                server.waitFor(10, TimeUnit.SECONDS);
            }
            admin("DROP DATABASE IF EXISTS " + PG_DB);
        }
    }

    /**
     * What json-server itself allows, without twoway: reading N customers in pages of 1000 ({@code read}), or
     * creating N customers one POST at a time from an empty file (sequentially, as twoway's sink does).
     */
    private static Result baseline(String name, int n, boolean read) throws Exception {
        Path dir = Files.createTempDirectory("twoway-rest-bench");
        StringBuilder db = new StringBuilder("{\"customers\": [");
        for (int i = 1; read && i <= n; i++) {
            if (i > 1) db.append(',');
            db.append(String.format(Locale.ROOT, "{\"id\":%d,\"name\":\"name %d\",\"email\":\"user%d@example.com\",\"phone\":\"+1 %07d\",\"updatedAt\":\"2024-01-01T00:00:00.000Z\"}", i, i, i, i));
        }
        db.append("]}");
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        Process server = startJsonServer(dir, db.toString(), port);
        try {
            HttpClient c = HttpClient.newHttpClient();
            URI url = URI.create("http://127.0.0.1:" + port);
            long t0 = System.nanoTime();
            if (read) {
                for (int page = 1; page <= (n + 999) / 1000; page++) {
                    c.send(HttpRequest.newBuilder(url.resolve("/customers?_sort=updatedAt&_order=asc&_page=" + page + "&_limit=1000")).build(), HttpResponse.BodyHandlers.ofString());
                }
            } else {
                for (int i = 1; i <= n; i++) {
                    String body = String.format(Locale.ROOT, "{\"name\":\"name %d\",\"email\":\"user%d@example.com\",\"phone\":\"+1 %07d\"}", i, i, i);
                    c.send(HttpRequest.newBuilder(url.resolve("/customers")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%s: %d records in %.1f s (%.0f/s)%n", name, n, seconds, n / seconds);
            return new Result(name, n, seconds);
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Customers in PostgreSQL ({@code db}) or in json-server. */
    private static long count(boolean db, URI url) throws Exception {
        if (db) {
            try (Connection c = DriverManager.getConnection(PG_URL, "postgres", null); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM customers")) {
                rs.next();
                return rs.getLong(1);
            }
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.resolve("/customers?_page=1&_limit=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        return Long.parseLong(r.headers().firstValue("X-Total-Count").orElse("0"));
    }

    private static Process startJsonServer(Path dir, String dbJson, int port) throws Exception {
        Files.writeString(dir.resolve("db.json"), dbJson);
        Files.writeString(dir.resolve("timestamps.js"), """
                module.exports = (req, res, next) => {
                  if (['POST', 'PUT', 'PATCH'].includes(req.method) && req.body && typeof req.body === 'object')
                    req.body.updatedAt = new Date().toISOString();
                  next();
                };
                """);
        Process p = new ProcessBuilder("node", JSON_SERVER.toString(), "db.json", "--host", "127.0.0.1", "--port", String.valueOf(port),
                "--middlewares", "./timestamps.js", "--quiet").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile()).start();
        HttpClient c = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                if (c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/customers?_limit=1")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return p;
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("json-server did not start: " + Files.readString(dir.resolve("server.log")));
            }
            Thread.sleep(100);
        }
    }

    private static void admin(String... sql) throws Exception {
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL, "postgres", null); Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q);
        }
    }
}
