package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.twoway.jdbc.TestDatabase;
import dev.twoway.server.notify.WebhookSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.twoway.cli.CliEndToEndIT.await;
import static dev.twoway.cli.CliEndToEndIT.count;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code twoway run} (the packaged jar) tells a webhook about a conflict that waits for a person, signed. */
class WebhookIT {
    private static final String SECRET = "it-webhook-secret-0123456789abcdef";

    @TempDir
    Path dir;

    /** What the receiver got: the event header, whether the signature verified, and the body. */
    record Received(String event, WebhookSignature.Check check, JsonNode body) {
    }

    @Test
    void aManualConflictMadeOnBothSidesIsPostedAsASignedConflictWaitingThatTheReceiverVerifies() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks/T0KEN", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            var h = exchange.getRequestHeaders();
            WebhookSignature.Check check = WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), h.getFirst(WebhookSignature.TIMESTAMP),
                    h.getFirst(WebhookSignature.SIGNATURE), body, Instant.now(), WebhookSignature.TOLERANCE);
            received.add(new Received(h.getFirst(WebhookSignature.EVENT), check, new ObjectMapper().readTree(body)));
            exchange.sendResponseHeaders(check == WebhookSignature.Check.VALID ? 204 : 401, -1);
            exchange.close();
        });
        receiver.start();
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            pg.exec("CREATE TABLE customer (customer_id serial PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, phone varchar(30))",
                    "INSERT INTO customer (email, phone) VALUES ('ada@example.com', '+44 1')");
            my.exec("CREATE TABLE Customer (CustomerId INT AUTO_INCREMENT PRIMARY KEY, Email VARCHAR(100) NOT NULL UNIQUE, Phone VARCHAR(30))");
            Files.writeString(dir.resolve("hook-secret.txt"), SECRET + "\n");
            Files.writeString(dir.resolve("twoway.yaml"), """
                    systems:
                      crm: { connector: postgres, url: "%s", user: postgres }
                      erp: { connector: mariadb, url: "%s", user: root }
                    server:
                      enabled: false
                    notifications:
                      webhooks:
                        - name: ops
                          url: http://127.0.0.1:%d/hooks/T0KEN
                          secret: ${file:hook-secret.txt}
                          events: [conflict.waiting]
                          include-values: true
                    syncs:
                      customers:
                        endpoints:
                          crm: { table: customer }
                          erp: { table: Customer }
                        fields:
                          email: { crm: email, erp: Email, match: true }
                          phone: { crm: phone, erp: Phone, sensitive: true }
                        conflicts: { fields: { phone: manual } }
                    """.formatted(pg.url, my.url, receiver.getAddress().getPort()));
            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, "run");
            try {
                await("initial sync", () -> count(my, "SELECT count(*) FROM Customer") == 1, log);
                pg.exec("UPDATE customer SET phone = '+44 crm' WHERE email = 'ada@example.com'");
                my.exec("UPDATE Customer SET Phone = '+44 erp' WHERE Email = 'ada@example.com'");
                await("the webhook to be called", () -> !received.isEmpty(), log);
            } finally {
                run.destroy();
            }
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(log);
            assertThat(run.exitValue()).as(output).isZero();

            assertThat(received).hasSize(1);
            Received r = received.getFirst();
            assertThat(r.check()).isEqualTo(WebhookSignature.Check.VALID);
            assertThat(r.event()).isEqualTo("conflict.waiting");
            JsonNode data = r.body().path("data");
            assertThat(data.path("sync").asText()).isEqualTo("customers");
            assertThat(data.path("field").asText()).isEqualTo("phone");
            assertThat(data.path("conflictId").asLong()).isPositive();
            assertThat(data.path("systems")).extracting(JsonNode::asText).containsExactlyInAnyOrder("crm", "erp");
            assertThat(data.path("values").path("versions").path("crm").asText()).as("phone is sensitive").isEqualTo("***");
            assertThat(r.body().toString()).doesNotContain("+44 crm").doesNotContain("+44 erp");
            assertThat(output).contains("notifications: 'ops' (127.0.0.1)").as("the url's path may be a token").doesNotContain("T0KEN")
                    .doesNotContain(SECRET);
        } finally {
            receiver.stop(0);
        }
    }
}
