package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.jdbc.TestDatabase;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.twoway.cli.CliEndToEndIT.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second real HTTP application: a {@code customers} collection of Directus 12.4.0 (created through its REST API
 * with a static admin token) kept in sync with a PostgreSQL table by the packaged jar's {@code twoway run}.
 */
class DirectusSyncIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ENV = Map.of("DIRECTUS_TOKEN", Directus.TOKEN);

    @TempDir
    Path dir;
    private Directus directus;
    private TestDatabase pg;

    static final String CONFIG = """
            systems:
              shop:
                connector: postgres
                url: %s
                user: postgres
              cms:
                connector: rest
                base-url: %s
                auth: { type: bearer, token: "${env:DIRECTUS_TOKEN}" }
                requests-per-second: 100
                resources:
                  customers:
                    path: /items/customers
                    items: /data
                    item: /data
                    id: /id
                    modified-at: /modified_at
                    modified-since: "filter[modified_at][_gte]"
                    list-query: { sort: "modified_at,id" }
                    paging: { style: page, page-param: page, size-param: limit, size: 100 }
                    update: patch
                    conditional: read-compare-write   # Directus ignores If-Match
                    overlap: 1s
                    deletes: { detect: id-scan, every: 2s }
            syncs:
              customers:
                endpoints:
                  shop: { table: customers }
                  cms: { resource: customers }
                fields:
                  name: { shop: name, cms: name }
                  email: { shop: email, cms: email, match: true }
                  phone: { shop: phone, cms: phone }
            server: { enabled: false }
            """;

    @Test
    void aDirectusCollectionAndAPostgresTableSyncBothWays() throws Exception {
        Assumptions.assumeTrue(Directus.available(), "node and npm are not installed (CI=true makes this a failure)");
        try (TestDatabase cmsDb = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase shop = TestDatabase.create(TestDatabase.Kind.POSTGRES);
             Directus d = Directus.start(cmsDb.url.substring(cmsDb.url.lastIndexOf('/') + 1))) {
            directus = d;
            pg = shop;
            d.send("POST", "/collections", """
                    {"collection": "customers", "meta": {"icon": "person"}, "schema": {}, "fields": [
                      {"field": "id", "type": "integer", "meta": {"hidden": true, "readonly": true}, "schema": {"is_primary_key": true, "has_auto_increment": true}},
                      {"field": "name", "type": "string", "schema": {"is_nullable": false}},
                      {"field": "email", "type": "string", "schema": {"is_unique": true}},
                      {"field": "phone", "type": "string", "schema": {}},
                      {"field": "modified_at", "type": "timestamp", "meta": {"special": ["date-created", "date-updated"], "readonly": true}, "schema": {}}
                    ]}""");
            d.send("POST", "/items/customers", "[{\"name\":\"Carol\",\"email\":\"carol@example.com\",\"phone\":\"333\"},"
                    + "{\"name\":\"Bob\",\"email\":\"bob@example.com\",\"phone\":\"222-cms\"}]");
            shop.exec("CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, phone text)",
                    "INSERT INTO customers (name, email, phone) VALUES ('Alice', 'alice@example.com', '111'), ('Bob', 'bob@example.com', '222')");
            Files.writeString(dir.resolve("twoway.yaml"), CONFIG.formatted(shop.url, d.url));

            TwowayJar.Result valid = TwowayJar.run(dir, ENV, "validate");
            assertThat(valid.exit()).as(valid.all()).isZero();
            TwowayJar.Result refused = TwowayJar.run(dir, Map.of("DIRECTUS_TOKEN", "wrong-token"), "validate");
            assertThat(refused.exit()).as(refused.all()).isEqualTo(2);
            assertThat(refused.err()).contains("systems.cms.auth: cms: GET /items/customers answered 401").doesNotContain("wrong-token");

            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, ENV, "run");
            try {
                await("initial sync", () -> converged() && TwowayJar.customers(pg).size() == 3, log);
                // inserts each way
                shop.exec("INSERT INTO customers (name, email, phone) VALUES ('Eve', 'eve@example.com', '555')");
                d.send("POST", "/items/customers", "{\"name\":\"Dave\",\"email\":\"dave@example.com\",\"phone\":\"444\"}");
                await("inserts each way", () -> converged() && TwowayJar.customers(pg).containsKey("eve@example.com") && TwowayJar.customers(pg).containsKey("dave@example.com"), log);
                // updates each way
                shop.exec("UPDATE customers SET phone = '111-db' WHERE email = 'alice@example.com'");
                d.send("PATCH", "/items/customers/" + cmsId("carol@example.com"), "{\"phone\":\"333-cms\"}");
                await("updates each way", () -> converged() && "Alice|111-db".equals(cms().get("alice@example.com"))
                        && "Carol|333-cms".equals(TwowayJar.customers(pg).get("carol@example.com")), log);
                // deletes each way (Directus's by the id scan)
                shop.exec("DELETE FROM customers WHERE email = 'eve@example.com'");
                d.send("DELETE", "/items/customers/" + cmsId("dave@example.com"), null);
                await("deletes each way", () -> converged() && !TwowayJar.customers(pg).containsKey("dave@example.com") && !cms().containsKey("eve@example.com"), log);
                assertThat(TwowayJar.customers(pg)).containsOnlyKeys("alice@example.com", "bob@example.com", "carol@example.com");

                // no loop: once quiet, nothing more is audited and Directus's items keep their modification times
                Thread.sleep(5_000);
                long audited = TwowayJar.auditEntries(dir);
                String items = d.send("GET", "/items/customers?sort=id", null);
                Thread.sleep(8_000);
                assertThat(TwowayJar.auditEntries(dir)).isEqualTo(audited);
                assertThat(d.send("GET", "/items/customers?sort=id", null)).isEqualTo(items);
                assertThat(Files.readString(log)).doesNotContain(Directus.TOKEN);
            } finally {
                run.destroy();
                assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    private boolean converged() {
        try {
            return cms().equals(TwowayJar.customers(pg));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Map<String, String> cms() {
        try {
            Map<String, String> out = new TreeMap<>();
            for (JsonNode n : JSON.readTree(directus.send("GET", "/items/customers?limit=-1", null)).path("data")) {
                out.put(n.path("email").asText(), n.path("name").asText() + "|" + n.path("phone").asText());
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String cmsId(String email) {
        try {
            for (JsonNode n : JSON.readTree(directus.send("GET", "/items/customers?limit=-1", null)).path("data")) {
                if (n.path("email").asText().equals(email)) return n.path("id").asText();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError("no customer " + email + " in Directus");
    }
}
