package dev.twoway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.jdbc.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The product as a user meets it: the packaged jar, run as a subprocess against real PostgreSQL and MariaDB
 * databases that a test created with data on both sides.
 */
class CliEndToEndIT {
    @TempDir
    Path dir;

    private static void createCrm(TestDatabase pg) {
        pg.exec("CREATE TABLE customer (customer_id serial PRIMARY KEY, full_name varchar(100) NOT NULL, email varchar(100) NOT NULL UNIQUE,"
                        + " phone varchar(30), notes text)",
                "INSERT INTO customer (full_name, email, phone) VALUES ('Ada Lovelace', 'ada@example.com', '+44 1'), ('Alan Turing', 'alan@example.com', '+44 2')");
    }

    private static void createErp(TestDatabase my) {
        my.exec("CREATE TABLE Customer (CustomerId INT AUTO_INCREMENT PRIMARY KEY, FullName VARCHAR(100) NOT NULL, Email VARCHAR(100) NOT NULL UNIQUE,"
                        + " Phone VARCHAR(30), CreditLimit DECIMAL(10,2) DEFAULT 1000)",
                "INSERT INTO Customer (CustomerId, FullName, Email, Phone) VALUES (500, 'Ada Lovelace', 'ada@example.com', '+44 1'),"
                        + " (501, 'Edsger Dijkstra', 'edsger@example.com', '+31 4')");
    }

    @Test
    void initWritesAConfigThatRunSyncsBothWaysUntilSigtermStopsItGracefully() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            createCrm(pg);
            createErp(my);
            TwowayJar.Result init = TwowayJar.run(dir, "init", "--system", "crm=" + pg.url, "--user", "crm=postgres",
                    "--system", "erp=" + my.url, "--user", "erp=root");
            assertThat(init.exit()).as(init.all()).isZero();
            assertThat(init.out()).contains("customers: crm.customer ⇄ erp.Customer, 3 fields, matched by email, independent keys");
            String yaml = Files.readString(dir.resolve("twoway.yaml"));
            assertThat(yaml).contains("email: { crm: email, erp: Email, match: true }").contains("# not mapped in crm.customer: notes");

            TwowayJar.Result valid = TwowayJar.run(dir, "validate");
            assertThat(valid.exit()).as(valid.all()).isZero();
            assertThat(valid.out()).contains("twoway.yaml is valid: 2 systems, 1 sync, 3 fields, checked against the databases");

            // Before anything has run, status --json still answers JSON a script can read.
            TwowayJar.Result none = TwowayJar.run(dir, "status", "--json");
            assertThat(none.exit()).as(none.all()).isZero();
            com.fasterxml.jackson.databind.JsonNode noState = new com.fasterxml.jackson.databind.ObjectMapper().readTree(none.out());
            assertThat(noState.path("noState").asBoolean()).isTrue();
            assertThat(noState.path("message").asText()).startsWith("no state yet at ");
            assertThat(noState.path("syncs").isArray()).isTrue();

            // The API over TLS with a certificate made as an operator would, on any free port (8080 may be taken here).
            Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=twoway-it",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem").directory(dir.toFile()).redirectErrorStream(true).start();
            openssl.getInputStream().readAllBytes();
            assertThat(openssl.waitFor()).isZero();
            Files.writeString(dir.resolve("twoway.yaml"), yaml + """
                    server:
                      listen: "127.0.0.1:0"
                      tls: { certificate: cert.pem, key: key.pem }
                    """);
            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, "run");
            try {
                // Initial sync: Ada linked by email (not duplicated), Alan and Edsger copied across.
                await("initial sync", () -> count(pg, "SELECT count(*) FROM customer") == 3 && count(my, "SELECT count(*) FROM Customer") == 3, log);
                assertThat(count(my, "SELECT count(*) FROM Customer WHERE Email = 'ada@example.com'")).isEqualTo(1);

                pg.exec("INSERT INTO customer (full_name, email, phone) VALUES ('Grace Hopper', 'grace@example.com', '+1 3')");
                await("insert PostgreSQL → MariaDB", () -> count(my, "SELECT count(*) FROM Customer WHERE FullName = 'Grace Hopper'") == 1, log);
                my.exec("UPDATE Customer SET Phone = '+31 99' WHERE Email = 'edsger@example.com'");
                await("update MariaDB → PostgreSQL", () -> count(pg, "SELECT count(*) FROM customer WHERE phone = '+31 99'") == 1, log);
                pg.exec("DELETE FROM customer WHERE email = 'alan@example.com'");
                await("delete PostgreSQL → MariaDB", () -> count(my, "SELECT count(*) FROM Customer WHERE Email = 'alan@example.com'") == 0, log);

                TwowayJar.Result status = TwowayJar.run(dir, "status");
                assertThat(status.out()).as(status.all()).contains("twoway run: pid " + run.pid()).contains("sync customers (realtime)")
                        .contains("0 open conflicts, 0 dead letters");
                // Another command's request is carried out by the running process (which holds the state), and answered.
                TwowayJar.Result handedOver = TwowayJar.run(dir, "deadletters", "retry", "999");
                assertThat(handedOver.exit()).as(handedOver.all()).isEqualTo(2);
                assertThat(handedOver.err()).contains("there is no dead letter 999");
                assertThat(Files.readString(log)).contains("operator request refused: there is no dead letter 999");
                java.util.regex.Matcher https = java.util.regex.Pattern.compile("API at https://127\\.0\\.0\\.1:(\\d+)/api/v1").matcher(Files.readString(log));
                assertThat(https.find()).as(Files.readString(log)).isTrue();
                java.security.cert.X509Certificate cert;
                try (java.io.InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
                    cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
                }
                java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry("twoway", cert);
                javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
                ssl.init(null, tmf.getTrustManagers(), null);
                HttpResponse<String> health = HttpClient.newBuilder().sslContext(ssl).build().send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + https.group(1) + "/api/v1/health")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.sslSession().orElseThrow().getPeerCertificates()[0]).as("the configured certificate").isEqualTo(cert);
                TwowayJar.Result json = TwowayJar.run(dir, "status", "--json");
                assertThat(new ObjectMapper().readTree(json.out()).path("syncs").get(0).path("endpoints")).hasSize(2);
            } finally {
                run.destroy(); // SIGTERM
            }
            long stopping = System.nanoTime();
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - stopping)).as("a graceful stop of an idle runtime is prompt").isLessThan(Duration.ofSeconds(10));
            String output = Files.readString(log);
            assertThat(run.exitValue()).as(output).isZero();
            assertThat(output).contains("stopping: finishing the batches in flight").contains("stopped");

            TwowayJar.Result verify = TwowayJar.run(dir, "audit", "verify");
            assertThat(verify.exit()).as(verify.all()).isZero();
            assertThat(verify.out()).containsPattern("audit trail intact: \\d+ entries verified");
            TwowayJar.Result csv = TwowayJar.run(dir, "audit", "export", "--format", "csv", "--output", "audit.csv");
            assertThat(csv.exit()).as(csv.all()).isZero();
            List<String> lines = Files.readAllLines(dir.resolve("audit.csv"));
            assertThat(lines.getFirst()).isEqualTo("seq,time,sync,record_id,system,actor,action,detail,prev_hash,hash");
            assertThat(lines).anyMatch(l -> l.contains("grace@example.com"));
            TwowayJar.Result jsonl = TwowayJar.run(dir, "audit", "export");
            List<String> entries = jsonl.out().lines().toList();
            assertThat(entries).hasSize(lines.size() - 1);
            for (String e : entries) assertThat(new ObjectMapper().readTree(e).path("hash").asText()).hasSize(64);

            // The head printed by verify, kept elsewhere, proves later that nothing was cut from the end of the trail.
            java.util.regex.Matcher head = java.util.regex.Pattern.compile("head (\\d+:[0-9a-f]{64})").matcher(verify.out());
            assertThat(head.find()).as(verify.out()).isTrue();
            TwowayJar.Result anchored = TwowayJar.run(dir, "audit", "verify", "--anchor", head.group(1));
            assertThat(anchored.exit()).as(anchored.all()).isZero();
            assertThat(anchored.out()).contains("1 anchor matched");
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("twoway-data/state.db"));
                 java.sql.Statement st = c.createStatement()) {
                assertThat(st.executeUpdate("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")).isEqualTo(1);
            }
            assertThat(TwowayJar.run(dir, "audit", "verify").exit()).as("a cut tail leaves an intact chain: only an anchor shows it").isZero();
            TwowayJar.Result cut = TwowayJar.run(dir, "audit", "verify", "--anchor", head.group(1));
            assertThat(cut.exit()).as(cut.all()).isEqualTo(1);
            assertThat(cut.out()).contains("audit trail BROKEN: anchor entry " + head.group(1).split(":")[0] + " is missing");
        }
    }

    @Test
    void validateReportsEveryProblemWithFileLineAndAFixAndExitCode2() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            createCrm(pg);
            createErp(my);
            writeConfig(pg, my, """
                    syncs:
                      customers:
                        endpoints:
                          crm: { table: customer }
                          erp: { tabel: Customer }
                        fields:
                          email: { crm: email, erp: Email, match: true }
                          phone: { crm: phone_number, erp: Phone }
                        conflicts: { default: { owner: crmm } }
                    """);
            TwowayJar.Result r = TwowayJar.run(dir, "validate");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("twoway.yaml:8:14: syncs.customers.endpoints.erp.tabel: unknown key 'tabel'")
                    .contains("did you mean 'table'?")
                    .contains("syncs.customers.endpoints.erp: 'table' is missing")
                    .contains("twoway.yaml:12:36: syncs.customers.conflicts.default.owner: 'crmm' is not an endpoint of this sync")
                    .contains("did you mean 'crm'?");
            assertThat(r.err()).as("one problem per cause: the broken endpoint does not make its fields unknown keys")
                    .startsWith("3 problems in the config:").doesNotContain("unknown key 'erp'");
            // The file is fixed; now the database check finds the column that does not exist.
            Files.writeString(dir.resolve("twoway.yaml"), Files.readString(dir.resolve("twoway.yaml"))
                    .replace("tabel", "table").replace("crmm", "crm"));
            r = TwowayJar.run(dir, "validate");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("twoway.yaml:11:21: syncs.customers.fields.phone.crm: table \"public\".\"customer\" has no column \"phone_number\"")
                    .contains("its columns are customer_id, full_name, email, phone, notes");
            assertThat(TwowayJar.run(dir, "validate", "--offline").exit()).isZero();
            // A TLS file that cannot be used is found by validate, not at the first HTTPS request.
            Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
            Files.writeString(dir.resolve("twoway.yaml"), Files.readString(dir.resolve("twoway.yaml")).replace("phone_number", "phone")
                    + "server:\n  tls: { certificate: cert.pem, key: cert.pem }\n");
            TwowayJar.Result badTls = TwowayJar.run(dir, "validate");
            assertThat(badTls.exit()).as(badTls.all()).isEqualTo(2);
            assertThat(badTls.err()).contains("server.tls: ").contains("cert.pem holds no");

            // A system that is down is not a config problem: sync --once exits 1 (2 is for configs to fix).
            Files.writeString(dir.resolve("twoway.yaml"), Files.readString(dir.resolve("twoway.yaml"))
                    .replace("server:\n  tls: { certificate: cert.pem, key: cert.pem }\n", "").replace(my.url, "jdbc:mariadb://127.0.0.1:1/nothing"));
            TwowayJar.Result down = TwowayJar.run(dir, "sync", "--once");
            assertThat(down.exit()).as(down.all()).isEqualTo(1);
            assertThat(down.err()).contains("cannot reach erp");
        }
    }

    @Test
    void aManualConflictIsListedShownAndResolvedFromTheCommandLineAndTheWinnerReachesBothDatabases() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            createCrm(pg);
            createErp(my);
            writeConfig(pg, my, """
                    syncs:
                      customers:
                        capture: poll
                        endpoints:
                          crm: { table: customer, capture: triggers }
                          erp: { table: Customer, capture: checksum }
                        fields:
                          name: { crm: full_name, erp: FullName, sensitive: true }
                          email: { crm: email, erp: Email, match: true }
                          phone: { crm: phone, erp: Phone }
                        conflicts: { fields: { phone: manual } }
                    """);
            TwowayJar.Result first = TwowayJar.run(dir, "sync", "--once");
            assertThat(first.exit()).as(first.all()).isZero();
            assertThat(first.out()).contains("customers: ").contains("writes applied");
            pg.exec("UPDATE customer SET phone = '+44 crm' WHERE email = 'ada@example.com'");
            my.exec("UPDATE Customer SET Phone = '+44 erp' WHERE Email = 'ada@example.com'");
            TwowayJar.Result second = TwowayJar.run(dir, "sync", "--once");
            assertThat(second.out()).as(second.all()).contains("1 open conflict,");

            TwowayJar.Result list = TwowayJar.run(dir, "conflicts", "list");
            assertThat(list.out()).as(list.all()).contains("phone").contains("crm=+44 crm").contains("erp=+44 erp");
            String id = list.out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];
            TwowayJar.Result show = TwowayJar.run(dir, "conflicts", "show", id);
            assertThat(show.out()).contains("base:    +44 1").contains("crm:     +44 crm").contains("erp:     +44 erp");
            TwowayJar.Result resolve = TwowayJar.run(dir, "conflicts", "resolve", id, "--take", "erp", "--comment", "called Ada", "--as", "tester");
            assertThat(resolve.exit()).as(resolve.all()).isZero();
            assertThat(resolve.out()).contains("resolved: +44 erp (from erp)");
            assertThat(TwowayJar.run(dir, "conflicts", "resolve", id, "--take", "erp").err()).contains("already resolved");

            TwowayJar.Result third = TwowayJar.run(dir, "sync", "--once");
            assertThat(third.exit()).as(third.all()).isZero();
            assertThat(count(pg, "SELECT count(*) FROM customer WHERE phone = '+44 erp'")).isEqualTo(1);
            assertThat(count(my, "SELECT count(*) FROM Customer WHERE Phone = '+44 erp'")).isEqualTo(1);
            TwowayJar.Result audit = TwowayJar.run(dir, "audit", "export");
            assertThat(audit.out()).contains("\"actor\":\"user:tester\"").contains("called Ada")
                    .as("a sensitive field's values are masked in exports").doesNotContain("Lovelace").doesNotContain("Dijkstra").contains("\"***\"");
            assertThat(TwowayJar.run(dir, "audit", "export", "--unmasked", "--format", "csv").out()).contains("Ada Lovelace").contains("Edsger Dijkstra");
            assertThat(TwowayJar.run(dir, "conflicts", "list").out()).contains("no open conflicts");

            // A delete that waits for confirmation: taking the deleting system's version deletes the record everywhere.
            Files.writeString(dir.resolve("twoway.yaml"), Files.readString(dir.resolve("twoway.yaml")) + "    deletes: confirm\n");
            my.exec("DELETE FROM Customer WHERE Email = 'ada@example.com'");
            TwowayJar.Result fourth = TwowayJar.run(dir, "sync", "--once");
            assertThat(fourth.out()).as(fourth.all()).contains("1 open conflict,");
            assertThat(count(pg, "SELECT count(*) FROM customer WHERE email = 'ada@example.com'")).as("held until confirmed").isEqualTo(1);
            String deleteId = TwowayJar.run(dir, "conflicts", "list").out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];
            TwowayJar.Result confirm = TwowayJar.run(dir, "conflicts", "resolve", deleteId, "--take", "erp");
            assertThat(confirm.out()).as(confirm.all()).contains("resolved: delete (as erp)");
            assertThat(TwowayJar.run(dir, "sync", "--once").exit()).isZero();
            assertThat(count(pg, "SELECT count(*) FROM customer WHERE email = 'ada@example.com'")).as("deleted as erp did").isZero();

            // Another capture mode cannot read the old one's position: it starts over, and nothing changes twice.
            Files.writeString(dir.resolve("twoway.yaml"), Files.readString(dir.resolve("twoway.yaml"))
                    .replace("crm: { table: customer, capture: triggers }", "crm: { table: customer, capture: checksum }"));
            pg.exec("UPDATE customer SET phone = '+44 5' WHERE email = 'alan@example.com'");
            TwowayJar.Result switched = TwowayJar.run(dir, "sync", "--once");
            assertThat(switched.exit()).as(switched.all()).isZero();
            assertThat(switched.err()).contains("capture of 'crm' changed from triggers to checksum; it starts over with a snapshot of customer");
            assertThat(count(my, "SELECT count(*) FROM Customer WHERE Phone = '+44 5'")).isEqualTo(1);
            assertThat(count(my, "SELECT count(*) FROM Customer")).as("no row duplicated by the new snapshot").isEqualTo(2);
        }
    }

    @Test
    void theRunningProcessServesTheApiAConflictResolvedThroughItReachesBothDatabasesAndTheAuditNamesTheCaller() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            createCrm(pg);
            createErp(my);
            writeConfig(pg, my, """
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
                          phone: { crm: phone, erp: Phone }
                        conflicts: { fields: { phone: manual } }
                    """);
            TwowayJar.Result created = TwowayJar.run(dir, "keys", "create", "--name", "alice", "--role", "operator");
            assertThat(created.exit()).as(created.all()).isZero();
            String alice = created.out().strip();
            assertThat(alice).startsWith("tw_");
            assertThat(created.err()).contains("created API key 'alice'").contains("shown only now");
            String bob = TwowayJar.run(dir, "keys", "create", "--name", "bob", "--role", "viewer").out().strip();
            assertThat(TwowayJar.run(dir, "keys", "list").out()).contains("alice").contains("operator").contains("bob").doesNotContain(alice);

            Path log = dir.resolve("run.log");
            Process run = TwowayJar.start(dir, log, "run");
            try {
                await("the API to listen", () -> apiPort(log) > 0, log);
                Api api = new Api(apiPort(log));
                assertThat(api.call("GET", "/api/v1/syncs", null, null).statusCode()).isEqualTo(401);
                await("initial sync", () -> count(my, "SELECT count(*) FROM Customer") == 3, log);
                pg.exec("UPDATE customer SET phone = '+44 crm' WHERE email = 'ada@example.com'");
                my.exec("UPDATE Customer SET Phone = '+44 erp' WHERE Email = 'ada@example.com'");
                await("a conflict to wait for a person", () -> api.json("GET", "/api/v1/conflicts", bob, null).size() == 1, log);
                JsonNode conflict = api.json("GET", "/api/v1/conflicts", bob, null).get(0);
                assertThat(conflict.path("field").asText()).isEqualTo("phone");
                assertThat(conflict.path("versions").path("crm").asText()).isEqualTo("+44 crm");
                assertThat(conflict.path("versions").path("erp").asText()).isEqualTo("+44 erp");
                String resolve = "/api/v1/conflicts/" + conflict.path("id").asLong() + "/resolve";
                String choice = "{\"take\":\"erp\",\"comment\":\"confirmed by phone\"}";
                assertThat(api.call("POST", resolve, bob, choice).statusCode()).as("a viewer may not resolve").isEqualTo(403);
                HttpResponse<String> resolved = api.call("POST", resolve, alice, choice);
                assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
                assertThat(resolved.body()).contains("resolved: +44 erp (from erp)");
                await("the decision to reach both databases", () -> count(pg, "SELECT count(*) FROM customer WHERE phone = '+44 erp'") == 1
                        && count(my, "SELECT count(*) FROM Customer WHERE Phone = '+44 erp'") == 1, log);
                JsonNode audit = api.json("GET", "/api/v1/audit?limit=1000", bob, null);
                assertThat(audit.toString()).contains("\"actor\":\"user:alice\"").contains("confirmed by phone");
                assertThat(api.json("GET", "/api/v1/audit/verify", bob, null).path("intact").asBoolean()).isTrue();

                // Revoked from the command line while the process runs: refused at once.
                assertThat(TwowayJar.run(dir, "keys", "revoke", "alice").exit()).isZero();
                assertThat(api.call("GET", "/api/v1/syncs", alice, null).statusCode()).isEqualTo(401);
                HttpResponse<String> syncs = api.call("GET", "/api/v1/syncs", bob, null);
                assertThat(syncs.statusCode()).isEqualTo(200);
                assertThat(syncs.body()).contains("\"running\":\"pid " + run.pid() + "\"");
                // Reading the status inside the running process must not drop its lock on the state.
                TwowayJar.Result second = TwowayJar.run(dir, "sync", "--once");
                assertThat(second.exit()).as(second.all()).isEqualTo(1);
                assertThat(second.err()).contains("another twoway process (pid " + run.pid() + ")");
                assertThat(Files.readString(log)).contains("refused API key").doesNotContain(alice).doesNotContain(bob);
            } finally {
                run.destroy();
            }
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as(Files.readString(log)).isZero();
        }
    }

    /** The port twoway run logged for its API, or 0 before it did. */
    private static int apiPort(Path log) {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("API at http://127\\.0\\.0\\.1:(\\d+)/api/v1").matcher(Files.readString(log));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** A small client of the API. */
    private record Api(int port) {
        HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (key != null) b.header("Authorization", "Bearer " + key);
            return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        JsonNode json(String method, String path, String key, String body) {
            try {
                HttpResponse<String> r = call(method, path, key, body);
                if (r.statusCode() != 200) throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
                return new ObjectMapper().readTree(r.body());
            } catch (AssertionError e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aPausedSyncWaitsAndAResumedOneCatchesUpAndDeadLettersAreRetriedAfterTheFix() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            createCrm(pg);
            createErp(my);
            my.exec("ALTER TABLE Customer MODIFY Phone VARCHAR(8)");
            writeConfig(pg, my, """
                    syncs:
                      customers:
                        endpoints:
                          crm: { table: customer }
                          erp: { table: Customer }
                        fields:
                          name: { crm: full_name, erp: FullName }
                          email: { crm: email, erp: Email, match: true }
                          phone: { crm: phone, erp: Phone }
                    """);
            assertThat(TwowayJar.run(dir, "sync", "--once").exit()).isZero();
            assertThat(TwowayJar.run(dir, "pause", "customers", "--reason", "maintenance").exit()).isZero();
            pg.exec("UPDATE customer SET phone = '+44 20 7946 0000' WHERE email = 'ada@example.com'"); // too long for VARCHAR(8)
            TwowayJar.Result status = TwowayJar.run(dir, "status");
            assertThat(status.out()).contains("PAUSED").contains("maintenance");
            assertThat(TwowayJar.run(dir, "resume", "customers").exit()).isZero();
            assertThat(TwowayJar.run(dir, "sync", "--once").out()).contains("1 dead letter:");
            TwowayJar.Result letters = TwowayJar.run(dir, "deadletters", "list");
            assertThat(letters.out()).as(letters.all()).contains("customers → erp").contains("field 'phone'").contains("the column holds 8");
            my.exec("ALTER TABLE Customer MODIFY Phone VARCHAR(30)");
            // The connector introspects at start: the next process sees the wider column.
            TwowayJar.Result retry = TwowayJar.run(dir, "deadletters", "retry", "--all");
            assertThat(retry.exit()).as(retry.all()).isZero();
            assertThat(TwowayJar.run(dir, "sync", "--once").exit()).isZero();
            assertThat(count(my, "SELECT count(*) FROM Customer WHERE Phone = '+44 20 7946 0000'")).isEqualTo(1);
            assertThat(TwowayJar.run(dir, "deadletters", "list").out()).contains("no dead letters");
        }
    }

    @Test
    void everyCommandsHelpShowsAnExample() throws Exception {
        for (String cmd : List.of("demo", "init", "validate", "sync", "run", "status", "pause", "resume", "conflicts", "conflicts list",
                "conflicts show", "conflicts resolve", "deadletters", "deadletters list", "deadletters retry", "deadletters discard", "audit", "audit verify", "audit export",
                "keys", "keys create", "keys list", "keys revoke")) {
            List<String> args = new ArrayList<>(List.of(cmd.split(" ")));
            args.add("--help");
            TwowayJar.Result r = TwowayJar.run(dir, args.toArray(String[]::new));
            assertThat(r.exit()).as(cmd).isZero();
            assertThat(r.out()).as(cmd).containsPattern("Examples?:\\n  twoway ");
            assertThat(r.out()).as(cmd + ": an unescaped ${...} in a description prints null").doesNotContain("null");
        }
    }

    /** twoway.yaml with the two test databases as systems crm and erp, then {@code syncs}. */
    private void writeConfig(TestDatabase pg, TestDatabase my, String syncs) throws java.io.IOException {
        Files.writeString(dir.resolve("twoway.yaml"), """
                systems:
                  crm: { connector: postgres, url: "%s", user: postgres }
                  erp: { connector: mariadb, url: "%s", user: root }
                """.formatted(pg.url, my.url) + syncs.stripIndent());
    }

    static long count(TestDatabase db, String sql) {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(String what, BooleanSupplier condition, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + " did not happen within 60 s; twoway's log:\n" + Files.readString(log));
            Thread.sleep(200);
        }
    }
}
