package dev.twoway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.jdbc.SqlConnector;
import dev.twoway.jdbc.TableConfig;
import dev.twoway.jdbc.TestDatabase;
import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.FieldMapping;
import dev.twoway.mapping.FieldMappingSpec;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.ValueType;
import dev.twoway.store.StateStore;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code customers} resource of the real json-server 0.17.4 kept in sync with a PostgreSQL table, both ways,
 * through the real engine: inserts, updates and deletes each way, a conflict, and no loops.
 */
class JsonServerSyncTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private JsonServer server;
    private TestDatabase pg;
    private StateStore store;
    private SyncEngine engine;
    private final Map<String, SyncEngine.EndpointIo> io = new LinkedHashMap<>();
    private Path dir;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(JsonServer.available(), "node and npm are not installed (CI=true makes this a failure)");
        server = JsonServer.start("""
                {"customers": [
                  {"id": 1, "name": "Carol", "email": "carol@example.com", "phone": "333", "updatedAt": "2024-03-01T10:00:00.000Z"},
                  {"id": 2, "name": "Bob", "email": "bob@example.com", "phone": "222-api", "updatedAt": "2024-02-01T10:00:00.000Z"}
                ]}""");
        pg = TestDatabase.create(TestDatabase.Kind.POSTGRES);
        pg.exec("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, phone text)",
                "INSERT INTO customers (name, email, phone) VALUES ('Alice', 'alice@example.com', '111'), ('Bob', 'bob@example.com', '222')");
        dir = Files.createTempDirectory("twoway-rest");
        store = SqliteStateStore.open(dir.resolve("state.db"));
        RestResource customers = RestResource.at("/customers")
                .withIncremental("/updatedAt", "updatedAt_gte", Map.of("_sort", "updatedAt", "_order", "asc"))
                .withPaging(Paging.page("_page", "_limit", 2))
                .withTiming(Duration.ofMillis(300), Duration.ofMillis(1));
        RestConnector api = new RestConnector(RestSystem.of("api", server.url, new RestSystem.Auth.None()), Map.of("customers", customers), dir);
        SqlConnector db = new SqlConnector(pg.database("db"), Map.of("customers", TableConfig.of("customers")), dir);
        io.put("db", new SyncEngine.EndpointIo(db.source("customers"), db.sink("customers")));
        io.put("api", new SyncEngine.EndpointIo(api.source("customers"), api.sink("customers")));
        Map<String, ValueType> types = Map.of("name", ValueType.STRING, "email", ValueType.STRING, "phone", ValueType.STRING);
        List<FieldMappingSpec> specs = List.of(FieldMappingSpec.Direct.of("name", "name", ColumnType.of(ValueType.STRING)),
                FieldMappingSpec.Direct.of("email", "email", ColumnType.of(ValueType.STRING)),
                FieldMappingSpec.Direct.of("phone", "phone", ColumnType.of(ValueType.STRING)));
        List<EndpointDefinition> endpoints = List.of(
                new EndpointDefinition("db", "customers", Direction.BOTH, FieldMapping.build("db", types, specs), null, Map.of()),
                new EndpointDefinition("api", "customers", Direction.BOTH, FieldMapping.build("api", types, specs), null, Map.of()));
        engine = new SyncEngine(new SyncDefinition("customers", endpoints, ConflictSettings.lastWriteWins(List.of("db", "api")), List.of("email")),
                io, store, EngineOptions.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        for (SyncEngine.EndpointIo e : io.values()) {
            e.source().close();
            e.sink().close();
        }
        if (store != null) store.close();
        if (server != null) server.close();
        if (pg != null) pg.close();
    }

    @Test
    void customersSyncBothWaysWithoutLoops() throws Exception {
        // Initial sync: Bob is matched by email (the later edit wins: PostgreSQL's, made now), Alice and Carol are created.
        syncUntilQuiet();
        assertThat(api()).isEqualTo(db()).containsOnlyKeys("alice@example.com", "bob@example.com", "carol@example.com");
        assertThat(db().get("bob@example.com")).isEqualTo("Bob|222");

        // Updates each way.
        pg.exec("UPDATE customers SET phone = '111-db' WHERE email = 'alice@example.com'");
        patch(apiId("carol@example.com"), "{\"phone\":\"333-api\"}");
        syncUntilQuiet();
        assertThat(api()).isEqualTo(db());
        assertThat(db()).containsEntry("alice@example.com", "Alice|111-db").containsEntry("carol@example.com", "Carol|333-api");

        // Inserts each way.
        pg.exec("INSERT INTO customers (name, email, phone) VALUES ('Eve', 'eve@example.com', '555')");
        send("POST", "/customers", "{\"name\":\"Dave\",\"email\":\"dave@example.com\",\"phone\":\"444\"}");
        syncUntilQuiet();
        assertThat(api()).isEqualTo(db()).containsKeys("dave@example.com", "eve@example.com");

        // Deletes each way (the API's is found by the id scan).
        pg.exec("DELETE FROM customers WHERE email = 'bob@example.com'");
        send("DELETE", "/customers/" + apiId("carol@example.com"), null);
        syncUntilQuiet();
        assertThat(api()).isEqualTo(db()).containsOnlyKeys("alice@example.com", "dave@example.com", "eve@example.com");

        // A conflict: the same field changed on both sides; the later change (the API's, later by more than the
        // skew window, within which system priority would decide) wins on both.
        pg.exec("UPDATE customers SET phone = 'db-wins?' WHERE email = 'dave@example.com'");
        Thread.sleep(2_000);
        patch(apiId("dave@example.com"), "{\"phone\":\"api-wins\"}");
        syncUntilQuiet();
        assertThat(api()).isEqualTo(db()).containsEntry("dave@example.com", "Dave|api-wins");

        // No loop: once converged, more passes read nothing new and write nothing, and json-server's items stay as they are.
        String before = send("GET", "/customers", null);
        for (int i = 0; i < 3; i++) {
            Thread.sleep(400);
            int[] moved = round();
            assertThat(moved).as("resolved, delivered").containsExactly(0, 0);
        }
        assertThat(send("GET", "/customers", null)).isEqualTo(before);
    }

    // ---- driving the engine ---------------------------------------------------------------------------------------

    private void syncUntilQuiet() throws Exception {
        int quiet = 0;
        for (int rounds = 0; quiet < 2; rounds++) {
            if (rounds > 100) throw new AssertionError("the sync did not settle after 100 rounds");
            int[] moved = round();
            if (moved[0] + moved[1] > 0) {
                quiet = 0;
                continue;
            }
            quiet++;
            Thread.sleep(1_400); // the overlap window plus the Date header's one-second resolution
        }
    }

    /** One capture-until-caught-up and one delivery per side: {resolved, delivered}. */
    private int[] round() {
        int resolved = 0, delivered = 0;
        for (String e : io.keySet()) {
            SyncEngine.CaptureReport c;
            do {
                c = engine.captureOnce(e);
                resolved += c.resolved();
            } while (!c.caughtUp());
        }
        for (String e : io.keySet()) {
            SyncEngine.DeliveryReport d = engine.deliverOnce(e);
            assertThat(d.deadLettered()).as("dead letters delivering to " + e).isZero();
            delivered += d.applied() + d.due();
        }
        return new int[]{resolved, delivered};
    }

    // ---- the two sides --------------------------------------------------------------------------------------------

    private Map<String, String> db() throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name, email, phone FROM customers")) {
            while (rs.next()) out.put(rs.getString("email"), rs.getString("name") + "|" + rs.getString("phone"));
        }
        return out;
    }

    private Map<String, String> api() throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode n : JSON.readTree(send("GET", "/customers", null))) out.put(n.path("email").asText(), n.path("name").asText() + "|" + n.path("phone").asText());
        return out;
    }

    private String apiId(String email) throws Exception {
        for (JsonNode n : JSON.readTree(send("GET", "/customers", null))) if (n.path("email").asText().equals(email)) return n.path("id").asText();
        throw new AssertionError("no customer " + email + " in json-server");
    }

    private void patch(String id, String body) throws Exception {
        send("PATCH", "/customers/" + id, body);
    }

    private String send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return r.body();
    }
}
