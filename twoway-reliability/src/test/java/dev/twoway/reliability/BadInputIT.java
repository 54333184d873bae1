package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.reliability.ShopAndErp.Customer;
import dev.twoway.reliability.ShopAndErp.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input everywhere, end to end through the real {@code twoway} commands: malformed and hostile configs (each a
 * clear error with file and line, exit 2, nothing changed in the databases, for {@code validate} and for
 * {@code run}); SQL in mapped table and column names; hostile values (quotes, SQL, backslashes, unicode) and a
 * 10 MB value synced byte for byte both ways; invalid JSON, oversized bodies and hostile paths sent to the running
 * API, each answered with a clear 4xx and no effect.
 */
class BadInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void badConfigsValuesAndRequestsAreRefusedClearlyWithNoEffectOnTheData() throws Exception {
        Figures figures = new Figures("bad input (configs, values, API)");
        long started = System.nanoTime();
        try (ShopAndErp dbs = new ShopAndErp(); TwowayProcess twoway = new TwowayProcess(Scenario.workdir(tmp, 0))) {
            dbs.erp.exec("ALTER TABLE Customers MODIFY First_Name LONGTEXT NOT NULL");
            Ledger ledger = new Ledger();
            Scenario.seed(dbs, ledger, 20, 20, 10);
            dbs.writeConfig(twoway.dir(), dbs.erp.url);
            String good = Files.readString(twoway.dir().resolve("twoway.yaml"));
            Map<String, List<Customer>> shopBefore = dbs.read(Side.SHOP);
            Map<String, List<Customer>> erpBefore = dbs.read(Side.ERP);

            // config -> what the error must say
            Map<String, String> bad = new LinkedHashMap<>();
            bad.put(good.replace("shop: { table: customers }", "shop: { table: \"customers; DROP TABLE customers; --\" }"),
                    "table \"public\".\"customers; DROP TABLE customers; --\" does not exist");
            bad.put(good.replace("phone: { shop: phone, erp: Phone }", "phone: { shop: phone, erp: \"Phone`; DROP TABLE Customers; -- \" }"),
                    "has no column");
            bad.put(good.replace("connector: mariadb", "connector: \"mariadb; rm -rf /\""), "is not one of");
            bad.put(good.replace("user: root", "user: root, password: \"${env:TWOWAY_BADINPUT_UNSET}\""), "environment variable TWOWAY_BADINPUT_UNSET is not set");
            bad.put("systems: [\n  shop: {", "not valid YAML");
            bad.put("", "'systems' is missing");
            bad.put(good.replace("conflicts: { default: last-write-wins }", "conflicts: { default: \"'; DELETE FROM customers; --\" }"), "conflicts");
            bad.put(good.replace("deletes: propagate", "deletes: sometimes"), "deletes");
            bad.put(good + "\n" + "x".repeat(200_000) + ": [\n", "twoway.yaml");
            int n = 0;
            for (Map.Entry<String, String> c : bad.entrySet()) {
                Files.writeString(twoway.dir().resolve("twoway.yaml"), c.getKey());
                for (String command : List.of("validate", "run")) {
                    TwowayProcess.Result r = twoway.exec(command);
                    assertThat(r.exit()).as("twoway %s with bad config #%d: %s", command, n, r.all()).isEqualTo(2);
                    assertThat(r.all()).as("twoway %s with bad config #%d", command, n).contains(c.getValue()).contains("twoway.yaml:").contains("fix:")
                            .doesNotContain("Exception").doesNotContain("\tat ");
                }
                n++;
            }
            assertThat(dbs.read(Side.SHOP)).as("no bad config changed the shop").isEqualTo(shopBefore);
            assertThat(dbs.read(Side.ERP)).as("no bad config changed the ERP").isEqualTo(erpBefore);

            // A working run with the API on a free port.
            Files.writeString(twoway.dir().resolve("twoway.yaml"), good.replace("server: { enabled: false }", "server: { listen: \"127.0.0.1:0\" }"));
            TwowayProcess.Result key = twoway.exec("keys", "create", "--name", "bad-input", "--role", "admin");
            assertThat(key.exit()).as(key.all()).isZero();
            String token = key.out().strip();
            Checker checker = new Checker(dbs, twoway);
            twoway.start();
            try {
                checker.awaitQuiescence(Duration.ofSeconds(90));
                // Hostile values, both ways, and 10 MB of text.
                List<String> hostile = List.of("Robert'); DROP TABLE customers;--", "\\' OR '1'='1' -- ", "`Customers`; DELETE FROM Customers", "größe 名前 😀 \"q\" \\\\ %_",
                        "x".repeat(10 * 1024 * 1024));
                int i = 0;
                for (String value : hostile) {
                    Side side = i % 2 == 0 ? Side.SHOP : Side.ERP;
                    Customer cu = new Customer("hostile" + (i++) + "@example.com", value, "O'Brien", null, "1.00");
                    dbs.seed(side, List.of(cu));
                    ledger.inserted(side, cu);
                }
                checker.awaitQuiescence(Duration.ofSeconds(120));

                String api = "http://127.0.0.1:" + apiPort(twoway) + "/api/v1";
                HttpClient http = HttpClient.newHttpClient();
                record Probe(String method, String path, String body, int status, String error) {
                }
                List<Probe> probes = List.of(
                        new Probe("POST", "/syncs/customers/pause", "{\"reason\": ", 400, "not valid JSON"),
                        new Probe("POST", "/conflicts/resolve", "[1,2", 400, "not valid JSON"),
                        new Probe("POST", "/conflicts/resolve", "{\"ids\": \"1; DROP TABLE customers\", \"take\": \"erp\"}", 400, "conflict ids"),
                        new Probe("POST", "/syncs/customers/pause", "{\"reason\": \"" + "x".repeat(2_000_000) + "\"}", 413, "larger than"),
                        new Probe("POST", "/keys", "{\"name\": \"" + "k".repeat(3_000_000) + "\"}", 413, "larger than"),
                        new Probe("POST", "/syncs/customers%27%3B%20DROP%20TABLE%20customers%3B--/pause", "{}", 404, "there is no sync"),
                        new Probe("GET", "/audit?from=yesterday'%20OR%201=1", null, 400, "is not an ISO-8601 instant"),
                        new Probe("GET", "/nothing/here", null, 404, "no such endpoint"));
                for (Probe p : probes) {
                    HttpRequest req = HttpRequest.newBuilder(URI.create(api + p.path())).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                            .method(p.method(), p.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(p.body())).build();
                    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
                    assertThat(res.statusCode()).as("%s %s: %s", p.method(), p.path(), res.body()).isEqualTo(p.status());
                    JsonNode body = JSON.readTree(res.body());
                    assertThat(body.path("error").asText()).as("%s %s", p.method(), p.path()).contains(p.error());
                }
                JsonNode status = twoway.status();
                assertThat(status.path("syncs").get(0).path("paused").isNull()).as("no refused request paused the sync: %s", status).isTrue();
                TwowayProcess.Result keys = twoway.exec("keys", "list");
                assertThat(keys.out()).as("no refused request made a key").doesNotContain("kkkkkkkk");

                Verdict verdict = KillNineIT.converge(twoway, dbs, ledger, figures);
                figures.add("records written", ledger.writes());
                assertThat(verdict.examples()).as("findings after bad input; twoway's log:%n%s", twoway.log()).isEmpty();
                assertThat(verdict.clean()).isTrue();
            } finally {
                twoway.stop();
            }
        }
        figures.add("rounds", 1).add("seconds", (System.nanoTime() - started) / 1_000_000_000L).publish();
    }

    private static int apiPort(TwowayProcess twoway) throws InterruptedException {
        Pattern p = Pattern.compile("API at http://127\\.0\\.0\\.1:(\\d+)/api/v1");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(twoway.log());
            if (m.find()) return Integer.parseInt(m.group(1));
            Thread.sleep(200);
        }
        throw new AssertionError("twoway run did not log where its API listens; log:\n" + twoway.log());
    }
}
