package dev.twoway.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditMask;
import dev.twoway.audit.AuditQuery;
import dev.twoway.engine.Pauses;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.RecordId;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.server.ApiKeys;
import dev.twoway.server.ApiServer;
import dev.twoway.server.Principal;
import dev.twoway.server.Role;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.StateStore;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The web UI, served under {@code /ui} by the API's server: dashboard, conflicts inbox, record history, dead letters
 * and audit. Pages are rendered on the server (jte, escaped by default); htmx refreshes the dashboard and runs the
 * chain verification in place. Handlers are thin: they read the state store or call the server's
 * {@link dev.twoway.server.SyncOperations}, exactly as the API does, and decisions are recorded as {@code user:<key name>}.
 *
 * <p>Login takes an API key; the session cookie then carries a random id (see {@link Sessions}). Every POST must
 * carry the session's CSRF token (form field {@code _csrf} or header {@code X-CSRF-Token}) and, when the browser
 * sends one, an {@code Origin} of this server; otherwise 403 and nothing happens.
 */
public final class WebUi implements ApiServer.Extension {
    private static final Logger log = LoggerFactory.getLogger(WebUi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String COOKIE = "twoway_session";
    /** Over TLS the cookie is {@code __Host-} prefixed: Secure, no Domain, Path=/ (the prefix requires it). */
    static final String SECURE_COOKIE = "__Host-twoway_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSRF_FIELD = "_csrf";
    private static final String HTMX = "/META-INF/resources/webjars/htmx.org/2.0.10/dist/htmx.min.js";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final int AUDIT_PAGE = 100;

    private final AuditMask mask;
    private final Clock clock;
    private final Sessions sessions;
    private final Duration sampleEvery;
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(null, ContentType.Html, WebUi.class.getClassLoader(),
            "dev.twoway.server.ui.templates");
    private ApiServer server;
    private Activity activity;
    private ScheduledExecutorService sampler;

    public WebUi(AuditMask mask) {
        this(mask, Clock.systemUTC(), Duration.ofMinutes(30), Duration.ofHours(8), Duration.ofSeconds(10));
    }

    public WebUi(AuditMask mask, Clock clock, Duration idle, Duration absolute, Duration sampleEvery) {
        this.mask = mask;
        this.clock = clock;
        this.sessions = new Sessions(clock, idle, absolute);
        this.sampleEvery = sampleEvery;
    }

    public Sessions sessions() {
        return sessions;
    }

    @Override
    public void register(JavalinConfig cfg, ApiServer server) {
        this.server = server;
        this.activity = new Activity(server.store(), server.operations()::status, clock);
        cfg.events.serverStarted(this::startSampling);
        cfg.events.serverStopping(this::stopSampling);
        var r = cfg.routes;
        r.get("/", ctx -> ctx.redirect("/ui/"));
        r.get("/ui/static/twoway.css", ctx -> resource(ctx, "/dev/twoway/server/ui/twoway.css", "text/css"));
        r.get("/ui/static/twoway.js", ctx -> resource(ctx, "/dev/twoway/server/ui/twoway.js", "text/javascript"));
        r.get("/ui/static/htmx.min.js", ctx -> resource(ctx, HTMX, "text/javascript"));
        r.get("/ui/login", ctx -> {
            headers(ctx);
            if (viewer(ctx).isPresent()) ctx.redirect("/ui/");
            else render(ctx, 200, "login.jte", new Views.Login(null, null));
        });
        r.post("/ui/login", this::login);
        r.post("/ui/logout", ctx -> action(ctx, Role.VIEWER, v -> {
            sessions.end(sessionId(ctx));
            clearCookie(ctx);
            log.info("'{}' logged out of the web UI", v.principal().name());
            redirect(ctx, "/ui/login");
        }));
        r.get("/ui/", ctx -> page(ctx, v -> render(ctx, 200, "dashboard.jte", dashboard(v))));
        r.get("/ui/dashboard/syncs", ctx -> page(ctx, v -> render(ctx, 200, "syncs.jte", dashboard(v))));
        r.post("/ui/syncs/{sync}/pause", ctx -> action(ctx, Role.OPERATOR, v -> {
            String sync = knownSync(v, ctx.pathParam("sync"));
            new Pauses(store()).pause(sync, "user:" + v.principal().name() + ": paused in the web UI");
            redirect(ctx, "/ui/");
        }));
        r.post("/ui/syncs/{sync}/resume", ctx -> action(ctx, Role.OPERATOR, v -> {
            new Pauses(store()).resume(knownSync(v, ctx.pathParam("sync")));
            redirect(ctx, "/ui/");
        }));
        r.get("/ui/conflicts", ctx -> page(ctx, v -> render(ctx, 200, "conflicts.jte", inbox(v, ctx.queryParam("notice")))));
        r.post("/ui/conflicts/bulk", ctx -> action(ctx, Role.OPERATOR, v -> bulk(ctx, v)));
        r.get("/ui/conflicts/{id}", ctx -> page(ctx, v -> render(ctx, 200, "conflict.jte", conflictPage(v, id(ctx)))));
        r.post("/ui/conflicts/{id}/resolve", ctx -> action(ctx, Role.OPERATOR, v -> resolve(ctx, v)));
        r.get("/ui/records/{sync}/{id}", ctx -> page(ctx, v -> render(ctx, 200, "record.jte", recordPage(v, ctx.pathParam("sync"), ctx.pathParam("id")))));
        r.get("/ui/deadletters", ctx -> page(ctx, v -> render(ctx, 200, "deadletters.jte", deadLetters(v, ctx.queryParam("notice")))));
        r.post("/ui/deadletters/{id}/retry", ctx -> action(ctx, Role.OPERATOR, v -> {
            long id = id(ctx);
            DeadLetter d = store().inTransaction(tx -> tx.deadLetter(id)).orElseThrow(() -> new ApiServer.NotFound("there is no dead letter " + id + "; it may have been retried already"));
            requireSync(v, d.sync());
            String outcome = server.operations().retryDeadLetter(id);
            log.info("'{}' retried dead letter {} in the web UI", v.principal().name(), id);
            redirect(ctx, "/ui/deadletters?notice=" + java.net.URLEncoder.encode(outcome, java.nio.charset.StandardCharsets.UTF_8));
        }));
        r.post("/ui/deadletters/{id}/discard", ctx -> action(ctx, Role.OPERATOR, v -> {
            long id = id(ctx);
            DeadLetter d = store().inTransaction(tx -> tx.deadLetter(id)).orElseThrow(() -> new ApiServer.NotFound("there is no dead letter " + id + "; it may have been retried or discarded already"));
            requireSync(v, d.sync());
            String reason = Optional.ofNullable(ctx.formParam("reason")).orElse("").strip();
            if (reason.isEmpty()) {
                redirect(ctx, "/ui/deadletters?notice=" + java.net.URLEncoder.encode("dead letter " + id
                        + " was kept: say why it is discarded (the reason goes to the audit trail)", java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            String outcome = server.operations().discardDeadLetter(id, "user:" + v.principal().name(), reason);
            log.info("'{}' discarded dead letter {} in the web UI", v.principal().name(), id);
            redirect(ctx, "/ui/deadletters?notice=" + java.net.URLEncoder.encode(outcome, java.nio.charset.StandardCharsets.UTF_8));
        }));
        r.get("/ui/audit", ctx -> page(ctx, v -> render(ctx, 200, "audit.jte", auditPage(v, ctx))));
        r.get("/ui/audit/verify", ctx -> page(ctx, v -> render(ctx, 200, "verify.jte", verify())));
    }

    // ---- sessions, CSRF and roles ------------------------------------------------------------------------------

    /** A logged-in request: the session and who its key says the user is now. */
    record Viewer(String sessionId, Sessions.Session session, Principal principal) {
        boolean canOperate() {
            return principal.role().includes(Role.OPERATOR);
        }
    }

    interface UiHandler {
        void handle(Viewer v) throws Exception;
    }

    private Optional<Viewer> viewer(Context ctx) {
        String id = sessionId(ctx);
        Optional<Sessions.Session> s = sessions.find(id);
        if (s.isEmpty()) return Optional.empty();
        // The key is looked up on every request: a revoked key or a lowered role counts at once.
        Optional<ApiKeys.Key> key = server.keys().list().stream().filter(k -> k.id().equals(s.get().keyId()) && k.active()).findFirst();
        if (key.isEmpty()) {
            sessions.endAllOf(s.get().keyId());
            log.info("ended the web UI sessions of '{}': its API key is revoked", s.get().user());
            return Optional.empty();
        }
        ApiKeys.Key k = key.get();
        return Optional.of(new Viewer(id, s.get(), new Principal(k.name(), k.role(), k.syncs(), "ui-session")));
    }

    private void page(Context ctx, UiHandler h) throws Exception {
        headers(ctx);
        Optional<Viewer> v = viewer(ctx);
        if (v.isEmpty()) {
            loginRequired(ctx);
            return;
        }
        guarded(ctx, v.get(), h);
    }

    private void action(Context ctx, Role needs, UiHandler h) throws Exception {
        headers(ctx);
        Optional<Viewer> v = viewer(ctx);
        if (v.isEmpty()) {
            loginRequired(ctx);
            return;
        }
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equals(ctx.scheme() + "://" + ctx.host())) {
            log.warn("refused a web UI {} {} from origin {}", ctx.method(), ctx.path(), origin);
            problem(ctx, v.get(), 403, "This request came from another site (" + origin + ") and was refused. Use twoway's own pages.");
            return;
        }
        String token = ctx.header(CSRF_HEADER);
        if (token == null) token = ctx.formParam(CSRF_FIELD);
        if (!Sessions.csrfMatches(v.get().session(), token)) {
            log.warn("refused a web UI {} {} by '{}': missing or wrong CSRF token", ctx.method(), ctx.path(), v.get().principal().name());
            problem(ctx, v.get(), 403, "This form is out of date or did not come from twoway's pages (its security token is missing or wrong). "
                    + "Reload the page and try again.");
            return;
        }
        if (!v.get().principal().role().includes(needs)) {
            problem(ctx, v.get(), 403, "This needs the " + needs.configName() + " role; '" + v.get().principal().name() + "' is "
                    + v.get().principal().role().configName() + ". Ask an admin for a key with that role (twoway keys create --role "
                    + needs.configName() + ").");
            return;
        }
        guarded(ctx, v.get(), h);
    }

    private void guarded(Context ctx, Viewer v, UiHandler h) throws Exception {
        try {
            h.handle(v);
        } catch (ApiServer.NotFound e) {
            problem(ctx, v, 404, e.getMessage());
        } catch (ApiServer.Denied e) {
            problem(ctx, v, 403, e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            problem(ctx, v, 409, e.getMessage());
        }
    }

    private void login(Context ctx) throws Exception {
        headers(ctx);
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equals(ctx.scheme() + "://" + ctx.host())) {
            render(ctx, 403, "login.jte", new Views.Login("This login came from another site (" + origin + ") and was refused.", null));
            return;
        }
        String key = Optional.ofNullable(ctx.formParam("key")).orElse("").strip();
        Optional<Principal> p = key.isEmpty() ? Optional.empty() : server.keys().authenticate(key);
        if (p.isEmpty()) {
            log.warn("refused web UI login from {}: unknown or revoked API key", ctx.ip());
            render(ctx, 401, "login.jte", new Views.Login(key.isEmpty() ? "Paste an API key to log in."
                    : "That API key is unknown or revoked. Create one with: twoway keys create --name <you> --role operator", null));
            return;
        }
        // Active key names are unique, so the name finds the key's id (the session keeps the id, never the key).
        ApiKeys.Key k = server.keys().list().stream().filter(x -> x.active() && x.name().equals(p.get().name())).findFirst()
                .orElseThrow(() -> new IllegalStateException("the key of '" + p.get().name() + "' vanished during login; try again"));
        sessions.end(sessionId(ctx)); // a new id at login: a planted cookie cannot become a logged-in session
        String id = sessions.start(k.id(), k.name());
        boolean tls = ctx.req().isSecure();
        ctx.res().addHeader("Set-Cookie", (tls ? SECURE_COOKIE + "=" + id + "; Path=/; Secure" : COOKIE + "=" + id + "; Path=/ui")
                + "; HttpOnly; SameSite=Strict");
        log.info("'{}' ({}) logged in to the web UI from {}", k.name(), k.role().configName(), ctx.ip());
        ctx.redirect("/ui/", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private String sessionId(Context ctx) {
        String id = ctx.cookie(ctx.req().isSecure() ? SECURE_COOKIE : COOKIE);
        return id == null ? "" : id;
    }

    private void clearCookie(Context ctx) {
        boolean tls = ctx.req().isSecure();
        ctx.res().addHeader("Set-Cookie", (tls ? SECURE_COOKIE + "=; Path=/; Secure" : COOKIE + "=; Path=/ui") + "; Max-Age=0; HttpOnly; SameSite=Strict");
    }

    private void loginRequired(Context ctx) {
        if (ctx.header("HX-Request") != null) {
            ctx.header("HX-Redirect", "/ui/login");
            ctx.status(401).result("");
        } else if (ctx.method().name().equals("GET")) {
            ctx.redirect("/ui/login");
        } else {
            ctx.status(401);
            render(ctx, 401, "login.jte", new Views.Login("Your session has ended. Log in again.", null));
        }
    }

    /** After a POST: htmx follows HX-Redirect, a plain form the 303. */
    private static void redirect(Context ctx, String to) {
        if (ctx.header("HX-Request") != null) {
            ctx.header("HX-Redirect", to);
            ctx.status(204);
        } else {
            ctx.redirect(to, io.javalin.http.HttpStatus.SEE_OTHER);
        }
    }

    private static void headers(Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", "no-store");
    }

    private static void requireSync(Viewer v, String sync) {
        if (!v.principal().canSee(sync)) throw new ApiServer.Denied(403, "'" + v.principal().name() + "' may not see sync '" + sync + "'");
    }

    private String knownSync(Viewer v, String sync) {
        boolean known = false;
        for (JsonNode s : server.operations().status().path("syncs")) known |= s.path("sync").asText().equals(sync);
        if (!known) throw new ApiServer.NotFound("there is no sync '" + sync + "'");
        requireSync(v, sync);
        return sync;
    }

    // ---- pages ---------------------------------------------------------------------------------------------

    private StateStore store() {
        return server.store();
    }

    private Views.Frame frame(Viewer v, String title, String tab) {
        int[] counts = store().inTransaction(tx -> {
            int c = 0, d = 0;
            for (ConflictRecord x : tx.openConflicts(null, 100_000)) if (v.principal().canSee(x.sync())) c++;
            for (DeadLetter x : tx.deadLetters(null, 100_000)) if (v.principal().canSee(x.sync())) d++;
            return new int[]{c, d};
        });
        return new Views.Frame(title, tab, v.principal().name(), v.principal().role().configName(), v.canOperate(), v.session().csrf(),
                counts[0], counts[1]);
    }

    private Views.Dashboard dashboard(Viewer v) {
        activity.sampleIfOlderThan(Duration.ofSeconds(2));
        ObjectNode status = server.operations().status();
        List<Views.SyncCard> cards = new ArrayList<>();
        for (JsonNode s : status.path("syncs")) {
            String name = s.path("sync").asText();
            if (!v.principal().canSee(name)) continue;
            long queued = 0, lag = 0;
            String error = null;
            List<String> failing = new ArrayList<>();
            List<Views.EndpointLine> eps = new ArrayList<>();
            for (JsonNode ep : s.path("endpoints")) {
                String err = ep.hasNonNull("captureError") ? ep.path("captureError").asText() : ep.path("lastError").asText(null);
                queued += ep.path("queued").asLong();
                lag = Math.max(lag, ep.path("lagSeconds").asLong());
                if (ep.path("unavailable").asBoolean() || err != null) failing.add(ep.path("endpoint").asText());
                if (err != null && error == null) error = ep.path("endpoint").asText() + ": " + err;
                eps.add(new Views.EndpointLine(ep.path("endpoint").asText(), ep.path("queued").asLong(), ep.path("lagSeconds").asLong(),
                        ep.path("unavailable").asBoolean(), err));
            }
            String paused = s.path("paused").asText(null);
            String state = paused != null ? "paused" : !failing.isEmpty() ? "failing" : status.path("running").asText().equals("no") ? "stopped" : "running";
            String detail = switch (state) {
                case "paused" -> "paused by " + paused;
                case "failing" -> "trouble with " + String.join(", ", failing) + (error == null ? ": unreachable" : "; see the last error below");
                case "stopped" -> "no twoway run is running";
                default -> s.path("schedule").asText();
            };
            List<Integer> changes = activity.changesPerMinute(name);
            cards.add(new Views.SyncCard(name, state, detail, s.path("schedule").asText(), queued, lag, s.path("openConflicts").asInt(),
                    s.path("deadLetters").asInt(), error, changes.stream().mapToInt(Integer::intValue).sum(), changes.getLast(),
                    Sparkline.points(changes), Sparkline.points(activity.queued(name)), eps));
        }
        return new Views.Dashboard(frame(v, "Dashboard", "dashboard"), status.path("running").asText(), cards);
    }

    private Views.Inbox inbox(Viewer v, String notice) throws IOException {
        List<ConflictRecord> open = store().inTransaction(tx -> tx.openConflicts(null, 10_000));
        List<Views.ConflictRow> rows = new ArrayList<>();
        Set<String> systems = new LinkedHashSet<>();
        for (ConflictRecord c : open) {
            if (!v.principal().canSee(c.sync())) continue;
            Views.ConflictRow row = row(c);
            row.versions().forEach(sv -> systems.add(sv.system()));
            rows.add(row);
        }
        return new Views.Inbox(frame(v, "Conflicts", "conflicts"), rows, List.copyOf(systems), notice);
    }

    private Views.ConflictRow row(ConflictRecord c) throws IOException {
        JsonNode cand = JSON.readTree(c.candidates());
        boolean masked = mask.names(c.sync()).contains(c.field());
        List<Views.SystemValue> versions = new ArrayList<>();
        cand.path("versions").properties().forEach(e -> versions.add(new Views.SystemValue(e.getKey(), masked ? AuditMask.MASKED : display(e.getValue()))));
        return new Views.ConflictRow(c.id(), c.sync(), c.recordId().value(), fieldName(c.field()), c.kind(),
                masked ? AuditMask.MASKED : display(cand.path("base")), versions, age(c.createdAt()));
    }

    private void bulk(Context ctx, Viewer v) {
        String take = ctx.formParam("take");
        List<String> ids = ctx.formParams("id");
        if (take == null || take.isBlank()) throw new IllegalArgumentException("choose which system's values to take");
        if (ids.isEmpty()) throw new IllegalArgumentException("select at least one conflict (the boxes on the left), then choose a system");
        int done = 0;
        List<String> failed = new ArrayList<>();
        for (String raw : ids) {
            long id = parseId(raw);
            try {
                ConflictRecord c = store().inTransaction(tx -> tx.conflict(id)).orElseThrow(() -> new ApiServer.NotFound("there is no conflict " + id));
                requireSync(v, c.sync());
                server.operations().resolveConflict(id, JSON.createObjectNode().put("take", take), v.principal().name(), "bulk: take " + take);
                done++;
            } catch (RuntimeException e) {
                failed.add(id + ": " + e.getMessage());
            }
        }
        log.info("'{}' resolved {} conflicts in bulk (take {}) in the web UI", v.principal().name(), done, take);
        String notice = done + " conflict" + (done == 1 ? "" : "s") + " resolved with " + take + "'s values"
                + (failed.isEmpty() ? "" : "; not resolved: " + String.join("; ", failed));
        redirect(ctx, "/ui/conflicts?notice=" + java.net.URLEncoder.encode(notice, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** One record's open conflicts side by side with its other fields, from the point of view of conflict {@code id}. */
    private Views.ConflictPage conflictPage(Viewer v, long id) throws IOException {
        ConflictRecord c = store().inTransaction(tx -> tx.conflict(id)).orElseThrow(() -> new ApiServer.NotFound("there is no conflict " + id));
        requireSync(v, c.sync());
        if (!c.open()) throw new ApiServer.NotFound("conflict " + id + " is already resolved; see the record's history");
        List<ConflictRecord> ofRecord = store().inTransaction(tx -> tx.openConflicts(c.sync(), c.recordId()));
        Optional<RecordState> state = store().inTransaction(tx -> tx.loadRecord(c.sync(), c.recordId()));
        Set<String> masked = mask.names(c.sync());
        List<String> systems = new ArrayList<>(state.map(s -> s.shadows().keySet()).orElse(Set.of()));
        Map<String, ConflictRecord> byField = new LinkedHashMap<>();
        for (ConflictRecord x : ofRecord) {
            byField.put(x.field(), x);
            JSON.readTree(x.candidates()).path("versions").fieldNames().forEachRemaining(s -> {
                if (!systems.contains(s)) systems.add(s);
            });
        }
        List<Views.FieldRow> rows = new ArrayList<>();
        for (ConflictRecord x : byField.values()) {
            JsonNode cand = JSON.readTree(x.candidates());
            boolean hide = masked.contains(x.field());
            List<String> values = new ArrayList<>();
            for (String s : systems) values.add(cand.path("versions").has(s) ? (hide ? AuditMask.MASKED : display(cand.path("versions").get(s))) : null);
            rows.add(new Views.FieldRow(fieldName(x.field()), hide ? AuditMask.MASKED : display(cand.path("base")), values, true, x.id(), x.kind()));
        }
        if (state.isPresent()) {
            RecordState st = state.get();
            for (String field : new LinkedHashSet<>(st.base().values().names())) {
                if (byField.containsKey(field)) continue;
                boolean hide = masked.contains(field);
                List<String> values = new ArrayList<>();
                Set<String> distinct = new LinkedHashSet<>();
                for (String s : systems) {
                    Shadow sh = st.shadows().get(s);
                    String val = sh == null || !sh.values().has(field) ? null : sh.values().get(field).display();
                    if (val != null) distinct.add(val);
                    values.add(hide && val != null ? AuditMask.MASKED : val);
                }
                rows.add(new Views.FieldRow(field, hide ? AuditMask.MASKED : st.base().values().get(field).display(), values, distinct.size() > 1, 0, null));
            }
        }
        List<ConflictRecord> all = store().inTransaction(tx -> tx.openConflicts(null, 10_000)).stream().filter(x -> v.principal().canSee(x.sync())).toList();
        long next = 0, previous = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).recordId().equals(c.recordId())) continue;
            if (all.get(i).id() > c.id() && next == 0) next = all.get(i).id();
            if (all.get(i).id() < c.id()) previous = all.get(i).id();
        }
        return new Views.ConflictPage(frame(v, "Conflict " + id, "conflicts"), id, c.sync(), c.recordId().value(), systems, rows, next, previous);
    }

    private void resolve(Context ctx, Viewer v) throws IOException {
        long id = id(ctx);
        ConflictRecord c = store().inTransaction(tx -> tx.conflict(id)).orElseThrow(() -> new ApiServer.NotFound("there is no conflict " + id));
        requireSync(v, c.sync());
        String comment = Optional.ofNullable(ctx.formParam("comment")).orElse("").strip();
        List<String> outcomes = new ArrayList<>();
        for (ConflictRecord x : store().inTransaction(tx -> tx.openConflicts(c.sync(), c.recordId()))) {
            String pick = ctx.formParam("pick-" + x.id());
            if (pick == null || pick.isBlank()) continue;
            outcomes.add(server.operations().resolveConflict(x.id(), JSON.createObjectNode().put("take", pick), v.principal().name(), comment));
        }
        if (outcomes.isEmpty()) throw new IllegalArgumentException("pick a value for at least one field in conflict (the radio buttons, or keys 1-9), then resolve");
        log.info("'{}' resolved {} conflict(s) of record {} in the web UI", v.principal().name(), outcomes.size(), c.recordId().value());
        redirect(ctx, "/ui/conflicts?notice=" + java.net.URLEncoder.encode(String.join("; ", outcomes), java.nio.charset.StandardCharsets.UTF_8));
    }

    private Views.RecordPage recordPage(Viewer v, String sync, String recordId) throws IOException {
        requireSync(v, sync);
        RecordId rid = new RecordId(recordId);
        Optional<RecordState> state = store().inTransaction(tx -> tx.loadRecord(sync, rid));
        List<AuditEntry> history = store().inTransaction(tx -> tx.audit(AuditQuery.after(0, 1000).sync(sync).record(recordId)));
        if (state.isEmpty() && history.isEmpty()) throw new ApiServer.NotFound("sync '" + sync + "' has no record " + recordId);
        Set<String> masked = mask.names(sync);
        List<Views.Field> values = new ArrayList<>();
        List<Views.Link> links = new ArrayList<>();
        boolean deleted = false;
        if (state.isPresent()) {
            RecordState st = state.get();
            deleted = st.base().deleted();
            for (var e : st.base().values().asMap().entrySet()) {
                values.add(new Views.Field(e.getKey(), masked.contains(e.getKey()) ? AuditMask.MASKED : e.getValue().display()));
            }
            st.shadows().forEach((system, sh) -> links.add(new Views.Link(system, sh.key() == null ? "" : sh.key().value(),
                    sh.status().name().toLowerCase(java.util.Locale.ROOT))));
        }
        List<Views.ConflictRow> open = new ArrayList<>();
        for (ConflictRecord c : store().inTransaction(tx -> tx.openConflicts(sync, rid))) open.add(row(c));
        List<Views.Entry> timeline = new ArrayList<>();
        for (AuditEntry e : history.reversed()) timeline.add(entry(e));
        return new Views.RecordPage(frame(v, "Record " + recordId, "records"), sync, recordId, deleted, values, links, open, timeline);
    }

    private Views.DeadLetters deadLetters(Viewer v, String notice) {
        List<Views.DeadLetterRow> rows = new ArrayList<>();
        for (DeadLetter d : store().inTransaction(tx -> tx.deadLetters(null, 10_000))) {
            if (!v.principal().canSee(d.sync())) continue;
            rows.add(new Views.DeadLetterRow(d.id(), d.sync(), d.target(), d.recordId().value(), mask.error(d.sync(), d.error()), d.attempts(), age(d.createdAt())));
        }
        return new Views.DeadLetters(frame(v, "Dead letters", "deadletters"), rows, notice);
    }

    /** The newest entries matching the filters (older than {@code before} when paging back), newest first. */
    private Views.AuditPage auditPage(Viewer v, Context ctx) {
        String sync = blankToNull(ctx.queryParam("sync")), record = blankToNull(ctx.queryParam("record")), system = blankToNull(ctx.queryParam("system")),
                actor = blankToNull(ctx.queryParam("actor")), action = blankToNull(ctx.queryParam("action"));
        if (sync != null) requireSync(v, sync);
        long before = ctx.queryParam("before") == null ? Long.MAX_VALUE : parseId(ctx.queryParam("before"));
        java.util.ArrayDeque<AuditEntry> last = new java.util.ArrayDeque<>();
        boolean more = false;
        long after = 0;
        while (true) {
            AuditQuery q = new AuditQuery(null, null, sync, record, system, actor, action, after, 1000);
            List<AuditEntry> page = store().inTransaction(tx -> tx.audit(q));
            for (AuditEntry e : page) {
                if (e.seq() >= before) break;
                if (e.sync() != null && !v.principal().canSee(e.sync())) continue;
                last.addLast(e);
                if (last.size() > AUDIT_PAGE) {
                    last.removeFirst();
                    more = true;
                }
            }
            if (page.size() < 1000 || page.getLast().seq() >= before) break;
            after = page.getLast().seq();
        }
        List<Views.Entry> entries = new ArrayList<>();
        for (var it = last.descendingIterator(); it.hasNext(); ) entries.add(entry(it.next()));
        String older = null;
        if (more) {
            StringBuilder link = new StringBuilder("/ui/audit?before=" + last.getFirst().seq());
            Map<String, String> filters = new LinkedHashMap<>();
            filters.put("sync", sync);
            filters.put("record", record);
            filters.put("system", system);
            filters.put("actor", actor);
            filters.put("action", action);
            filters.forEach((k, x) -> {
                if (x != null) link.append('&').append(k).append('=').append(java.net.URLEncoder.encode(x, java.nio.charset.StandardCharsets.UTF_8));
            });
            older = link.toString();
        }
        return new Views.AuditPage(frame(v, "Audit", "audit"), nz(sync), nz(record), nz(system), nz(actor), nz(action), entries, older);
    }

    private Views.Verification verify() {
        AuditChain.Verification r = AuditChain.verify(store().auditTrail(AuditQuery.after(0, 1000)));
        return new Views.Verification(r.intact(), r.checked(), r.firstBreak().map(AuditChain.Break::seq).orElse(0L),
                r.firstBreak().map(AuditChain.Break::reason).orElse(null));
    }

    private Views.Entry entry(AuditEntry e) {
        String detail = mask.detail(e);
        return new Views.Entry(e.seq(), TIME.format(e.time()), nz(e.sync()), nz(e.recordId()), nz(e.system()), nz(e.actor()), e.action(),
                AuditSummary.of(e.action(), detail), detail);
    }

    // ---- rendering and small helpers -----------------------------------------------------------------------------

    private void problem(Context ctx, Viewer v, int status, String message) {
        if (ctx.header("HX-Request") != null) {
            ctx.status(status).contentType("text/html").result("<p class=\"flash error\">" + escape(message) + "</p>");
            return;
        }
        render(ctx, status, "problem.jte", new Views.Problem(frame(v, "Refused", ""), status, message));
    }

    private void render(Context ctx, int status, String template, Object model) {
        StringOutput out = new StringOutput();
        templates.render(template, model, out);
        ctx.status(status).html(out.toString());
    }

    private static void resource(Context ctx, String path, String type) throws IOException {
        try (InputStream in = WebUi.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException(path + " is missing from the jar");
            ctx.header("Cache-Control", "max-age=3600").header("X-Content-Type-Options", "nosniff").contentType(type).result(in.readAllBytes());
        }
    }

    private void startSampling() {
        log.info("web UI at /ui/ on the API's address (log in with an API key)");
        sampler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("twoway-ui-activity").unstarted(r));
        sampler.scheduleWithFixedDelay(() -> {
            try {
                activity.sample();
            } catch (RuntimeException e) {
                log.debug("web UI activity sample failed: {}", e.toString());
            }
        }, 0, sampleEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stopSampling() {
        if (sampler != null) sampler.shutdownNow();
    }

    static String display(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) return null;
        if (v.isTextual()) return v.asText();
        if (!v.isObject() || !v.has("t")) return v.toString();
        Value x = ValueJson.decode(v);
        return x.isNull() ? null : x.display();
    }

    private static String fieldName(String field) {
        return field.equals(RecordState.RECORD) ? "(whole record)" : field;
    }

    private String age(Instant t) {
        Duration d = Duration.between(t, clock.instant());
        if (d.toMinutes() < 1) return "just now";
        if (d.toHours() < 1) return d.toMinutes() + " min ago";
        if (d.toDays() < 1) return d.toHours() + " h ago";
        return d.toDays() + " d ago";
    }

    private static long id(Context ctx) {
        return parseId(ctx.pathParam("id"));
    }

    private static long parseId(String raw) {
        try {
            return Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + raw + "' is not an id (a whole number)");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
