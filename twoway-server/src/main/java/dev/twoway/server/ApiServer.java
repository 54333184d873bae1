package dev.twoway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.engine.Pauses;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.StateStore;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The HTTP API, versioned under {@code /api/v1}: every route, its method and the least role it needs are in
 * {@link #ROUTES} (the OpenAPI document served at {@code /api/v1/openapi.json} is checked against it). Handlers are
 * thin: they read the state store, or call {@link SyncOperations} for what only the running engines can do.
 *
 * <p>Authentication: {@code Authorization: Bearer <token>} with an API key ({@code tw_…}, see {@link ApiKeys}) or a
 * JWT (see {@link JwtVerifier}). No or a bad token: 401 (the reason is logged, never returned); a role too low or a
 * sync outside the caller's scope: 403. Health and the OpenAPI document need no token.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One route: method, path (Javalin syntax), least role ({@code null}: public). */
    public record Route(String method, String path, Role role) {
    }

    public static final List<Route> ROUTES = List.of(
            new Route("GET", "/api/v1/health", null),
            new Route("GET", "/api/v1/openapi.json", null),
            new Route("GET", "/api/v1/syncs", Role.VIEWER),
            new Route("POST", "/api/v1/syncs/{sync}/pause", Role.OPERATOR),
            new Route("POST", "/api/v1/syncs/{sync}/resume", Role.OPERATOR),
            new Route("GET", "/api/v1/conflicts", Role.VIEWER),
            new Route("GET", "/api/v1/conflicts/{id}", Role.VIEWER),
            new Route("POST", "/api/v1/conflicts/{id}/resolve", Role.OPERATOR),
            new Route("GET", "/api/v1/deadletters", Role.VIEWER),
            new Route("POST", "/api/v1/deadletters/{id}/retry", Role.OPERATOR),
            new Route("GET", "/api/v1/audit", Role.VIEWER),
            new Route("GET", "/api/v1/audit/verify", Role.VIEWER),
            new Route("GET", "/api/v1/keys", Role.ADMIN),
            new Route("POST", "/api/v1/keys", Role.ADMIN),
            new Route("DELETE", "/api/v1/keys/{id}", Role.ADMIN));

    private final StateStore store;
    private final SyncOperations operations;
    private final ApiKeys keys;
    private final Optional<JwtVerifier> jwt;
    private final Pauses pauses;
    private final List<Extension> extensions = new ArrayList<>();
    private Javalin app;
    private Tls tls;

    /**
     * More routes served by the same server (the web UI, the metrics endpoint): registered on the Javalin config
     * after the API's own routes. An extension authenticates with {@link #authenticate(Context)}.
     */
    public interface Extension {
        void register(JavalinConfig cfg, ApiServer server);
    }

    public ApiServer(StateStore store, SyncOperations operations, Optional<JwtVerifier> jwt) {
        this.store = store;
        this.operations = operations;
        this.keys = new ApiKeys(store);
        this.jwt = jwt;
        this.pauses = new Pauses(store);
    }

    /** Serve HTTPS with this certificate instead of plain HTTP; call before {@link #start}. */
    public ApiServer withTls(Tls tls) {
        this.tls = tls;
        return this;
    }

    /** Adds routes to serve beside the API; call before {@link #start}. */
    public ApiServer with(Extension extension) {
        extensions.add(extension);
        return this;
    }

    public StateStore store() {
        return store;
    }

    public SyncOperations operations() {
        return operations;
    }

    public ApiKeys keys() {
        return keys;
    }

    /** Starts serving on {@code host:port} (port 0: any free port, see {@link #port()}). */
    public ApiServer start(String host, int port) {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            if (tls != null) cfg.jetty.addConnector((server, http) -> tls.connector(server, http, host, port)); // the only connector
            cfg.routes.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
            cfg.routes.exception(NotFound.class, (e, ctx) -> error(ctx, 404, e.getMessage()));
            cfg.routes.exception(Denied.class, (e, ctx) -> {
                if (e.status == 401) ctx.header("WWW-Authenticate", "Bearer");
                error(ctx, e.status, e.getMessage());
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                log.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.toString());
                error(ctx, 500, "internal error; see the twoway log");
            });
            cfg.routes.error(404, "*", ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
            });
            for (Route r : ROUTES) {
                Handler h = secured(r, handler(r));
                switch (r.method()) {
                    case "GET" -> cfg.routes.get(r.path(), h);
                    case "POST" -> cfg.routes.post(r.path(), h);
                    case "DELETE" -> cfg.routes.delete(r.path(), h);
                    default -> throw new IllegalStateException(r.method());
                }
            }
            for (Extension e : extensions) e.register(cfg, this);
        }).start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        if (app != null) app.stop();
    }

    // ---- authentication and roles ---------------------------------------------------------------------------

    public static final class Denied extends RuntimeException {
        final int status;

        public Denied(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    public static final class NotFound extends RuntimeException {
        public NotFound(String message) {
            super(message);
        }
    }

    private Handler secured(Route r, Handler inner) {
        if (r.role() == null) return inner;
        return ctx -> {
            Principal p = authenticate(ctx);
            if (!p.role().includes(r.role())) {
                throw new Denied(403, "this needs the " + r.role().configName() + " role; '" + p.name() + "' is " + p.role().configName());
            }
            ctx.attribute("principal", p);
            inner.handle(ctx);
        };
    }

    /** The caller of this request, from its bearer token; throws a 401 {@link Denied} when there is none or it is refused. */
    public Principal authenticate(Context ctx) {
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) throw new Denied(401, "authentication required: send Authorization: Bearer <API key or token>");
        String token = h.substring(7).trim();
        if (token.startsWith(ApiKeys.PREFIX)) {
            return keys.authenticate(token).orElseThrow(() -> {
                log.warn("refused API key from {}: unknown or revoked", ctx.ip());
                return new Denied(401, "the API key is unknown or revoked");
            });
        }
        if (jwt.isEmpty()) throw new Denied(401, "the token is not an API key, and JWT authentication is not configured");
        JwtVerifier.Result r = jwt.get().verify(token);
        if (r.principal().isEmpty()) {
            log.warn("refused bearer token from {}: {}", ctx.ip(), r.reason());
            throw new Denied(401, "the token was refused (signature, issuer, audience, expiry or role); the reason is in the twoway log");
        }
        return r.principal().get();
    }

    private static Principal principal(Context ctx) {
        return ctx.attribute("principal");
    }

    private static void requireSync(Context ctx, String sync) {
        Principal p = principal(ctx);
        if (!p.canSee(sync)) throw new Denied(403, "'" + p.name() + "' may not act on sync '" + sync + "'");
    }

    // ---- handlers ----------------------------------------------------------------------------------------------

    private Handler handler(Route r) {
        return switch (r.method() + " " + r.path()) {
            case "GET /api/v1/health" -> ctx -> json(ctx, JSON.createObjectNode().put("status", "up"));
            case "GET /api/v1/openapi.json" -> ctx -> {
                try (InputStream in = ApiServer.class.getResourceAsStream("openapi.json")) {
                    ctx.contentType("application/json").result(in.readAllBytes());
                }
            };
            case "GET /api/v1/syncs" -> ctx -> {
                ObjectNode status = operations.status();
                ArrayNode visible = JSON.createArrayNode();
                status.path("syncs").forEach(s -> {
                    if (principal(ctx).canSee(s.path("sync").asText())) visible.add(s);
                });
                status.set("syncs", visible);
                json(ctx, status);
            };
            case "POST /api/v1/syncs/{sync}/pause" -> ctx -> {
                String sync = knownSync(ctx);
                String reason = body(ctx).path("reason").asText("");
                pauses.pause(sync, "user:" + principal(ctx).name() + (reason.isEmpty() ? "" : ": " + reason));
                json(ctx, JSON.createObjectNode().put("sync", sync).put("paused", true));
            };
            case "POST /api/v1/syncs/{sync}/resume" -> ctx -> {
                String sync = knownSync(ctx);
                pauses.resume(sync);
                json(ctx, JSON.createObjectNode().put("sync", sync).put("paused", false));
            };
            case "GET /api/v1/conflicts" -> ctx -> {
                String sync = ctx.queryParam("sync");
                if (sync != null) requireSync(ctx, sync);
                ArrayNode out = JSON.createArrayNode();
                for (ConflictRecord c : store.inTransaction(tx -> tx.openConflicts(sync, 10_000))) {
                    if (principal(ctx).canSee(c.sync())) out.add(conflict(c));
                }
                json(ctx, out);
            };
            case "GET /api/v1/conflicts/{id}" -> ctx -> json(ctx, conflict(visibleConflict(ctx)));
            case "POST /api/v1/conflicts/{id}/resolve" -> ctx -> {
                ConflictRecord c = visibleConflict(ctx);
                JsonNode b = body(ctx);
                String outcome = operations.resolveConflict(c.id(), b, principal(ctx).name(), b.path("comment").asText(""));
                json(ctx, JSON.createObjectNode().put("outcome", outcome));
            };
            case "GET /api/v1/deadletters" -> ctx -> {
                String sync = ctx.queryParam("sync");
                if (sync != null) requireSync(ctx, sync);
                ArrayNode out = JSON.createArrayNode();
                for (DeadLetter d : store.inTransaction(tx -> tx.deadLetters(sync, 10_000))) {
                    if (!principal(ctx).canSee(d.sync())) continue;
                    out.addObject().put("id", d.id()).put("sync", d.sync()).put("target", d.target()).put("recordId", d.recordId().value())
                            .put("error", d.error()).put("attempts", d.attempts()).put("createdAt", d.createdAt().toString());
                }
                json(ctx, out);
            };
            case "POST /api/v1/deadletters/{id}/retry" -> ctx -> {
                long id = id(ctx);
                DeadLetter d = store.inTransaction(tx -> tx.deadLetter(id)).orElseThrow(() -> new NotFound("there is no dead letter " + id));
                requireSync(ctx, d.sync());
                json(ctx, JSON.createObjectNode().put("outcome", operations.retryDeadLetter(id)));
            };
            case "GET /api/v1/audit" -> ctx -> {
                long after = longParam(ctx, "after", 0);
                int limit = (int) Math.min(longParam(ctx, "limit", 100), 1000);
                String sync = ctx.queryParam("sync");
                if (sync != null) requireSync(ctx, sync);
                ArrayNode out = JSON.createArrayNode();
                for (AuditEntry e : store.inTransaction(tx -> tx.audit(after, limit))) {
                    if ((sync != null && !sync.equals(e.sync())) || (e.sync() != null && !principal(ctx).canSee(e.sync()))) continue;
                    ObjectNode o = out.addObject().put("seq", e.seq()).put("time", e.time().toString()).put("sync", e.sync()).put("recordId", e.recordId())
                            .put("system", e.system()).put("actor", e.actor()).put("action", e.action());
                    o.set("detail", JSON.readTree(e.detail()));
                    o.put("hash", e.hash());
                }
                json(ctx, out);
            };
            case "GET /api/v1/audit/verify" -> ctx -> {
                List<AuditEntry> all = new ArrayList<>();
                for (List<AuditEntry> page = store.inTransaction(tx -> tx.audit(0, 1000)); !page.isEmpty(); ) {
                    all.addAll(page);
                    long last = page.getLast().seq();
                    page = store.inTransaction(tx -> tx.audit(last, 1000));
                }
                AuditChain.Verification v = AuditChain.verify(all);
                ObjectNode o = JSON.createObjectNode().put("intact", v.intact()).put("checked", v.checked());
                v.firstBreak().ifPresent(b -> o.put("brokenAt", b.seq()).put("reason", b.reason()));
                json(ctx, o);
            };
            case "GET /api/v1/keys" -> ctx -> {
                ArrayNode out = JSON.createArrayNode();
                for (ApiKeys.Key k : keys.list()) out.add(key(k));
                json(ctx, out);
            };
            case "POST /api/v1/keys" -> ctx -> {
                JsonNode b = body(ctx);
                Role role = Role.parse(b.path("role").asText()).orElseThrow(() -> new IllegalArgumentException("role must be viewer, operator or admin"));
                List<String> syncs = new ArrayList<>();
                b.path("syncs").forEach(s -> syncs.add(s.asText()));
                ApiKeys.Created created = keys.create(b.path("name").asText(null), role, Set.copyOf(syncs));
                log.info("API key '{}' ({}) created by '{}'", created.key().name(), role.configName(), principal(ctx).name());
                ctx.status(201);
                json(ctx, key(created.key()).put("secret", created.secret()));
            };
            case "DELETE /api/v1/keys/{id}" -> ctx -> {
                String id = ctx.pathParam("id");
                if (!keys.revoke(id)) throw new NotFound("there is no active API key '" + id + "'");
                log.info("API key '{}' revoked by '{}'", id, principal(ctx).name());
                json(ctx, JSON.createObjectNode().put("revoked", id));
            };
            default -> throw new IllegalStateException("no handler for " + r);
        };
    }

    private String knownSync(Context ctx) {
        String sync = ctx.pathParam("sync");
        boolean known = false;
        for (JsonNode s : operations.status().path("syncs")) known |= s.path("sync").asText().equals(sync);
        if (!known) throw new NotFound("there is no sync '" + sync + "'");
        requireSync(ctx, sync);
        return sync;
    }

    private ConflictRecord visibleConflict(Context ctx) {
        long id = id(ctx);
        ConflictRecord c = store.inTransaction(tx -> tx.conflict(id)).orElseThrow(() -> new NotFound("there is no conflict " + id));
        requireSync(ctx, c.sync());
        return c;
    }

    private static ObjectNode conflict(ConflictRecord c) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("id", c.id()).put("sync", c.sync()).put("recordId", c.recordId().value()).put("field", c.field())
                .put("kind", c.kind()).put("status", c.status()).put("createdAt", c.createdAt().toString());
        JsonNode cand = JSON.readTree(c.candidates());
        o.put("base", display(cand.path("base")));
        ObjectNode versions = o.putObject("versions");
        cand.path("versions").properties().forEach(e -> versions.put(e.getKey(), display(e.getValue())));
        if (c.resolution() != null) o.set("resolution", JSON.readTree(c.resolution()));
        return o;
    }

    private static String display(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) return null;
        return v.isTextual() ? v.asText() : ValueJson.decode(v).display();
    }

    private static ObjectNode key(ApiKeys.Key k) {
        ObjectNode o = JSON.createObjectNode().put("id", k.id()).put("name", k.name()).put("role", k.role().configName())
                .put("createdAt", k.createdAt().toString()).put("revokedAt", k.revokedAt() == null ? null : k.revokedAt().toString());
        ArrayNode s = o.putArray("syncs");
        k.syncs().forEach(s::add);
        return o;
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + ctx.pathParam("id") + "' is not an id (a whole number)");
        }
    }

    private static long longParam(Context ctx, String name, long def) {
        String v = ctx.queryParam(name);
        if (v == null) return def;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("query parameter " + name + "='" + v + "' is not a whole number");
        }
    }

    private static JsonNode body(Context ctx) {
        String b = ctx.body();
        if (b == null || b.isBlank()) return JSON.createObjectNode();
        try {
            JsonNode n = JSON.readTree(b);
            if (!n.isObject()) throw new IllegalArgumentException("the request body must be a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static void json(Context ctx, JsonNode n) {
        ctx.contentType("application/json").result(n.toString());
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).contentType("application/json").result(JSON.createObjectNode().put("error", message).toString());
    }
}
