package dev.twoway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditFormat;
import dev.twoway.audit.AuditMask;
import dev.twoway.audit.AuditQuery;
import dev.twoway.engine.Pauses;
import dev.twoway.merge.RecordState;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.store.ConflictQuery;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.StateStore;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
    private static final ObjectMapper JSON = ApiJson.JSON;

    /** One route: method, path (Javalin syntax), least role ({@code null}: public). */
    public record Route(String method, String path, Role role) {
    }

    public static final List<Route> ROUTES = List.of(
            new Route("GET", "/api/v1/health", null),
            new Route("GET", "/api/v1/health/ready", null),
            new Route("GET", "/api/v1/openapi.json", null),
            new Route("GET", "/api/v1/syncs", Role.VIEWER),
            new Route("GET", "/api/v1/syncs/{sync}", Role.VIEWER),
            new Route("POST", "/api/v1/syncs/{sync}/pause", Role.OPERATOR),
            new Route("POST", "/api/v1/syncs/{sync}/resume", Role.OPERATOR),
            new Route("POST", "/api/v1/syncs/{sync}/run", Role.OPERATOR),
            new Route("GET", "/api/v1/conflicts", Role.VIEWER),
            new Route("POST", "/api/v1/conflicts/resolve", Role.OPERATOR),
            new Route("GET", "/api/v1/conflicts/{id}", Role.VIEWER),
            new Route("POST", "/api/v1/conflicts/{id}/resolve", Role.OPERATOR),
            new Route("GET", "/api/v1/deadletters", Role.VIEWER),
            new Route("POST", "/api/v1/deadletters/{id}/retry", Role.OPERATOR),
            new Route("POST", "/api/v1/deadletters/{id}/discard", Role.OPERATOR),
            new Route("GET", "/api/v1/records/{sync}", Role.VIEWER),
            new Route("GET", "/api/v1/records/{sync}/{recordId}", Role.VIEWER),
            new Route("GET", "/api/v1/audit", Role.VIEWER),
            new Route("GET", "/api/v1/audit/export", Role.VIEWER),
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
    private AuditMask mask = AuditMask.none();
    private ApiJson shapes = new ApiJson(mask);
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

    /**
     * Masks the values of sensitive fields in every response that carries field values (conflicts, records, audit
     * details, the audit export); call before {@link #start}.
     */
    public ApiServer withMask(AuditMask mask) {
        this.mask = mask;
        this.shapes = new ApiJson(mask);
        return this;
    }

    /** The mask responses are shown through (for extensions that show field values). */
    public AuditMask mask() {
        return mask;
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
            // Javalin (or Jetty, for a body over the limit) answers these in plain text; the API's errors are JSON naming the problem and the fix.
            long maxBody = cfg.http.maxRequestSize;
            cfg.routes.error(413, "*", ctx -> {
                if (ctx.path().startsWith("/api/")) error(ctx, 413, "the request body is larger than the " + maxBody + " bytes the API accepts; send a smaller body");
            });
            cfg.routes.error(404, "*", ctx -> {
                String result = ctx.result();
                if (result == null || result.isEmpty() || (ctx.path().startsWith("/api/") && !result.startsWith("{"))) error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
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
            case "GET /api/v1/health/ready" -> this::ready;
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
            case "GET /api/v1/syncs/{sync}" -> ctx -> json(ctx, syncStatus(ctx));
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
            case "POST /api/v1/syncs/{sync}/run" -> ctx -> {
                String sync = knownSync(ctx);
                String outcome = operations.runNow(sync);
                log.info("run of sync '{}' requested by '{}': {}", sync, principal(ctx).name(), outcome);
                ctx.status(202);
                json(ctx, JSON.createObjectNode().put("sync", sync).put("outcome", outcome));
            };
            case "GET /api/v1/conflicts" -> ctx -> {
                String sync = ctx.queryParam("sync");
                if (sync != null) requireSync(ctx, sync);
                String status = ctx.queryParamMap().containsKey("status") ? ctx.queryParam("status") : "open";
                if (!status.equals("open") && !status.equals("resolved") && !status.equals("any")) {
                    throw new IllegalArgumentException("query parameter status='" + status + "': write open, resolved or any");
                }
                ConflictQuery q = new ConflictQuery(sync, status.equals("any") ? null : status, ctx.queryParam("record"), ctx.queryParam("field"),
                        longParam(ctx, "after", 0), limit(ctx, 10_000, 10_000));
                ArrayNode out = JSON.createArrayNode();
                for (ConflictRecord c : store.inTransaction(tx -> tx.conflicts(q))) {
                    if (principal(ctx).canSee(c.sync())) out.add(shapes.conflict(c));
                }
                json(ctx, out);
            };
            case "POST /api/v1/conflicts/resolve" -> this::resolveMany;
            case "GET /api/v1/conflicts/{id}" -> ctx -> json(ctx, shapes.conflict(visibleConflict(ctx, id(ctx))));
            case "POST /api/v1/conflicts/{id}/resolve" -> ctx -> {
                ConflictRecord c = visibleConflict(ctx, id(ctx));
                JsonNode b = body(ctx);
                String outcome = operations.resolveConflict(c.id(), b, principal(ctx).name(), b.path("comment").asText(""));
                json(ctx, JSON.createObjectNode().put("outcome", outcome));
            };
            case "GET /api/v1/deadletters" -> ctx -> {
                String sync = ctx.queryParam("sync");
                if (sync != null) requireSync(ctx, sync);
                ArrayNode out = JSON.createArrayNode();
                for (DeadLetter d : store.inTransaction(tx -> tx.deadLetters(sync, 10_000))) {
                    if (principal(ctx).canSee(d.sync())) out.add(shapes.deadLetter(d));
                }
                json(ctx, out);
            };
            case "POST /api/v1/deadletters/{id}/retry" -> ctx -> {
                long id = visibleDeadLetter(ctx).id();
                json(ctx, JSON.createObjectNode().put("outcome", operations.retryDeadLetter(id)));
            };
            case "POST /api/v1/deadletters/{id}/discard" -> ctx -> {
                DeadLetter d = visibleDeadLetter(ctx);
                String reason = body(ctx).path("reason").asText("").strip();
                if (reason.isEmpty()) {
                    throw new IllegalArgumentException("say why the dead letter is discarded: send {\"reason\": \"…\"}; the reason is kept in the audit trail");
                }
                String outcome = operations.discardDeadLetter(d.id(), "user:" + principal(ctx).name(), reason);
                log.info("dead letter {} of sync '{}' discarded by '{}'", d.id(), d.sync(), principal(ctx).name());
                json(ctx, JSON.createObjectNode().put("outcome", outcome));
            };
            case "GET /api/v1/records/{sync}" -> ctx -> {
                String sync = knownSync(ctx);
                String system = ctx.queryParam("system");
                List<String> key = ctx.queryParams("key");
                if (system == null || key.isEmpty()) {
                    throw new IllegalArgumentException("look a record up by system and native key, e.g. /api/v1/records/" + sync
                            + "?system=crm&key=42 (composite keys: one key parameter per key column, in key order), or by its id: /api/v1/records/" + sync + "/<recordId>");
                }
                if (!endpointsOf(sync).contains(system)) {
                    throw new NotFound("sync '" + sync + "' has no system '" + system + "'; its systems: " + String.join(", ", endpointsOf(sync)));
                }
                NativeKey nativeKey = nativeKey(key);
                RecordId id = store.inTransaction(tx -> tx.findLinked(sync, system, nativeKey)).orElseThrow(() -> new NotFound(
                        "no record of sync '" + sync + "' is linked to key " + nativeKey.value() + " in " + system + " (not synced yet, or deleted there)"));
                json(ctx, record(ctx, sync, id));
            };
            case "GET /api/v1/records/{sync}/{recordId}" -> ctx -> {
                String sync = knownSync(ctx);
                json(ctx, record(ctx, sync, new RecordId(ctx.pathParam("recordId"))));
            };
            case "GET /api/v1/audit" -> ctx -> {
                AuditQuery q = auditQuery(ctx, limit(ctx, 100, 1000));
                ArrayNode out = JSON.createArrayNode();
                for (AuditEntry e : store.inTransaction(tx -> tx.audit(q))) {
                    if (visible(ctx, e)) out.add(shapes.auditEntry(e));
                }
                json(ctx, out);
            };
            case "GET /api/v1/audit/export" -> this::exportAudit;
            case "GET /api/v1/audit/verify" -> ctx -> {
                AuditChain.Verification v = AuditChain.verify(store.auditTrail(AuditQuery.after(0, 1000)));
                ObjectNode o = JSON.createObjectNode().put("intact", v.intact()).put("checked", v.checked());
                v.firstBreak().ifPresent(b -> o.put("brokenAt", b.seq()).put("reason", b.reason()));
                json(ctx, o);
            };
            case "GET /api/v1/keys" -> ctx -> {
                ArrayNode out = JSON.createArrayNode();
                for (ApiKeys.Key k : keys.list()) out.add(ApiJson.key(k));
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
                json(ctx, ApiJson.key(created.key()).put("secret", created.secret()));
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

    /**
     * Readiness: per system, up or down as the running engines last reported it; 503 when any is down or has not
     * been reported yet. Only the system's name and a reason class leave here, never the error text (it may name
     * hosts or users).
     */
    private void ready(Context ctx) {
        ObjectNode systems = JSON.createObjectNode();
        boolean ready = true;
        for (JsonNode sync : operations.status().path("syncs")) {
            boolean reported = sync.hasNonNull("reportedAt");
            for (JsonNode e : sync.path("endpoints")) {
                String system = e.path("system").asText(e.path("endpoint").asText());
                ObjectNode s = systems.has(system) ? (ObjectNode) systems.get(system) : systems.putObject(system).put("status", "up");
                if (!reported) s.put("status", "unknown").put("reason", "not reported yet");
                else if (e.path("unavailable").asBoolean()) s.put("status", "down").put("reason", "unreachable");
            }
        }
        for (JsonNode s : systems) ready &= s.path("status").asText().equals("up");
        ObjectNode out = JSON.createObjectNode().put("status", ready ? "ready" : "not ready");
        out.set("systems", systems);
        ctx.status(ready ? 200 : 503);
        json(ctx, out);
    }

    /** Resolves many conflicts with one choice; each id succeeds or fails on its own. */
    private void resolveMany(Context ctx) {
        JsonNode b = body(ctx);
        JsonNode ids = b.path("ids");
        if (!ids.isArray() || ids.isEmpty() || ids.size() > 1000) {
            throw new IllegalArgumentException("send {\"ids\": [1, 2, …], \"take\": \"<system>\", \"comment\": \"…\"} with 1 to 1000 conflict ids");
        }
        for (JsonNode id : ids) {
            if (!id.canConvertToLong() || !id.isIntegralNumber()) throw new IllegalArgumentException("ids must be whole numbers; '" + id + "' is not");
        }
        ObjectNode choice = b.deepCopy();
        choice.remove("ids");
        ArrayNode results = JSON.createArrayNode();
        int resolved = 0;
        for (JsonNode n : ids) {
            long id = n.asLong();
            ObjectNode r = results.addObject().put("id", id);
            try {
                ConflictRecord c = visibleConflict(ctx, id);
                r.put("resolved", true).put("outcome", operations.resolveConflict(c.id(), choice, principal(ctx).name(), b.path("comment").asText("")));
                resolved++;
            } catch (IllegalArgumentException | Denied | NotFound e) {
                r.put("resolved", false).put("error", e.getMessage());
            } catch (RuntimeException e) {
                log.warn("resolving conflict {} failed: {}", id, e.toString());
                r.put("resolved", false).put("error", "internal error; see the twoway log");
            }
        }
        ObjectNode out = JSON.createObjectNode().put("resolved", resolved).put("failed", ids.size() - resolved);
        out.set("results", results);
        json(ctx, out);
    }

    /** Streams the audit trail (filtered like GET /api/v1/audit, without its page limit) as JSON lines or CSV, masked. */
    private void exportAudit(Context ctx) throws IOException {
        String format = ctx.queryParamMap().containsKey("format") ? ctx.queryParam("format") : "jsonl";
        if (!format.equals("jsonl") && !format.equals("csv")) throw new IllegalArgumentException("query parameter format='" + format + "': write jsonl or csv");
        AuditQuery first = auditQuery(ctx, 1000);
        ctx.contentType(format.equals("csv") ? "text/csv; charset=utf-8" : "application/x-ndjson")
                .header("Content-Disposition", "attachment; filename=\"twoway-audit." + format + "\"");
        try (Writer w = new BufferedWriter(new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8))) {
            if (format.equals("csv")) w.write(AuditFormat.CSV_HEADER + "\n");
            AuditQuery all = new AuditQuery(first.from(), first.to(), first.sync(), first.recordId(), first.system(), first.actor(), first.action(),
                    first.afterSeq(), 1000); // every matching entry, 1000 per read
            for (AuditEntry e : store.auditTrail(all)) {
                if (!visible(ctx, e)) continue;
                w.write(format.equals("csv") ? AuditFormat.csv(e, mask) : AuditFormat.json(e, mask).toString());
                w.write('\n');
            }
        }
    }

    private ObjectNode record(Context ctx, String sync, RecordId id) {
        int limit = limit(ctx, 100, 1000);
        long after = longParam(ctx, "after", 0);
        return store.inTransaction(tx -> {
            RecordState state = tx.loadRecord(sync, id).orElseThrow(() -> new NotFound("sync '" + sync + "' has no record " + id.value()
                    + " (look it up by a system's key: /api/v1/records/" + sync + "?system=<system>&key=<key>)"));
            List<ConflictRecord> open = tx.openConflicts(sync, id);
            List<AuditEntry> history = tx.audit(AuditQuery.after(after, limit).sync(sync).record(id.value()));
            return shapes.record(sync, state, open, history, limit);
        });
    }

    /** The filters of GET /api/v1/audit and its export, checked; a sync outside the caller's scope is 403. */
    private AuditQuery auditQuery(Context ctx, int limit) {
        String sync = ctx.queryParam("sync");
        if (sync != null) requireSync(ctx, sync);
        return new AuditQuery(instantParam(ctx, "from"), instantParam(ctx, "to"), sync, ctx.queryParam("record"), ctx.queryParam("system"),
                ctx.queryParam("actor"), ctx.queryParam("action"), longParam(ctx, "after", 0), limit);
    }

    /** Entries of another sync are hidden from a caller limited to some syncs; entries of no sync are shown. */
    private static boolean visible(Context ctx, AuditEntry e) {
        return e.sync() == null || principal(ctx).canSee(e.sync());
    }

    /** A composite key (several key parameters) in the text form connectors give it: a JSON array of the parts. */
    private static NativeKey nativeKey(List<String> parts) {
        if (parts.size() == 1) return new NativeKey(parts.getFirst());
        ArrayNode a = JSON.createArrayNode();
        parts.forEach(a::add);
        return new NativeKey(a.toString());
    }

    private ObjectNode syncStatus(Context ctx) {
        String sync = ctx.pathParam("sync");
        for (JsonNode s : operations.status().path("syncs")) {
            if (s.path("sync").asText().equals(sync)) {
                requireSync(ctx, sync);
                return (ObjectNode) s;
            }
        }
        throw new NotFound("there is no sync '" + sync + "'");
    }

    private List<String> endpointsOf(String sync) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : operations.status().path("syncs")) {
            if (s.path("sync").asText().equals(sync)) s.path("endpoints").forEach(e -> out.add(e.path("endpoint").asText()));
        }
        return out;
    }

    private String knownSync(Context ctx) {
        return syncStatus(ctx).path("sync").asText();
    }

    private ConflictRecord visibleConflict(Context ctx, long id) {
        ConflictRecord c = store.inTransaction(tx -> tx.conflict(id)).orElseThrow(() -> new NotFound("there is no conflict " + id));
        requireSync(ctx, c.sync());
        return c;
    }

    private DeadLetter visibleDeadLetter(Context ctx) {
        long id = id(ctx);
        DeadLetter d = store.inTransaction(tx -> tx.deadLetter(id)).orElseThrow(() -> new NotFound("there is no dead letter " + id));
        requireSync(ctx, d.sync());
        return d;
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
            long n = Long.parseLong(v);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("query parameter " + name + "='" + v + "' is not a whole number (0 or more)");
        }
    }

    private static int limit(Context ctx, int def, int max) {
        long n = longParam(ctx, "limit", def);
        if (n < 1) throw new IllegalArgumentException("query parameter limit must be at least 1");
        return (int) Math.min(n, max);
    }

    private static Instant instantParam(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null) return null;
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("query parameter " + name + "='" + v + "' is not an ISO-8601 instant; write e.g. 2026-11-01T00:00:00Z");
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
