package dev.twoway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditFormat;
import dev.twoway.clock.HlcTimestamp;
import dev.twoway.engine.Pauses;
import dev.twoway.merge.Base;
import dev.twoway.merge.FieldVersion;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP API against a real state store: every route with every role (allowed or 403), without a token (401),
 * with bad JWTs and a revoked key (401), per-sync scopes, and the OpenAPI document against the routes served.
 */
class ApiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";
    private static final String ISSUER = "https://login.example.com/";
    private static final String AUDIENCE = "twoway";

    @TempDir
    Path dir;
    private SqliteStateStore store;
    private ApiServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> calls = new ArrayList<>();
    private final Map<Role, String> keyOf = new java.util.EnumMap<>(Role.class);
    private long conflictId;
    private long deadLetterId;
    private long refusedConflictId = -1;
    private RecordId record;
    private volatile boolean reported = true;
    private volatile boolean crmDown;
    /** What a system's error may say: hosts, users, passwords. None of it may leave through the API. */
    private static final String DOWN_ERROR = "connection to db.internal.example.com:5432 refused for user twoway_admin (password hunter2)";
    /** The customers sync's phone is sensitive: its values never show. */
    private static final dev.twoway.audit.AuditMask MASK = new dev.twoway.audit.AuditMask(Map.of("customers", Set.of("phone", "Phone")));
    private static final String SECRET_PHONE = "+44 20 7946 0999";

    /** Stands in for the running engines: records what the API asked of them. */
    private final SyncOperations operations = new SyncOperations() {
        @Override
        public ObjectNode status() {
            ObjectNode s = JSON.createObjectNode();
            ArrayNode syncs = s.putArray("syncs");
            ObjectNode customers = syncs.addObject().put("sync", "customers").put("reportedAt", reported ? Instant.now().toString() : null);
            customers.putArray("endpoints").add(endpoint("crm", crmDown)).add(endpoint("erp", false));
            ObjectNode orders = syncs.addObject().put("sync", "orders").put("reportedAt", reported ? Instant.now().toString() : null);
            orders.putArray("endpoints").add(endpoint("erp", false));
            return s;
        }

        private ObjectNode endpoint(String name, boolean down) {
            ObjectNode e = JSON.createObjectNode().put("endpoint", name).put("system", name).put("unavailable", down);
            if (down) e.put("lastError", DOWN_ERROR);
            return e;
        }

        @Override
        public String runNow(String sync) {
            calls.add("run " + sync);
            return "a pass of sync '" + sync + "' starts now";
        }

        @Override
        public String discardDeadLetter(long id, String actor, String reason) {
            calls.add("discard " + id + " by " + actor + ": " + reason);
            store.run(tx -> tx.removeDeadLetter(id));
            return "dead letter " + id + " discarded";
        }

        @Override
        public String resolveConflict(long id, JsonNode choice, String actor, String comment) {
            if (id == refusedConflictId) throw new IllegalArgumentException("conflict " + id + " has no version from '" + choice.path("take").asText() + "'");
            calls.add("resolve " + id + " " + choice.path("take").asText() + " by " + actor + ": " + comment);
            return "resolved";
        }

        @Override
        public String retryDeadLetter(long id) {
            calls.add("retry " + id);
            return "queued";
        }
    };

    @BeforeEach
    void start() {
        store = SqliteStateStore.open(dir.resolve("state.db"));
        ApiKeys keys = new ApiKeys(store);
        for (Role r : Role.values()) keyOf.put(r, keys.create(r.configName() + "-key", r, Set.of()).secret());
        record = RecordId.random();
        conflictId = store.inTransaction(tx -> tx.addConflict(new ConflictRecord(0, "customers", record, "name", "field",
                candidates(Value.str("+1"), Map.of("crm", Value.str("+2"), "erp", Value.str("+3"))), Instant.now(), "open", null, null))).id();
        deadLetterId = addDeadLetter();
        Row values = Row.of("name", Value.str("Ada Lovelace"), "phone", Value.str(SECRET_PHONE), "email", Value.str("ada@example.com"));
        store.run(tx -> {
            RecordState state = new RecordState(record, Base.created(values, new FieldVersion(new HlcTimestamp(1, 0), "crm")), Map.of(), Set.of("name"))
                    .withShadow("crm", Shadow.present(new NativeKey("42"), values, 1))
                    .withShadow("erp", Shadow.present(new NativeKey("[\"7\",\"A\"]"), values, 1));
            tx.saveRecord("customers", state, null);
            tx.appendAudit(new AuditEntry.Draft(Instant.parse("2026-01-01T00:00:00Z"), "customers", record.value(), "crm", "capture", "change",
                    "{\"values\":{\"name\":{\"t\":\"str\",\"v\":\"Ada Lovelace\"},\"phone\":{\"t\":\"str\",\"v\":\"" + SECRET_PHONE + "\"}}}"));
            tx.appendAudit(new AuditEntry.Draft(Instant.parse("2026-02-01T00:00:00Z"), "customers", record.value(), "erp", "engine", "write:update",
                    "{\"values\":{\"Phone\":{\"t\":\"str\",\"v\":\"" + SECRET_PHONE + "\"}},\"key\":\"[\\\"7\\\",\\\"A\\\"]\"}"));
            tx.appendAudit(new AuditEntry.Draft(Instant.parse("2026-03-01T00:00:00Z"), "customers", record.value(), null, "user:alice", "conflict-decided",
                    "{\"field\":\"phone\",\"chosen\":{\"t\":\"str\",\"v\":\"" + SECRET_PHONE + "\"},\"comment\":\"called her\"}"));
            tx.appendAudit(new AuditEntry.Draft(Instant.parse("2026-03-02T00:00:00Z"), "orders", "o-1", "erp", "engine", "dead-letter", "{\"error\":\"too long\"}"));
        });
        server = new ApiServer(store, operations, Optional.of(new JwtVerifier(new JwtVerifier.Settings(SECRET, null, ISSUER, AUDIENCE, "roles", "syncs"))))
                .withMask(MASK).start("127.0.0.1", 0);
    }

    private long addDeadLetter() {
        return store.inTransaction(tx -> tx.addDeadLetter(new DeadLetter(0, "orders", "erp", new RecordId("o-1"), "value too long", 10, Instant.now()))).id();
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    @Test
    void everyRouteWithEveryRole() throws Exception {
        for (ApiServer.Route r : ApiServer.ROUTES) {
            if (r.role() == null) {
                assertThat(call(r, null).statusCode()).as(r.toString()).isEqualTo(200);
                continue;
            }
            assertThat(call(r, null).statusCode()).as("no token: " + r).isEqualTo(401);
            assertThat(call(r, "tw_00000000_not-a-key").statusCode()).as("unknown key: " + r).isEqualTo(401);
            for (Role role : Role.values()) {
                HttpResponse<String> res = call(r, keyOf.get(role));
                if (role.includes(r.role())) {
                    assertThat(res.statusCode()).as(role + " " + r + ": " + res.body()).isBetween(200, 202);
                } else {
                    assertThat(res.statusCode()).as(role + " " + r).isEqualTo(403);
                    assertThat(JSON.readTree(res.body()).path("error").asText()).contains("needs the " + r.role().configName() + " role");
                }
                // A route that changes things was carried out only when allowed: start each role from the same state.
                reset();
            }
        }
    }

    @Test
    void operationsReachTheEnginesWithTheCallerAsActor() throws Exception {
        HttpResponse<String> res = send("POST", "/api/v1/conflicts/" + conflictId + "/resolve", keyOf.get(Role.OPERATOR),
                "{\"take\":\"erp\",\"comment\":\"customer called\"}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(calls).containsExactly("resolve " + conflictId + " erp by operator-key: customer called");

        JsonNode shown = JSON.readTree(send("GET", "/api/v1/conflicts/" + conflictId, keyOf.get(Role.VIEWER), null).body());
        assertThat(shown.path("base").asText()).isEqualTo("+1");
        assertThat(shown.path("versions").path("crm").asText()).isEqualTo("+2");
        assertThat(shown.path("versions").path("erp").asText()).isEqualTo("+3");

        assertThat(send("POST", "/api/v1/syncs/customers/pause", keyOf.get(Role.OPERATOR), "{\"reason\":\"ERP upgrade\"}").statusCode()).isEqualTo(200);
        assertThat(new Pauses(store).pausedBy("customers")).hasValueSatisfying(r -> assertThat(r).contains("operator-key").contains("ERP upgrade"));
        assertThat(send("POST", "/api/v1/syncs/nosuch/pause", keyOf.get(Role.OPERATOR), null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/conflicts/999", keyOf.get(Role.VIEWER), null).statusCode()).isEqualTo(404);
        HttpResponse<String> bad = send("GET", "/api/v1/conflicts/abc", keyOf.get(Role.VIEWER), null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'abc' is not an id");
        HttpResponse<String> badJson = send("POST", "/api/v1/conflicts/" + conflictId + "/resolve", keyOf.get(Role.OPERATOR), "{take:");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(badJson.body()).contains("not valid JSON");
        HttpResponse<String> nowhere = send("GET", "/api/v1/nothing-here", keyOf.get(Role.ADMIN), null);
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(nowhere.body()).path("error").asText()).isEqualTo("no such endpoint: GET /api/v1/nothing-here");
        HttpResponse<String> huge = send("POST", "/api/v1/syncs/customers/pause", keyOf.get(Role.OPERATOR), "{\"reason\":\"" + "x".repeat(2_000_000) + "\"}");
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(huge.body()).path("error").asText()).contains("larger than the 1000000 bytes the API accepts");
        assertThat(new Pauses(store).pausedBy("customers")).as("still paused for the ERP upgrade, not by the refused request")
                .hasValueSatisfying(r -> assertThat(r).contains("ERP upgrade"));
    }

    @Test
    void jwtsAreCheckedForSignatureIssuerAudienceAndExpiry() throws Exception {
        Instant in1h = Instant.now().plusSeconds(3600);
        assertThat(get("/api/v1/syncs", hs256(SECRET, ISSUER, AUDIENCE, in1h, List.of("viewer"))).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/keys", hs256(SECRET, ISSUER, AUDIENCE, in1h, List.of("viewer"))).statusCode()).isEqualTo(403);
        assertThat(get("/api/v1/keys", hs256(SECRET, ISSUER, AUDIENCE, in1h, List.of("viewer", "admin"))).statusCode()).isEqualTo(200);

        assertThat(get("/api/v1/syncs", hs256(SECRET, ISSUER, AUDIENCE, Instant.now().minusSeconds(600), List.of("viewer"))).statusCode())
                .as("expired").isEqualTo(401);
        assertThat(get("/api/v1/syncs", hs256(SECRET, "https://evil.example.com/", AUDIENCE, in1h, List.of("viewer"))).statusCode())
                .as("wrong issuer").isEqualTo(401);
        assertThat(get("/api/v1/syncs", hs256(SECRET, ISSUER, "someone-else", in1h, List.of("viewer"))).statusCode())
                .as("wrong audience").isEqualTo(401);
        assertThat(get("/api/v1/syncs", hs256("another-secret-of-at-least-32-bytes!", ISSUER, AUDIENCE, in1h, List.of("viewer"))).statusCode())
                .as("wrong signature").isEqualTo(401);
        assertThat(get("/api/v1/syncs", hs256(SECRET, ISSUER, AUDIENCE, in1h, List.of("superuser"))).statusCode())
                .as("no twoway role").isEqualTo(401);
        String token = hs256(SECRET, ISSUER, AUDIENCE, in1h, List.of("admin"));
        String tampered = token.substring(0, token.indexOf('.') + 1) + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"sub\":\"mallory\",\"iss\":\"" + ISSUER + "\",\"aud\":\"twoway\",\"exp\":" + in1h.getEpochSecond()
                        + ",\"roles\":[\"admin\"]}").getBytes(StandardCharsets.UTF_8)) + token.substring(token.lastIndexOf('.'));
        assertThat(get("/api/v1/keys", tampered).statusCode()).as("claims changed after signing").isEqualTo(401);
        assertThat(get("/api/v1/syncs", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.").statusCode()).as("alg none").isEqualTo(401);
        HttpResponse<String> refused = get("/api/v1/syncs", "not-a-jwt");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    }

    @Test
    void jwtsVerifyAgainstAJwksUrl() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("k1").generate();
        HttpServer jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = ("{\"keys\":[" + rsa.toPublicJWK().toJSONString() + "]}").getBytes(StandardCharsets.UTF_8);
        jwks.createContext("/jwks.json", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwks.start();
        try (ApiServer viaJwks = new ApiServer(store, operations, Optional.of(new JwtVerifier(new JwtVerifier.Settings(null,
                "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json", ISSUER, AUDIENCE, "roles", null)))).start("127.0.0.1", 0)) {
            SignedJWT good = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims(ISSUER, AUDIENCE,
                    Instant.now().plusSeconds(600), List.of("operator")));
            good.sign(new RSASSASigner(rsa));
            assertThat(request(viaJwks.port(), "GET", "/api/v1/syncs", good.serialize(), null).statusCode()).isEqualTo(200);

            RSAKey other = new RSAKeyGenerator(2048).keyID("k1").generate();
            SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims(ISSUER, AUDIENCE,
                    Instant.now().plusSeconds(600), List.of("operator")));
            forged.sign(new RSASSASigner(other));
            assertThat(request(viaJwks.port(), "GET", "/api/v1/syncs", forged.serialize(), null).statusCode()).isEqualTo(401);
            // An HS256 token signed with the public key as the secret (the classic algorithm confusion) is refused.
            assertThat(request(viaJwks.port(), "GET", "/api/v1/syncs",
                    hs256(new String(rsa.toPublicJWK().toRSAPublicKey().getEncoded(), StandardCharsets.ISO_8859_1) + "x".repeat(32), ISSUER, AUDIENCE,
                            Instant.now().plusSeconds(600), List.of("admin")), null).statusCode()).isEqualTo(401);
        } finally {
            jwks.stop(0);
        }
    }

    @Test
    void aRevokedKeyIsRefusedAndKeysAreStoredOnlyAsHashes() throws Exception {
        HttpResponse<String> created = send("POST", "/api/v1/keys", keyOf.get(Role.ADMIN), "{\"name\":\"ci-bot\",\"role\":\"operator\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode key = JSON.readTree(created.body());
        String secret = key.path("secret").asText();
        assertThat(secret).startsWith("tw_");
        assertThat(get("/api/v1/syncs", secret).statusCode()).isEqualTo(200);

        String stored = store.inTransaction(tx -> tx.meta("apikeys")).orElseThrow();
        assertThat(stored).doesNotContain(secret).contains(ApiKeys.hash(secret));
        JsonNode listed = JSON.readTree(get("/api/v1/keys", keyOf.get(Role.ADMIN)).body());
        assertThat(listed.toString()).doesNotContain(secret).doesNotContain(ApiKeys.hash(secret));

        assertThat(send("DELETE", "/api/v1/keys/" + key.path("id").asText(), keyOf.get(Role.ADMIN), null).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/syncs", secret).statusCode()).as("revoked").isEqualTo(401);
        assertThat(send("DELETE", "/api/v1/keys/" + key.path("id").asText(), keyOf.get(Role.ADMIN), null).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/api/v1/keys", keyOf.get(Role.ADMIN), "{\"name\":\"x\",\"role\":\"root\"}").body())
                .contains("role must be viewer, operator or admin");
    }

    @Test
    void aKeyScopedToOneSyncSeesAndActsOnlyOnIt() throws Exception {
        String scoped = new ApiKeys(store).create("orders-only", Role.OPERATOR, Set.of("orders")).secret();
        JsonNode syncs = JSON.readTree(get("/api/v1/syncs", scoped).body()).path("syncs");
        assertThat(syncs).hasSize(1);
        assertThat(syncs.get(0).path("sync").asText()).isEqualTo("orders");
        assertThat(JSON.readTree(get("/api/v1/conflicts", scoped).body())).isEmpty(); // the conflict is in customers
        assertThat(get("/api/v1/conflicts/" + conflictId, scoped).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/v1/syncs/customers/pause", scoped, null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/v1/deadletters/" + deadLetterId + "/retry", scoped, null).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/conflicts?sync=customers", scoped).statusCode()).isEqualTo(403);
    }

    @Test
    void theOpenApiDocumentDescribesExactlyTheRoutesServed() throws Exception {
        JsonNode doc = JSON.readTree(get("/api/v1/openapi.json", null).body());
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        Set<String> documented = new HashSet<>();
        doc.path("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
            if (Set.of("get", "post", "put", "patch", "delete").contains(m.getKey())) {
                documented.add(m.getKey().toUpperCase() + " " + doc.path("servers").path(0).path("url").asText("") + p.getKey());
                JsonNode security = m.getValue().path("security");
                String role = m.getValue().path("x-twoway-role").asText(null);
                ApiServer.Route route = ApiServer.ROUTES.stream().filter(r -> r.method().equalsIgnoreCase(m.getKey())
                        && r.path().equals(doc.path("servers").path(0).path("url").asText("") + p.getKey())).findFirst().orElse(null);
                if (route != null) {
                    assertThat(role).as("x-twoway-role of " + m.getKey() + " " + p.getKey()).isEqualTo(route.role() == null ? null : route.role().configName());
                    assertThat(security.isMissingNode() || security.isEmpty()).as("public iff no role: " + p.getKey()).isEqualTo(route.role() == null);
                    java.util.regex.Matcher param = java.util.regex.Pattern.compile("\\{(\\w+)}").matcher(p.getKey());
                    while (param.find()) {
                        String name = param.group(1);
                        assertThat(m.getValue().path("parameters").findValuesAsText("name")).as("parameters of " + p.getKey()).contains(name);
                    }
                }
            }
        }));
        Set<String> served = new HashSet<>();
        for (ApiServer.Route r : ApiServer.ROUTES) served.add(r.method() + " " + r.path());
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void aSyncIsShownAloneAndRunNowByAnOperator() throws Exception {
        JsonNode one = JSON.readTree(get("/api/v1/syncs/customers", keyOf.get(Role.VIEWER)).body());
        assertThat(one.path("sync").asText()).isEqualTo("customers");
        assertThat(one.path("endpoints")).hasSize(2);
        HttpResponse<String> unknown = get("/api/v1/syncs/nosuch", keyOf.get(Role.VIEWER));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").asText()).isEqualTo("there is no sync 'nosuch'");

        HttpResponse<String> run = send("POST", "/api/v1/syncs/customers/run", keyOf.get(Role.OPERATOR), null);
        assertThat(run.statusCode()).as(run.body()).isEqualTo(202);
        assertThat(JSON.readTree(run.body()).path("outcome").asText()).isEqualTo("a pass of sync 'customers' starts now");
        assertThat(calls).containsExactly("run customers");
        assertThat(send("POST", "/api/v1/syncs/nosuch/run", keyOf.get(Role.OPERATOR), null).statusCode()).isEqualTo(404);
        String ordersOnly = new ApiKeys(store).create("orders-op", Role.OPERATOR, Set.of("orders")).secret();
        assertThat(send("POST", "/api/v1/syncs/customers/run", ordersOnly, null).statusCode()).isEqualTo(403);
        assertThat(get("/api/v1/syncs/customers", ordersOnly).statusCode()).isEqualTo(403);
        assertThat(calls).as("refused runs reached no engine").hasSize(1);
    }

    @Test
    void conflictsAreFilteredBySyncFieldStatusAndRecord() throws Exception {
        RecordId other = RecordId.random();
        long resolved = store.inTransaction(tx -> {
            ConflictRecord c = tx.addConflict(new ConflictRecord(0, "customers", other, "email", "field",
                    candidates(Value.str("a@x"), Map.of("crm", Value.str("b@x"), "erp", Value.str("c@x"))), Instant.now(), "open", null, null));
            tx.resolveConflict(c.id(), "{\"chosen\":{\"t\":\"str\",\"v\":\"b@x\"},\"actor\":\"user:alice\"}", Instant.now());
            tx.addConflict(new ConflictRecord(0, "orders", other, "name", "field",
                    candidates(Value.str("x"), Map.of("erp", Value.str("y"))), Instant.now(), "open", null, null));
            return c.id();
        });
        String viewer = keyOf.get(Role.VIEWER);
        assertThat(ids(get("/api/v1/conflicts", viewer))).as("open ones by default").hasSize(2).doesNotContain(resolved);
        assertThat(ids(get("/api/v1/conflicts?status=resolved", viewer))).containsExactly(resolved);
        assertThat(ids(get("/api/v1/conflicts?status=any", viewer))).hasSize(3);
        assertThat(ids(get("/api/v1/conflicts?sync=customers", viewer))).containsExactly(conflictId);
        assertThat(ids(get("/api/v1/conflicts?field=name&sync=orders", viewer))).hasSize(1).doesNotContain(conflictId);
        assertThat(ids(get("/api/v1/conflicts?record=" + record.value(), viewer))).containsExactly(conflictId);
        assertThat(ids(get("/api/v1/conflicts?record=" + other.value() + "&status=any&sync=customers", viewer))).containsExactly(resolved);
        JsonNode shown = JSON.readTree(get("/api/v1/conflicts/" + resolved, viewer).body());
        assertThat(shown.path("status").asText()).isEqualTo("resolved");
        assertThat(shown.path("resolution").path("actor").asText()).isEqualTo("user:alice");
        HttpResponse<String> bad = get("/api/v1/conflicts?status=closed", viewer);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("status='closed'").contains("open, resolved or any");
    }

    @Test
    void bulkResolutionReportsEachIdAndOneFailureDoesNotStopTheOthers() throws Exception {
        long second = store.inTransaction(tx -> tx.addConflict(new ConflictRecord(0, "customers", RecordId.random(), "name", "field",
                candidates(Value.str("a"), Map.of("crm", Value.str("b"), "erp", Value.str("c"))), Instant.now(), "open", null, null))).id();
        refusedConflictId = store.inTransaction(tx -> tx.addConflict(new ConflictRecord(0, "customers", RecordId.random(), "name", "field",
                candidates(Value.str("a"), Map.of("erp", Value.str("c"))), Instant.now(), "open", null, null))).id();
        long ofOrders = store.inTransaction(tx -> tx.addConflict(new ConflictRecord(0, "orders", RecordId.random(), "name", "field",
                candidates(Value.str("a"), Map.of("crm", Value.str("b"))), Instant.now(), "open", null, null))).id();
        String customersOp = new ApiKeys(store).create("customers-op", Role.OPERATOR, Set.of("customers")).secret();
        HttpResponse<String> res = send("POST", "/api/v1/conflicts/resolve", customersOp, "{\"ids\":[" + conflictId + "," + refusedConflictId + ",999,"
                + ofOrders + "," + second + "],\"take\":\"crm\",\"comment\":\"bulk after the import\"}");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode out = JSON.readTree(res.body());
        assertThat(out.path("resolved").asInt()).isEqualTo(2);
        assertThat(out.path("failed").asInt()).isEqualTo(3);
        Map<Long, JsonNode> byId = new java.util.HashMap<>();
        out.path("results").forEach(r -> byId.put(r.path("id").asLong(), r));
        assertThat(byId.get(conflictId).path("resolved").asBoolean()).isTrue();
        assertThat(byId.get(second).path("outcome").asText()).isEqualTo("resolved");
        assertThat(byId.get(refusedConflictId).path("error").asText()).isEqualTo("conflict " + refusedConflictId + " has no version from 'crm'");
        assertThat(byId.get(999L).path("error").asText()).isEqualTo("there is no conflict 999");
        assertThat(byId.get(ofOrders).path("error").asText()).isEqualTo("'customers-op' may not act on sync 'orders'");
        assertThat(calls).containsExactly("resolve " + conflictId + " crm by customers-op: bulk after the import",
                "resolve " + second + " crm by customers-op: bulk after the import");

        for (String body : List.of("{\"take\":\"crm\"}", "{\"ids\":[],\"take\":\"crm\"}", "{\"ids\":[\"seven\"],\"take\":\"crm\"}")) {
            HttpResponse<String> bad = send("POST", "/api/v1/conflicts/resolve", customersOp, body);
            assertThat(bad.statusCode()).as(body).isEqualTo(400);
            assertThat(JSON.readTree(bad.body()).path("error").asText()).as(body).containsAnyOf("conflict ids", "whole numbers");
        }
    }

    @Test
    void aDeadLetterIsDiscardedOnlyWithAReasonAndInScope() throws Exception {
        String operator = keyOf.get(Role.OPERATOR);
        HttpResponse<String> noReason = send("POST", "/api/v1/deadletters/" + deadLetterId + "/discard", operator, "{\"reason\":\"  \"}");
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(noReason.body()).contains("say why the dead letter is discarded").contains("reason");
        String customersOnly = new ApiKeys(store).create("customers-op", Role.OPERATOR, Set.of("customers")).secret();
        assertThat(send("POST", "/api/v1/deadletters/" + deadLetterId + "/discard", customersOnly, "{\"reason\":\"x\"}").statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/v1/deadletters/999/discard", operator, "{\"reason\":\"x\"}").statusCode()).isEqualTo(404);
        assertThat(calls).as("nothing refused reached the engines").isEmpty();

        HttpResponse<String> ok = send("POST", "/api/v1/deadletters/" + deadLetterId + "/discard", operator, "{\"reason\":\"order cancelled\"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(calls).containsExactly("discard " + deadLetterId + " by user:operator-key: order cancelled");
        assertThat(JSON.readTree(get("/api/v1/deadletters", operator).body())).isEmpty();
    }

    @Test
    void aRecordIsShownByIdOrBySystemKeyWithValuesLinksConflictsAndPagedHistory() throws Exception {
        String viewer = keyOf.get(Role.VIEWER);
        JsonNode byId = JSON.readTree(get("/api/v1/records/customers/" + record.value(), viewer).body());
        assertThat(byId.path("recordId").asText()).isEqualTo(record.value());
        assertThat(byId.path("values").path("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(byId.path("values").path("email").asText()).isEqualTo("ada@example.com");
        assertThat(byId.path("links").path("crm").path("key").asText()).isEqualTo("42");
        assertThat(byId.path("links").path("erp").path("key").asText()).isEqualTo("[\"7\",\"A\"]");
        assertThat(byId.path("links").path("crm").path("status").asText()).isEqualTo("present");
        assertThat(byId.path("openConflicts")).singleElement().satisfies(c -> assertThat(c.path("id").asLong()).isEqualTo(conflictId));
        assertThat(byId.path("history").path("entries")).extracting(e -> e.path("action").asText())
                .containsExactly("change", "write:update", "conflict-decided");
        assertThat(byId.path("history").path("next").isNull()).isTrue();

        assertThat(JSON.readTree(get("/api/v1/records/customers?system=crm&key=42", viewer).body())).isEqualTo(byId);
        assertThat(JSON.readTree(get("/api/v1/records/customers?system=erp&key=7&key=A", viewer).body())).as("a composite key, part by part")
                .isEqualTo(byId);

        JsonNode page = JSON.readTree(get("/api/v1/records/customers/" + record.value() + "?limit=2", viewer).body()).path("history");
        assertThat(page.path("entries")).hasSize(2);
        long next = page.path("next").asLong();
        JsonNode rest = JSON.readTree(get("/api/v1/records/customers/" + record.value() + "?limit=2&after=" + next, viewer).body()).path("history");
        assertThat(rest.path("entries")).singleElement().satisfies(e -> assertThat(e.path("action").asText()).isEqualTo("conflict-decided"));
        assertThat(rest.path("next").isNull()).isTrue();

        HttpResponse<String> unknownKey = get("/api/v1/records/customers?system=crm&key=43", viewer);
        assertThat(unknownKey.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknownKey.body()).path("error").asText()).isEqualTo(
                "no record of sync 'customers' is linked to key 43 in crm (not synced yet, or deleted there)");
        HttpResponse<String> unknownId = get("/api/v1/records/customers/nosuchid", viewer);
        assertThat(unknownId.statusCode()).isEqualTo(404);
        assertThat(unknownId.body()).contains("sync 'customers' has no record nosuchid");
        HttpResponse<String> unknownSystem = get("/api/v1/records/customers?system=billing&key=1", viewer);
        assertThat(unknownSystem.statusCode()).isEqualTo(404);
        assertThat(unknownSystem.body()).contains("sync 'customers' has no system 'billing'; its systems: crm, erp");
        HttpResponse<String> noKey = get("/api/v1/records/customers?system=crm", viewer);
        assertThat(noKey.statusCode()).isEqualTo(400);
        assertThat(noKey.body()).contains("?system=crm&key=42");
        assertThat(get("/api/v1/records/nosuch/" + record.value(), viewer).statusCode()).isEqualTo(404);
        String ordersOnly = new ApiKeys(store).create("orders-viewer", Role.VIEWER, Set.of("orders")).secret();
        assertThat(get("/api/v1/records/customers/" + record.value(), ordersOnly).statusCode()).isEqualTo(403);
        assertThat(get("/api/v1/records/customers?system=crm&key=42", ordersOnly).statusCode()).isEqualTo(403);
    }

    @Test
    void theAuditTrailIsFilteredByTimeRecordSystemActorActionAndSyncAndBadTimesAreNamed() throws Exception {
        String viewer = keyOf.get(Role.VIEWER);
        assertThat(actions(get("/api/v1/audit", viewer))).containsExactly("change", "write:update", "conflict-decided", "dead-letter");
        assertThat(actions(get("/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z", viewer))).containsExactly("write:update");
        assertThat(actions(get("/api/v1/audit?record=" + record.value(), viewer))).hasSize(3);
        assertThat(actions(get("/api/v1/audit?system=erp", viewer))).containsExactly("write:update", "dead-letter");
        assertThat(actions(get("/api/v1/audit?actor=user:alice", viewer))).containsExactly("conflict-decided");
        assertThat(actions(get("/api/v1/audit?action=dead-letter", viewer))).containsExactly("dead-letter");
        assertThat(actions(get("/api/v1/audit?sync=orders", viewer))).containsExactly("dead-letter");
        assertThat(actions(get("/api/v1/audit?after=1&limit=2", viewer))).containsExactly("write:update", "conflict-decided");
        String ordersOnly = new ApiKeys(store).create("orders-viewer", Role.VIEWER, Set.of("orders")).secret();
        assertThat(actions(get("/api/v1/audit", ordersOnly))).containsExactly("dead-letter");
        assertThat(get("/api/v1/audit?sync=customers", ordersOnly).statusCode()).isEqualTo(403);

        for (String param : List.of("from", "to")) {
            HttpResponse<String> bad = get("/api/v1/audit?" + param + "=yesterday", viewer);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(bad.body()).path("error").asText())
                    .isEqualTo("query parameter " + param + "='yesterday' is not an ISO-8601 instant; write e.g. 2026-11-01T00:00:00Z");
        }
        assertThat(get("/api/v1/audit?limit=abc", viewer).body()).contains("limit='abc' is not a whole number");
    }

    @Test
    void theAuditExportStreamsTheCliShapeMaskedAsJsonLinesOrCsv() throws Exception {
        String viewer = keyOf.get(Role.VIEWER);
        List<AuditEntry> all = store.inTransaction(tx -> tx.audit(0, 100));
        HttpResponse<String> jsonl = get("/api/v1/audit/export", viewer);
        assertThat(jsonl.statusCode()).isEqualTo(200);
        assertThat(jsonl.headers().firstValue("Content-Type").orElse("")).startsWith("application/x-ndjson");
        List<String> expected = all.stream().map(e -> AuditFormat.json(e, MASK).toString()).toList();
        assertThat(jsonl.body().lines().toList()).as("the same lines as twoway audit export").isEqualTo(expected);
        assertThat(jsonl.body()).doesNotContain(SECRET_PHONE).contains("\"phone\":\"***\"").contains("\"Phone\":\"***\"");

        HttpResponse<String> csv = get("/api/v1/audit/export?format=csv&sync=customers&from=2026-02-01T00:00:00Z", viewer);
        List<String> lines = csv.body().lines().toList();
        assertThat(lines.getFirst()).isEqualTo(AuditFormat.CSV_HEADER);
        assertThat(lines.subList(1, lines.size())).isEqualTo(List.of(AuditFormat.csv(all.get(1), MASK), AuditFormat.csv(all.get(2), MASK)));
        assertThat(csv.body()).doesNotContain(SECRET_PHONE);
        assertThat(get("/api/v1/audit/export?format=xml", viewer).body()).contains("format='xml': write jsonl or csv");
        String ordersOnly = new ApiKeys(store).create("orders-viewer", Role.VIEWER, Set.of("orders")).secret();
        assertThat(get("/api/v1/audit/export", ordersOnly).body().lines()).singleElement().asString().contains("\"sync\":\"orders\"");
    }

    @Test
    void sensitiveFieldsAreMaskedInConflictsRecordsAndAuditButOnlyThem() throws Exception {
        long phoneConflict = store.inTransaction(tx -> tx.addConflict(new ConflictRecord(0, "customers", record, "phone", "field",
                candidates(Value.str(SECRET_PHONE), Map.of("crm", Value.str(SECRET_PHONE + "1"), "erp", Value.str(SECRET_PHONE + "2"))),
                Instant.now(), "open", null, null))).id();
        String viewer = keyOf.get(Role.VIEWER);
        List<String> bodies = List.of(get("/api/v1/conflicts/" + phoneConflict, viewer).body(), get("/api/v1/conflicts", viewer).body(),
                get("/api/v1/records/customers/" + record.value(), viewer).body(), get("/api/v1/audit", viewer).body(),
                get("/api/v1/audit/export?format=csv", viewer).body());
        for (String body : bodies) assertThat(body).doesNotContain(SECRET_PHONE);
        JsonNode c = JSON.readTree(bodies.getFirst());
        assertThat(c.path("base").asText()).isEqualTo("***");
        assertThat(c.path("versions").path("crm").asText()).isEqualTo("***");
        JsonNode r = JSON.readTree(bodies.get(2));
        assertThat(r.path("values").path("phone").asText()).isEqualTo("***");
        assertThat(r.path("values").path("name").asText()).as("a field not marked sensitive shows").isEqualTo("Ada Lovelace");
        assertThat(bodies.get(3)).contains("Ada Lovelace");

        // The same store served without a mask shows the values: the masking above is the mask's doing.
        try (ApiServer unmasked = new ApiServer(store, operations, Optional.empty()).start("127.0.0.1", 0)) {
            assertThat(request(unmasked.port(), "GET", "/api/v1/conflicts/" + phoneConflict, viewer, null).body()).contains(SECRET_PHONE);
            assertThat(request(unmasked.port(), "GET", "/api/v1/records/customers/" + record.value(), viewer, null).body()).contains(SECRET_PHONE);
        }
    }

    @Test
    void readinessSaysWhichSystemIsDownWithoutItsErrorAndNeedsNoToken() throws Exception {
        HttpResponse<String> up = get("/api/v1/health/ready", null);
        assertThat(up.statusCode()).isEqualTo(200);
        JsonNode ready = JSON.readTree(up.body());
        assertThat(ready.path("status").asText()).isEqualTo("ready");
        assertThat(ready.path("systems").path("crm").path("status").asText()).isEqualTo("up");
        assertThat(ready.path("systems").path("erp").path("status").asText()).isEqualTo("up");

        crmDown = true;
        HttpResponse<String> down = get("/api/v1/health/ready", null);
        assertThat(down.statusCode()).isEqualTo(503);
        JsonNode d = JSON.readTree(down.body());
        assertThat(d.path("status").asText()).isEqualTo("not ready");
        assertThat(d.path("systems").path("crm").path("status").asText()).isEqualTo("down");
        assertThat(d.path("systems").path("crm").path("reason").asText()).isEqualTo("unreachable");
        assertThat(d.path("systems").path("erp").path("status").asText()).isEqualTo("up");
        assertThat(down.body()).doesNotContain("db.internal").doesNotContain("twoway_admin").doesNotContain("hunter2").doesNotContain("5432");
        assertThat(get("/api/v1/health", null).statusCode()).as("liveness is not readiness").isEqualTo(200);

        crmDown = false;
        reported = false;
        HttpResponse<String> unknown = get("/api/v1/health/ready", null);
        assertThat(unknown.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(unknown.body()).path("systems").path("crm").path("reason").asText()).isEqualTo("not reported yet");
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /**
     * Calls a route with placeholder values that exist (conflict, dead letter, sync, record, key). A route added to
     * {@link ApiServer#ROUTES} without a placeholder here fails {@link #everyRouteWithEveryRole}: no route goes untested.
     */
    private HttpResponse<String> call(ApiServer.Route r, String token) throws Exception {
        String path = r.path().replace("{sync}", "customers").replace("{recordId}", record.value()).replace("{id}", r.path().contains("conflicts")
                ? Long.toString(conflictId) : r.path().contains("deadletters") ? Long.toString(deadLetterId) : "viewer-key");
        String body = switch (r.method() + " " + r.path()) {
            case "POST /api/v1/conflicts/{id}/resolve" -> "{\"take\":\"crm\"}";
            case "POST /api/v1/conflicts/resolve" -> "{\"ids\":[" + conflictId + "],\"take\":\"crm\"}";
            case "POST /api/v1/deadletters/{id}/discard" -> "{\"reason\":\"fixed by hand\"}";
            case "POST /api/v1/keys" -> "{\"name\":\"new-key\",\"role\":\"viewer\"}";
            default -> null;
        };
        if (r.path().equals("/api/v1/records/{sync}")) path += "?system=crm&key=42";
        return send(r.method(), path, token, body);
    }

    /** Undoes what a successful call changed, so every role meets the same state. */
    private void reset() {
        ApiKeys keys = new ApiKeys(store);
        keys.revoke("new-key");
        if (keys.list().stream().noneMatch(k -> k.name().equals("viewer-key") && k.active())) {
            keyOf.put(Role.VIEWER, keys.create("viewer-key", Role.VIEWER, Set.of()).secret());
        }
        new Pauses(store).resume("customers");
        if (store.inTransaction(tx -> tx.deadLetter(deadLetterId)).isEmpty()) deadLetterId = addDeadLetter();
    }

    private static List<Long> ids(HttpResponse<String> res) throws Exception {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        List<Long> out = new ArrayList<>();
        JSON.readTree(res.body()).forEach(c -> out.add(c.path("id").asLong()));
        return out;
    }

    private static List<String> actions(HttpResponse<String> res) throws Exception {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        JSON.readTree(res.body()).forEach(e -> out.add(e.path("action").asText()));
        return out;
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return send("GET", path, token, null);
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        return request(server.port(), method, path, token, body);
    }

    private HttpResponse<String> request(int port, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String hs256(String secret, String issuer, String audience, Instant expires, List<String> roles) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims(issuer, audience, expires, roles));
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static JWTClaimsSet claims(String issuer, String audience, Instant expires, List<String> roles) {
        return new JWTClaimsSet.Builder().subject("alice@example.com").issuer(issuer).audience(audience)
                .expirationTime(Date.from(expires)).claim("roles", roles).build();
    }

    private static String candidates(Value base, Map<String, Value> versions) {
        ObjectNode n = JSON.createObjectNode();
        n.set("base", ValueJson.encode(base));
        ObjectNode v = n.putObject("versions");
        versions.forEach((s, val) -> v.set(s, ValueJson.encode(val)));
        return n.toString();
    }
}
