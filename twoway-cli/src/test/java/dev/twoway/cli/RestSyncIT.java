package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.http.JsonServer;
import dev.twoway.jdbc.TestDatabase;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.twoway.cli.CliEndToEndIT.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/http.md's json-server ⇄ PostgreSQL example, as a user runs it: the packaged jar against the real json-server
 * 0.17.4 and a fresh PostgreSQL database.
 */
class RestSyncIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ENV = Map.of("API_TOKEN", "example-token");
    private final HttpClient http = HttpClient.newHttpClient();
    private JsonServer server;
    private TestDatabase pg;

    @TempDir
    Path dir;

    /** The YAML between the example markers of docs/http.md. */
    static String docsExample(String name) throws Exception {
        String md = Files.readString(ReadmeIT.REPO.resolve("docs/http.md"));
        String start = "<!-- example:" + name + ":start -->\n```yaml\n";
        int a = md.indexOf(start);
        assertThat(a).as("docs/http.md has the example " + name).isNotNegative();
        return md.substring(a + start.length(), md.indexOf("```\n<!-- example:" + name + ":end -->"));
    }

    @Test
    void theDocsExampleSyncsJsonServerAndPostgresBothWaysWithoutLoops() throws Exception {
        Assumptions.assumeTrue(JsonServer.available(), "node and npm are not installed (CI=true makes this a failure)");
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES); JsonServer js = JsonServer.start("""
                {"customers": [
                  {"id": 1, "name": "Carol", "email": "carol@example.com", "phone": "333", "updatedAt": "2024-03-01T10:00:00.000Z"},
                  {"id": 2, "name": "Bob", "email": "bob@example.com", "phone": "222-api", "updatedAt": "2024-02-01T10:00:00.000Z"}
                ]}""")) {
            server = js;
            pg = db;
            pg.exec("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, phone text)",
                    "INSERT INTO customers (name, email, phone) VALUES ('Alice', 'alice@example.com', '111'), ('Bob', 'bob@example.com', '222')");
            String yaml = docsExample("json-server").replace("http://127.0.0.1:3000", js.url.toString())
                    .replace("jdbc:postgresql://127.0.0.1:5432/shop", pg.url) + "server: { enabled: false }\n";
            Files.writeString(dir.resolve("twoway.yaml"), yaml);

            // validate: the live API is checked, and a wrong pointer or an unmapped property is a located problem
            TwowayJar.Result valid = TwowayJar.run(dir, ENV, "validate");
            assertThat(valid.exit()).as(valid.all()).isZero();
            assertThat(valid.out()).contains("is valid: 2 systems, 1 sync, 3 fields, checked against the databases");
            Files.writeString(dir.resolve("bad.yaml"), yaml.replace("        id: /id\n", "        id: /ident\n").replace("phone: { shop: phone, api: phone }", "phone: { shop: phone, api: telephone }"));
            TwowayJar.Result bad = TwowayJar.run(dir, ENV, "validate", "--config", "bad.yaml");
            assertThat(bad.exit()).as(bad.all()).isEqualTo(2);
            assertThat(bad.err()).contains("systems.api.resources.customers.id: api: GET /customers: an item has no id at '/ident'")
                    .contains("syncs.customers.fields.phone.api: api: GET /customers: no item of the first page has 'telephone'")
                    .contains("the items' keys are id, name, email, phone, updatedAt");
            TwowayJar.Result noToken = TwowayJar.run(dir, "validate");
            assertThat(noToken.exit()).isEqualTo(2);
            assertThat(noToken.err()).contains("systems.api.auth.token: environment variable API_TOKEN is not set");

            // sync --once: the initial sync (Bob matched by email: PostgreSQL's row is the later edit), then a conflict
            TwowayJar.Result first = TwowayJar.run(dir, ENV, "sync", "--once");
            assertThat(first.exit()).as(first.all()).isZero();
            assertThat(api()).isEqualTo(TwowayJar.customers(pg)).containsOnlyKeys("alice@example.com", "bob@example.com", "carol@example.com");
            pg.exec("UPDATE customers SET phone = 'db-loses' WHERE email = 'bob@example.com'");
            Thread.sleep(2_000); // beyond the skew window: the later edit wins
            send("PATCH", "/customers/" + apiId("bob@example.com"), "{\"phone\":\"api-wins\"}");
            Thread.sleep(2_500); // json-server's edit must be older than the overlap (1 s) by the server's whole-second clock
            TwowayJar.Result second = TwowayJar.run(dir, ENV, "sync", "--once");
            assertThat(second.exit()).as(second.all()).isZero();
            assertThat(api()).isEqualTo(TwowayJar.customers(pg)).containsEntry("bob@example.com", "Bob|api-wins");

            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, ENV, "run");
            try {
                // inserts each way
                pg.exec("INSERT INTO customers (name, email, phone) VALUES ('Eve', 'eve@example.com', '555')");
                send("POST", "/customers", "{\"name\":\"Dave\",\"email\":\"dave@example.com\",\"phone\":\"444\"}");
                await("inserts each way", () -> converged() && TwowayJar.customers(pg).containsKey("eve@example.com") && TwowayJar.customers(pg).containsKey("dave@example.com"), log);
                // updates each way
                pg.exec("UPDATE customers SET phone = '111-db' WHERE email = 'alice@example.com'");
                send("PATCH", "/customers/" + apiId("carol@example.com"), "{\"phone\":\"333-api\"}");
                await("updates each way", () -> converged() && "Alice|111-db".equals(api().get("alice@example.com"))
                        && "Carol|333-api".equals(TwowayJar.customers(pg).get("carol@example.com")), log);
                // deletes each way (json-server's is found by the id scan)
                pg.exec("DELETE FROM customers WHERE email = 'eve@example.com'");
                send("DELETE", "/customers/" + apiId("dave@example.com"), null);
                await("deletes each way", () -> converged() && !TwowayJar.customers(pg).containsKey("dave@example.com") && !api().containsKey("eve@example.com"), log);
                assertThat(TwowayJar.customers(pg)).containsOnlyKeys("alice@example.com", "bob@example.com", "carol@example.com");

                // no loop: after quiescing, nothing is audited, written or changed any more
                Thread.sleep(5_000);
                long audited = TwowayJar.auditEntries(dir);
                String items = send("GET", "/customers", null);
                Map<String, String> rows = TwowayJar.customers(pg);
                Thread.sleep(8_000); // several polls, and several delete scans (every 2 s)
                assertThat(TwowayJar.auditEntries(dir)).as("audit entries once quiet").isEqualTo(audited);
                assertThat(send("GET", "/customers", null)).isEqualTo(items);
                assertThat(TwowayJar.customers(pg)).isEqualTo(rows);
                assertThat(Files.readString(log)).doesNotContain("example-token");
            } finally {
                run.destroy(); // SIGTERM
                assertThat(run.waitFor(30, TimeUnit.SECONDS)).as("run stops on SIGTERM").isTrue();
            }
            TwowayJar.Result verify = TwowayJar.run(dir, ENV, "audit", "verify");
            assertThat(verify.exit()).as(verify.all()).isZero();
        }
    }

    private boolean converged() {
        try {
            return api().equals(TwowayJar.customers(pg));
        } catch (Exception e) {
            return false;
        }
    }

    private Map<String, String> api() {
        try {
            Map<String, String> out = new TreeMap<>();
            for (JsonNode n : JSON.readTree(send("GET", "/customers", null))) {
                out.put(n.path("email").asText(), n.path("name").asText() + "|" + n.path("phone").asText());
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String apiId(String email) throws Exception {
        for (JsonNode n : JSON.readTree(send("GET", "/customers", null))) if (n.path("email").asText().equals(email)) return n.path("id").asText();
        throw new AssertionError("no customer " + email + " in json-server");
    }

    private String send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return r.body();
    }
}
