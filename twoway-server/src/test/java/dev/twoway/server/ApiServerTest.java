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
import dev.twoway.engine.Pauses;
import dev.twoway.model.RecordId;
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

    /** Stands in for the running engines: records what the API asked of them. */
    private final SyncOperations operations = new SyncOperations() {
        @Override
        public ObjectNode status() {
            ObjectNode s = JSON.createObjectNode();
            s.putArray("syncs").add(JSON.createObjectNode().put("sync", "customers")).add(JSON.createObjectNode().put("sync", "orders"));
            return s;
        }

        @Override
        public String resolveConflict(long id, JsonNode choice, String actor, String comment) {
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
        RecordId record = RecordId.random();
        conflictId = store.inTransaction(tx -> tx.addConflict(new ConflictRecord(0, "customers", record, "phone", "field",
                candidates(Value.str("+1"), Map.of("crm", Value.str("+2"), "erp", Value.str("+3"))), Instant.now(), "open", null, null))).id();
        deadLetterId = store.inTransaction(tx -> tx.addDeadLetter(new DeadLetter(0, "orders", "erp", record, "value too long", 10, Instant.now()))).id();
        server = new ApiServer(store, operations, Optional.of(new JwtVerifier(new JwtVerifier.Settings(SECRET, null, ISSUER, AUDIENCE, "roles", "syncs"))))
                .start("127.0.0.1", 0);
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
                    assertThat(res.statusCode()).as(role + " " + r + ": " + res.body()).isBetween(200, 201);
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
        assertThat(send("GET", "/api/v1/nothing-here", keyOf.get(Role.ADMIN), null).statusCode()).isEqualTo(404);
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

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Calls a route with placeholder values that exist (conflict, dead letter, sync, key). */
    private HttpResponse<String> call(ApiServer.Route r, String token) throws Exception {
        String path = r.path().replace("{sync}", "customers").replace("{id}", r.path().contains("conflicts") ? Long.toString(conflictId)
                : r.path().contains("deadletters") ? Long.toString(deadLetterId) : "viewer-key");
        String body = switch (r.method() + " " + r.path()) {
            case "POST /api/v1/conflicts/{id}/resolve" -> "{\"take\":\"crm\"}";
            case "POST /api/v1/keys" -> "{\"name\":\"new-key\",\"role\":\"viewer\"}";
            default -> null;
        };
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
