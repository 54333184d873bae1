package dev.twoway.cli;

import dev.twoway.jdbc.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.twoway.cli.CliEndToEndIT.await;
import static dev.twoway.cli.CliEndToEndIT.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code twoway run} serves Prometheus metrics at {@code /metrics} beside the API: the packaged jar against real
 * PostgreSQL and MariaDB, scraped with an API key as Prometheus would.
 */
class MetricsEndToEndIT {
    @TempDir
    Path dir;

    @Test
    void theRunningProcessServesCountsAndLatencyOfTheChangesItSyncedToAViewerKeyOnly() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            pg.exec("CREATE TABLE customer (customer_id serial PRIMARY KEY, full_name varchar(100) NOT NULL, email varchar(100) NOT NULL UNIQUE)",
                    "INSERT INTO customer (full_name, email) VALUES ('Ada Lovelace', 'ada@example.com')");
            my.exec("CREATE TABLE Customer (CustomerId INT AUTO_INCREMENT PRIMARY KEY, FullName VARCHAR(100) NOT NULL, Email VARCHAR(100) NOT NULL UNIQUE)",
                    "INSERT INTO Customer (FullName, Email) VALUES ('Edsger Dijkstra', 'edsger@example.com')");
            Files.writeString(dir.resolve("twoway.yaml"), """
                    systems:
                      crm: { connector: postgres, url: "%s", user: postgres }
                      erp: { connector: mariadb, url: "%s", user: root }
                    server:
                      listen: "127.0.0.1:0"
                    syncs:
                      customers:
                        endpoints:
                          crm: { table: customer }
                          erp: { table: Customer }
                        fields:
                          name: { crm: full_name, erp: FullName }
                          email: { crm: email, erp: Email, match: true }
                    """.formatted(pg.url, my.url));
            TwowayJar.Result created = TwowayJar.run(dir, "keys", "create", "--name", "prometheus", "--role", "viewer");
            assertThat(created.exit()).as(created.all()).isZero();
            String key = created.out().strip();

            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, "run");
            try {
                await("the API to listen", () -> apiPort(log) > 0, log);
                int port = apiPort(log);
                assertThat(scrape(port, null).statusCode()).as("no token").isEqualTo(401);

                await("initial sync", () -> count(pg, "SELECT count(*) FROM customer") == 2 && count(my, "SELECT count(*) FROM Customer") == 2, log);
                pg.exec("INSERT INTO customer (full_name, email) VALUES ('Grace Hopper', 'grace@example.com')");
                await("insert PostgreSQL → MariaDB", () -> count(my, "SELECT count(*) FROM Customer WHERE Email = 'grace@example.com'") == 1, log);
                // Counted once the engine recorded the write, a moment after the row is visible in the target.
                await("the metrics to count Ada, Grace and Edsger", () -> sample(port, key, "twoway_changes_applied_total", "sync=\"customers\",system=\"erp\"") >= 2
                        && sample(port, key, "twoway_changes_applied_total", "sync=\"customers\",system=\"crm\"") >= 1, log);

                HttpResponse<String> r = scrape(port, key);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
                String s = r.body();
                assertThat(value(s, "twoway_changes_captured_total", "sync=\"customers\",system=\"crm\"")).as(s).isGreaterThanOrEqualTo(2);
                assertThat(value(s, "twoway_changes_captured_total", "sync=\"customers\",system=\"erp\"")).as(s).isGreaterThanOrEqualTo(1);
                assertThat(value(s, "twoway_changes_applied_total", "sync=\"customers\",system=\"erp\"")).as(s).isEqualTo(2);
                assertThat(value(s, "twoway_changes_applied_total", "sync=\"customers\",system=\"crm\"")).as(s).isEqualTo(1);
                double count = value(s, "twoway_apply_latency_seconds_count", "sync=\"customers\",system=\"erp\"");
                double sum = value(s, "twoway_apply_latency_seconds_sum", "sync=\"customers\",system=\"erp\"");
                assertThat(count).as(s).isEqualTo(2);
                assertThat(sum).as("Grace's insert took some time to arrive, but not a minute").isGreaterThan(0).isLessThan(60 * count);
                assertThat(value(s, "twoway_apply_latency_seconds_bucket", "sync=\"customers\",system=\"erp\",le=\"+Inf\"")).isEqualTo(2);
                assertThat(value(s, "twoway_outbox_depth", "sync=\"customers\",target=\"erp\"")).isEqualTo(0);
                assertThat(value(s, "twoway_delivery_lag_seconds", "sync=\"customers\",target=\"erp\"")).as("nothing due: no lag").isEqualTo(0);
                assertThat(value(s, "twoway_system_up", "system=\"crm\"")).isEqualTo(1);
                assertThat(value(s, "twoway_system_up", "system=\"erp\"")).isEqualTo(1);
                assertThat(value(s, "twoway_capture_lag_seconds", "sync=\"customers\",system=\"crm\"")).isLessThan(30);
                assertThat(s).contains("jvm_memory_used_bytes").doesNotContain("grace@example.com").doesNotContain(key);
            } finally {
                run.destroy();
            }
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as(Files.readString(log)).isZero();
        }
    }

    private static HttpResponse<String> scrape(int port, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One sample of a scrape, or -1 while the series does not exist yet. */
    private static double sample(int port, String key, String name, String labels) {
        try {
            return value(scrape(port, key).body(), name, labels);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double value(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{" + Pattern.quote(labels) + "} (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static int apiPort(Path log) {
        try {
            Matcher m = Pattern.compile("API at http://127\\.0\\.0\\.1:(\\d+)/api/v1").matcher(Files.readString(log));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
