package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.twoway.jdbc.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.twoway.cli.CliEndToEndIT.await;
import static dev.twoway.cli.CliEndToEndIT.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API of a real {@code twoway run} (the packaged jar, PostgreSQL and MariaDB): a scheduled sync run on request,
 * records, dead letters discarded through the API and the CLI, the audit export masked, readiness; and a scan of
 * everything the process logged and every API response for the secrets it was given (database password, JWT
 * secret, API keys): none may appear.
 */
class ApiEndToEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** PostgreSQL here trusts local connections: the password is accepted and ignored, but twoway handles it as a secret. */
    private static final String DB_PASSWORD = "pg-Pa55word-7f3c91e0";
    private static final String JWT_SECRET = "jwt-secret-0b6c1f2e9d8a7b6c5d4e3f2a1b0c9d8e";
    private static final String SECRET_PHONE = "+44 20 7946 0123";

    @TempDir
    Path dir;

    private final List<String> responses = new ArrayList<>();

    @Test
    void theApiRunsASyncShowsRecordsDiscardsDeadLettersAndLeaksNoSecret() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            pg.exec("CREATE TABLE customer (customer_id serial PRIMARY KEY, full_name varchar(100) NOT NULL, email varchar(100) NOT NULL UNIQUE,"
                            + " phone varchar(30))",
                    "INSERT INTO customer (full_name, email, phone) VALUES ('Ada Lovelace', 'ada@example.com', '" + SECRET_PHONE + "'),"
                            + " ('Alan Turing', 'alan@example.com', '+44 2')");
            my.exec("CREATE TABLE Customer (CustomerId INT AUTO_INCREMENT PRIMARY KEY, FullName VARCHAR(12) NOT NULL, Email VARCHAR(100) NOT NULL UNIQUE,"
                    + " Phone VARCHAR(30))");
            Files.writeString(dir.resolve("twoway.yaml"), """
                    systems:
                      crm: { connector: postgres, url: "%s", user: postgres, password: "${env:CRM_PASSWORD}" }
                      erp: { connector: mariadb, url: "%s", user: root }
                    server:
                      listen: "127.0.0.1:0"
                      jwt: { secret: "${env:TWOWAY_JWT_SECRET}", issuer: "https://login.example.com/", audience: twoway }
                    syncs:
                      customers:
                        schedule: every 1h
                        endpoints:
                          crm: { table: customer }
                          erp: { table: Customer }
                        fields:
                          name: { crm: full_name, erp: FullName }
                          email: { crm: email, erp: Email, match: true }
                          phone: { crm: phone, erp: Phone, sensitive: true }
                    """.formatted(pg.url, my.url));
            Map<String, String> env = Map.of("CRM_PASSWORD", DB_PASSWORD, "TWOWAY_JWT_SECRET", JWT_SECRET);
            TwowayJar.Result created = TwowayJar.run(dir, env, "keys", "create", "--name", "ops", "--role", "operator");
            assertThat(created.exit()).as(created.all()).isZero();
            String ops = created.out().strip();
            String viewer = TwowayJar.run(dir, env, "keys", "create", "--name", "auditor", "--role", "viewer").out().strip();
            assertThat(ops).startsWith("tw_");

            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, env, "run");
            try {
                await("the API to listen", () -> apiPort(log) > 0, log);
                int port = apiPort(log);
                // Failing authentication: a wrong key, a forged key with the right prefix, a JWT signed with another secret.
                assertThat(call(port, "GET", "/api/v1/syncs", "tw_deadbeef_wrongwrongwrong", null).statusCode()).isEqualTo(401);
                assertThat(call(port, "GET", "/api/v1/syncs", ops.substring(0, ops.length() - 4) + "AAAA", null).statusCode()).isEqualTo(401);
                assertThat(call(port, "GET", "/api/v1/syncs", jwt("another-secret-of-at-least-32-bytes-long!", "operator"), null).statusCode()).isEqualTo(401);
                assertThat(call(port, "GET", "/api/v1/syncs", jwt(JWT_SECRET, "viewer"), null).statusCode()).as("a good JWT").isEqualTo(200);

                await("readiness", () -> status(port, "/api/v1/health/ready") == 200, log);
                JsonNode ready = json(port, "GET", "/api/v1/health/ready", null, null);
                assertThat(ready.path("systems").path("crm").path("status").asText()).isEqualTo("up");
                assertThat(ready.path("systems").path("erp").path("status").asText()).isEqualTo("up");

                // Scheduled hourly: nothing moves until someone asks.
                Thread.sleep(1500);
                assertThat(count(my, "SELECT count(*) FROM Customer")).isZero();
                HttpResponse<String> runNow = call(port, "POST", "/api/v1/syncs/customers/run", ops, null);
                assertThat(runNow.statusCode()).as(runNow.body()).isEqualTo(202);
                assertThat(runNow.body()).contains("a pass of sync 'customers' starts now");
                await("the requested pass", () -> count(my, "SELECT count(*) FROM Customer") == 2, log);
                assertThat(json(port, "GET", "/api/v1/syncs/customers", viewer, null).path("sync").asText()).isEqualTo("customers");

                long adaKey = count(pg, "SELECT customer_id FROM customer WHERE email = 'ada@example.com'");
                JsonNode ada = json(port, "GET", "/api/v1/records/customers?system=crm&key=" + adaKey, viewer, null);
                assertThat(ada.path("values").path("name").asText()).isEqualTo("Ada Lovelace");
                assertThat(ada.path("values").path("phone").asText()).as("sensitive").isEqualTo("***");
                String erpKey = ada.path("links").path("erp").path("key").asText();
                assertThat(count(my, "SELECT count(*) FROM Customer WHERE CustomerId = " + erpKey + " AND Email = 'ada@example.com'")).isEqualTo(1);
                assertThat(ada.path("history").path("entries").size()).isGreaterThanOrEqualTo(2);
                assertThat(json(port, "GET", "/api/v1/records/customers/" + ada.path("recordId").asText(), viewer, null)).isEqualTo(ada);
                assertThat(call(port, "GET", "/api/v1/records/customers?system=crm&key=999999", viewer, null).statusCode()).isEqualTo(404);

                // Two names too long for the ERP's VARCHAR(12): two dead letters.
                pg.exec("INSERT INTO customer (full_name, email, phone) VALUES ('Grace Brewster Hopper', 'grace@example.com', '+1 3'),"
                        + " ('Edsger Wybe Dijkstra', 'edsger@example.com', '+31 4')");
                assertThat(call(port, "POST", "/api/v1/syncs/customers/run", ops, null).statusCode()).isEqualTo(202);
                await("two dead letters", () -> json(port, "GET", "/api/v1/deadletters", viewer, null).size() == 2, log);
                JsonNode letters = json(port, "GET", "/api/v1/deadletters", viewer, null);
                long first = letters.get(0).path("id").asLong();
                long second = letters.get(1).path("id").asLong();
                assertThat(call(port, "POST", "/api/v1/deadletters/" + first + "/discard", ops, "{}").statusCode()).isEqualTo(400);
                assertThat(call(port, "POST", "/api/v1/deadletters/" + first + "/discard", viewer, "{\"reason\":\"x\"}").statusCode()).isEqualTo(403);
                HttpResponse<String> discarded = call(port, "POST", "/api/v1/deadletters/" + first + "/discard", ops, "{\"reason\":\"name shortened by hand in the ERP\"}");
                assertThat(discarded.statusCode()).as(discarded.body()).isEqualTo(200);
                // The CLI's discard is handed to the running process, which holds the state.
                TwowayJar.Result cli = TwowayJar.run(dir, env, "deadletters", "discard", Long.toString(second), "--reason", "duplicate customer", "--as", "carol");
                assertThat(cli.exit()).as(cli.all()).isZero();
                assertThat(cli.out()).contains("dead letter " + second).contains("discarded by user:carol").contains("by the running twoway");
                assertThat(json(port, "GET", "/api/v1/deadletters", viewer, null)).isEmpty();
                JsonNode audit = json(port, "GET", "/api/v1/audit?action=dead-letter-discarded", viewer, null);
                assertThat(audit).hasSize(2);
                assertThat(audit.get(0).path("actor").asText()).isEqualTo("user:ops");
                assertThat(audit.get(0).path("detail").path("reason").asText()).isEqualTo("name shortened by hand in the ERP");
                assertThat(audit.get(0).path("detail").path("error").asText()).contains("field 'name'");
                assertThat(audit.get(1).path("actor").asText()).isEqualTo("user:carol");
                assertThat(count(my, "SELECT count(*) FROM Customer")).as("discarded writes are not made").isEqualTo(2);

                HttpResponse<String> export = call(port, "GET", "/api/v1/audit/export", viewer, null);
                assertThat(export.statusCode()).isEqualTo(200);
                assertThat(export.body().lines().count()).isEqualTo(json(port, "GET", "/api/v1/audit?limit=1000", viewer, null).size());
                assertThat(export.body()).doesNotContain(SECRET_PHONE).contains("***");
                assertThat(call(port, "GET", "/api/v1/audit?from=last-week", viewer, null).body()).contains("from='last-week' is not an ISO-8601 instant");
                assertThat(call(port, "GET", "/api/v1/openapi.json", null, null).statusCode()).isEqualTo(200);
            } finally {
                run.destroy();
            }
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(log);
            assertThat(run.exitValue()).as(output).isZero();
            assertThat(output).contains("refused API key").contains("refused bearer token");

            // The secrets scan: the whole log (stdout and stderr) and every API response.
            for (String secret : List.of(DB_PASSWORD, JWT_SECRET, ops, viewer, secretPart(ops), secretPart(viewer))) {
                assertThat(output).as("the log").doesNotContain(secret);
                for (String r : responses) assertThat(r).as("an API response").doesNotContain(secret);
            }
            assertThat(responses).hasSizeGreaterThan(20);
        }
    }

    private int status(int port, String path) {
        try {
            return call(port, "GET", path, null, null).statusCode();
        } catch (Exception e) {
            return 0;
        }
    }

    private JsonNode json(int port, String method, String path, String key, String body) {
        try {
            HttpResponse<String> r = call(port, method, path, key, body);
            if (r.statusCode() != 200) throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
            return JSON.readTree(r.body());
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Calls the API and keeps the response (status, headers and body) for the secrets scan. */
    private HttpResponse<String> call(int port, String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        responses.add(r.statusCode() + " " + r.headers().map() + " " + r.body());
        return r;
    }

    private static String jwt(String secret, String role) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject("dana@example.com")
                .issuer("https://login.example.com/").audience("twoway").expirationTime(Date.from(Instant.now().plusSeconds(600)))
                .claim("roles", List.of(role)).build());
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static int apiPort(Path log) {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("API at http://127\\.0\\.0\\.1:(\\d+)/api/v1").matcher(Files.readString(log));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** The random part of an API key {@code tw_<id>_<random>} (base64url, which may itself contain '_'). */
    private static String secretPart(String key) {
        return key.substring(key.indexOf('_', "tw_".length()) + 1);
    }
}
