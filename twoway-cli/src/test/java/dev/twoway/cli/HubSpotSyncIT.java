package dev.twoway.cli;

import dev.twoway.http.HubSpotEmulator;
import dev.twoway.jdbc.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.twoway.cli.CliEndToEndIT.await;
import static dev.twoway.cli.RestSyncIT.docsExample;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/http.md's HubSpot contacts ⇄ PostgreSQL example, as a user runs it: the packaged jar against
 * {@link HubSpotEmulator} (written from HubSpot's public docs; not HubSpot itself) and a fresh PostgreSQL database.
 * OAuth2 with a refresh token (client credentials in the body) against the emulator's token endpoint; HubSpot's
 * v3-signed webhooks posted to {@code twoway run}'s API server, which sits behind the "proxy" of the registered public
 * URL. The poll interval is ten minutes: HubSpot's changes after the start can only arrive through the webhooks.
 */
class HubSpotSyncIT {
    private static final URI PUBLIC_URL = URI.create("https://sync.example.com/webhooks/hubspot");

    private HubSpotEmulator hs;
    private TestDatabase pg;

    @TempDir
    Path dir;

    @Test
    void theDocsExampleSyncsHubSpotContactsAndPostgresBothWaysWithSignedWebhooks() throws Exception {
        try (HubSpotEmulator emulator = new HubSpotEmulator(); TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES)) {
            hs = emulator;
            pg = db;
            Map<String, String> env = Map.of("HUBSPOT_CLIENT_ID", hs.clientId, "HUBSPOT_CLIENT_SECRET", hs.clientSecret,
                    "HUBSPOT_REFRESH_TOKEN", hs.refreshToken);
            long ann = hs.create("contacts", Map.of("email", "ann@example.com", "firstname", "Ann", "lastname", "Smith"));
            long bob = hs.create("contacts", Map.of("email", "bob@example.com", "firstname", "Bob", "lastname", "Jones"));
            pg.exec("CREATE TABLE contacts (id serial PRIMARY KEY, email text UNIQUE, firstname text, lastname text)",
                    "INSERT INTO contacts (email, firstname, lastname) VALUES ('carol@example.com', 'Carol', 'White')");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            String example = docsExample("hubspot");
            String yaml = replace(example, "    preset: hubspot ", "    base-url: " + hs.url + "\n    preset: hubspot ")
                    .replace("https://api.hubapi.com/oauth/v1/token", hs.url + "/oauth/v1/token")
                    .replace("jdbc:postgresql://127.0.0.1:5432/crm", pg.url)
                    .replace("listen: 127.0.0.1:8080", "listen: 127.0.0.1:" + port)
                    + "engine: { poll-interval: 10m }\n";
            assertThat(yaml).isNotEqualTo(example).contains(hs.url + "/oauth/v1/token").contains(pg.url);
            Files.writeString(dir.resolve("twoway.yaml"), yaml);

            // validate: the live API (token, list, mapped properties) is checked, and the webhook URL is named
            TwowayJar.Result valid = TwowayJar.run(dir, env, "validate");
            assertThat(valid.exit()).as(valid.all()).isZero();
            assertThat(valid.out()).contains("is valid: 2 systems, 1 sync, 3 fields, checked against the databases")
                    .contains("webhooks of hubspot: twoway run receives them at POST http://127.0.0.1:" + port + "/webhooks/hubspot, registered at the application as " + PUBLIC_URL);
            Files.writeString(dir.resolve("bad.yaml"), yaml.replace("hubspot: /properties/lastname", "hubspot: lastname"));
            TwowayJar.Result bad = TwowayJar.run(dir, env, "validate", "--config", "bad.yaml");
            assertThat(bad.exit()).as(bad.all()).isEqualTo(2);
            assertThat(bad.err()).contains("syncs.contacts.fields.lastname.hubspot: 'lastname' is not a HubSpot property").contains("write /properties/lastname");

            // a private app's token instead of OAuth2: the auth block of the docs' comment
            hs.staticToken = "pat-na1-it-private-app";
            String privateApp = yaml.replaceAll("(?s)    auth: .*?client-auth: body[^\n]*\n", "    auth: { type: bearer, token: \"\\${env:HUBSPOT_TOKEN}\" }\n");
            assertThat(privateApp).doesNotContain("oauth2").contains("type: bearer");
            Files.writeString(dir.resolve("private-app.yaml"), privateApp);
            TwowayJar.Result pat = TwowayJar.run(dir, Map.of("HUBSPOT_TOKEN", hs.staticToken, "HUBSPOT_CLIENT_SECRET", hs.clientSecret),
                    "validate", "--config", "private-app.yaml");
            assertThat(pat.exit()).as(pat.all()).isZero();
            TwowayJar.Result wrongPat = TwowayJar.run(dir, Map.of("HUBSPOT_TOKEN", "pat-revoked", "HUBSPOT_CLIENT_SECRET", hs.clientSecret),
                    "validate", "--config", "private-app.yaml");
            assertThat(wrongPat.exit()).as(wrongPat.all()).isEqualTo(2);
            assertThat(wrongPat.err()).contains("systems.hubspot.auth").contains("401").doesNotContain("pat-revoked");

            // webhooks need the API server: without it, run refuses to start and says what to do
            Files.writeString(dir.resolve("noserver.yaml"), yaml.replace("server:\n", "server:\n  enabled: false\n"));
            TwowayJar.Result noServer = TwowayJar.run(dir, env, "run", "--config", "noserver.yaml");
            assertThat(noServer.exit()).as(noServer.all()).isEqualTo(2);
            assertThat(noServer.err()).contains("systems.hubspot.webhooks").contains("server.enabled is false").contains("remove server.enabled: false");

            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, env, "run");
            try {
                URI target = URI.create("http://127.0.0.1:" + port + "/webhooks/hubspot");
                // the initial sync: Ann and Bob to PostgreSQL, Carol to HubSpot
                await("the initial sync", () -> converged() && db().size() == 3, log);
                assertThat(Files.readString(log)).contains("webhooks of hubspot: http://127.0.0.1:" + port + "/webhooks/hubspot (hubspot-v3 signatures, registered as " + PUBLIC_URL + ")");

                // inserts each way: PostgreSQL's by its trigger, HubSpot's by its contact.creation webhook
                pg.exec("INSERT INTO contacts (email, firstname, lastname) VALUES ('dave@example.com', 'Dave', 'Brown')");
                long eve = hs.create("contacts", Map.of("email", "eve@example.com", "firstname", "Eve", "lastname", "Green"));
                assertThat(post(target, "contact.creation", eve)).isEqualTo(202);
                await("inserts each way", () -> converged() && db().containsKey("dave@example.com") && db().containsKey("eve@example.com"), log);

                // updates each way
                pg.exec("UPDATE contacts SET lastname = 'Black' WHERE email = 'carol@example.com'");
                hs.update("contacts", ann, Map.of("firstname", "Annie"));
                assertThat(post(target, "contact.propertyChange", ann)).isEqualTo(202);
                await("updates each way", () -> converged() && "Carol|Black".equals(hubSpot().get("carol@example.com"))
                        && "Annie|Smith".equals(db().get("ann@example.com")), log);

                // a forged webhook (wrong secret) and an unsigned one are refused and fetch nothing: a valid one for
                // Ann, sent after them, brings Ann's change but not Bob's
                hs.update("contacts", bob, Map.of("firstname", "Robert"));
                assertThat(HubSpotEmulator.send(at(target, hs.webhook(PUBLIC_URL, "not-the-client-secret", "contact.propertyChange", bob))).statusCode()).isEqualTo(401);
                HubSpotEmulator.Webhook signed = at(target, hs.webhook(PUBLIC_URL, hs.clientSecret, "contact.propertyChange", bob));
                assertThat(unsigned(target, signed.body())).isEqualTo(401);
                hs.update("contacts", ann, Map.of("lastname", "Smythe"));
                assertThat(post(target, "contact.propertyChange", ann)).isEqualTo(202);
                await("Ann's change", () -> "Annie|Smythe".equals(db().get("ann@example.com")), log);
                assertThat(db()).as("Bob's change: only refused webhooks named it").containsEntry("bob@example.com", "Bob|Jones");

                // the valid one for Bob brings his change; sent again (a replay) it is refused and fetches nothing
                assertThat(HubSpotEmulator.send(signed).statusCode()).isEqualTo(202);
                await("Bob's change", () -> "Robert|Jones".equals(db().get("bob@example.com")), log);
                hs.update("contacts", bob, Map.of("firstname", "Bobby"));
                assertThat(HubSpotEmulator.send(signed).statusCode()).as("a replay").isEqualTo(401);
                hs.update("contacts", ann, Map.of("firstname", "Anne"));
                assertThat(post(target, "contact.propertyChange", ann)).isEqualTo(202);
                await("Anne's change", () -> "Anne|Smythe".equals(db().get("ann@example.com")), log);
                assertThat(db()).as("Bob's second change: only the replay named it").containsEntry("bob@example.com", "Robert|Jones");
                // signed right, but ten minutes old (the tolerance is five): stale
                String old = String.valueOf(System.currentTimeMillis() - 600_000);
                assertThat(HubSpotEmulator.send(new HubSpotEmulator.Webhook(target, signed.body(), old,
                        hubSpotV3(hs.clientSecret, "POST" + PUBLIC_URL + signed.body() + old))).statusCode()).as("stale").isEqualTo(401);
                String output = Files.readString(log);
                assertThat(output).contains("webhook from").contains("refused: bad X-HubSpot-Signature-v3").contains("refused: unsigned")
                        .contains("refused: replayed").contains("refused: stale");

                // deletes each way: HubSpot archives Dave; Eve's archive arrives by its contact.deletion webhook
                pg.exec("DELETE FROM contacts WHERE email = 'dave@example.com'");
                hs.archive("contacts", eve);
                assertThat(post(target, "contact.deletion", eve)).isEqualTo(202);
                await("deletes each way", () -> !db().containsKey("eve@example.com") && !hubSpot().containsKey("dave@example.com"), log);
                hs.update("contacts", bob, Map.of("lastname", "Jonas"));
                assertThat(post(target, "contact.propertyChange", bob)).isEqualTo(202);
                await("convergence", () -> converged() && "Bobby|Jonas".equals(db().get("bob@example.com")), log);
                assertThat(db()).containsOnlyKeys("ann@example.com", "bob@example.com", "carol@example.com");

                assertThat(hs.tokensIssued.get()).as("access tokens from the refresh token").isPositive();
                assertThat(hs.batchReads.get()).as("notified contacts fetched by batch read").isPositive();
                String all = Files.readString(log);
                assertThat(all).doesNotContain(hs.clientSecret).doesNotContain(hs.refreshToken).doesNotContain("at-1-");
            } finally {
                run.destroy(); // SIGTERM
            }
            // idle captures wait ten minutes for a signal: the stop must not wait them out
            assertThat(run.waitFor(20, TimeUnit.SECONDS)).as("run stops on SIGTERM; log:\n%s", Files.readString(log)).isTrue();
            assertThat(run.exitValue()).as(Files.readString(log)).isZero();
            TwowayJar.Result verify = TwowayJar.run(dir, env, "audit", "verify");
            assertThat(verify.exit()).as(verify.all()).isZero();
        }
    }

    private static String replace(String text, String old, String replacement) {
        assertThat(text).as("docs/http.md's HubSpot example").contains(old);
        return text.replace(old, replacement);
    }

    /** A webhook signed for the registered public URL, posted to twoway's own address (as the proxy would). */
    private static HubSpotEmulator.Webhook at(URI target, HubSpotEmulator.Webhook w) {
        return new HubSpotEmulator.Webhook(target, w.body(), w.timestamp(), w.signature());
    }

    /** HubSpot's webhook for these contacts, signed with the app's client secret. */
    private int post(URI target, String type, long... ids) throws Exception {
        return HubSpotEmulator.send(at(target, hs.webhook(PUBLIC_URL, hs.clientSecret, type, ids))).statusCode();
    }

    /** HubSpot's v3 signature: base64 of the HMAC-SHA256 of method, URL, body and timestamp with the client secret. */
    private static String hubSpotV3(String secret, String signed) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** A request with HubSpot's body but no signature headers. */
    private static int unsigned(URI target, String body) throws Exception {
        java.net.http.HttpRequest r = java.net.http.HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
        return java.net.http.HttpClient.newHttpClient().send(r, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private boolean converged() {
        try {
            return hubSpot().equals(db());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Map<String, String> db() {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT email, firstname, lastname FROM contacts")) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2) + "|" + rs.getString(3));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private Map<String, String> hubSpot() {
        Map<String, String> out = new TreeMap<>();
        hs.live("contacts").values().forEach(p -> out.put(p.get("email"), p.get("firstname") + "|" + p.get("lastname")));
        return out;
    }
}
