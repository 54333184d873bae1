package dev.twoway.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditMask;
import dev.twoway.model.RecordId;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.server.ApiKeys;
import dev.twoway.server.ApiServer;
import dev.twoway.server.Role;
import dev.twoway.server.SyncOperations;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web UI's sessions and CSRF protection on a real server (port 0) over a real state store: login with good and bad
 * keys, cookie flags, POSTs without or with a wrong token or origin (403, nothing done), viewers refused, logout,
 * revoked keys, idle expiry, escaping and masking, and every page rendering.
 */
class WebUiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private SqliteStateStore store;
    private ApiServer server;
    private WebUi ui;
    private ApiKeys keys;
    private String operatorKey;
    private String viewerKey;
    private long conflictId;
    private long deadLetterId;
    private RecordId record;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    private final SyncOperations operations = new SyncOperations() {
        @Override
        public ObjectNode status() {
            ObjectNode s = JSON.createObjectNode().put("running", "pid 42");
            ObjectNode sync = s.putArray("syncs").addObject().put("sync", "customers").put("schedule", "realtime").put("openConflicts", 1).put("deadLetters", 1);
            sync.putArray("endpoints").add(JSON.createObjectNode().put("endpoint", "crm").put("queued", 3).put("lagSeconds", 7))
                    .add(JSON.createObjectNode().put("endpoint", "erp").put("queued", 0).put("lagSeconds", 0).put("lastError", "connection refused"));
            return s;
        }

        @Override
        public String resolveConflict(long id, JsonNode choice, String actor, String comment) {
            calls.add("resolve " + id + " take " + choice.path("take").asText() + " by " + actor + ": " + comment);
            return "conflict " + id + " resolved";
        }

        @Override
        public String retryDeadLetter(long id) {
            calls.add("retry " + id);
            return "dead letter " + id + " queued again";
        }

        @Override
        public String discardDeadLetter(long id, String actor, String reason) {
            calls.add("discard " + id + " by " + actor + ": " + reason);
            return "dead letter " + id + " discarded";
        }
    };

    @BeforeEach
    void start() {
        store = SqliteStateStore.open(dir.resolve("state.db"));
        keys = new ApiKeys(store);
        operatorKey = keys.create("alice", Role.OPERATOR, Set.of()).secret();
        viewerKey = keys.create("bob", Role.VIEWER, Set.of()).secret();
        record = RecordId.random();
        conflictId = store.inTransaction(tx -> tx.addConflict(new ConflictRecord(0, "customers", record, "phone", "field",
                candidates(Value.str("+1"), Map.of("crm", Value.str("<script>alert(1)</script>"), "erp", Value.str("+3"))),
                Instant.now(), "open", null, null))).id();
        store.inTransaction(tx -> tx.addConflict(new ConflictRecord(0, "customers", record, "email", "field",
                candidates(Value.str("a@x"), Map.of("crm", Value.str("b@x"), "erp", Value.str("c@x"))), Instant.now(), "open", null, null)));
        deadLetterId = store.inTransaction(tx -> tx.addDeadLetter(new DeadLetter(0, "customers", "erp", record, "value too long for Phone", 10, Instant.now()))).id();
        store.run(tx -> tx.appendAudit(new AuditEntry.Draft(Instant.now(), "customers", record.value(), "crm", "capture", "change",
                "{\"fields\":{\"phone\":{\"old\":" + ValueJson.encode(Value.str("+1")) + ",\"new\":" + ValueJson.encode(Value.str("+2")) + "}}}")));
        ui = new WebUi(new AuditMask(Map.of("customers", Set.of("email"))), clock, Duration.ofMinutes(30), Duration.ofHours(8), Duration.ofSeconds(1));
        server = new ApiServer(store, operations, Optional.empty()).with(ui).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    @Test
    void aBadKeyIsRefusedAndNoSessionStarts() throws Exception {
        HttpResponse<String> r = post("/ui/login", null, Map.of("key", "tw_00000000_not-a-key"));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("That API key is unknown or revoked").doesNotContain("tw_00000000_not-a-key");
        assertThat(r.headers().allValues("Set-Cookie")).isEmpty();
        assertThat(ui.sessions().size()).isZero();
        HttpResponse<String> page = get("/ui/", null);
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).hasValue("/ui/login");
    }

    @Test
    void loginSetsAnHttpOnlyStrictCookieForUiWithARandom256BitId() throws Exception {
        HttpResponse<String> r = post("/ui/login", null, Map.of("key", operatorKey));
        assertThat(r.statusCode()).isEqualTo(303);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("twoway_session=").contains("; Path=/ui").contains("; HttpOnly").contains("; SameSite=Strict")
                .as("plain HTTP: no Secure flag, which the browser would refuse to send back").doesNotContain("Secure");
        String id = setCookie.substring("twoway_session=".length(), setCookie.indexOf(';'));
        assertThat(id).matches("[A-Za-z0-9_-]{43}");
        assertThat(setCookie).doesNotContain(operatorKey);
        String other = cookie(post("/ui/login", null, Map.of("key", operatorKey)));
        assertThat(other).isNotEqualTo("twoway_session=" + id);

        HttpResponse<String> dash = get("/ui/", "twoway_session=" + id);
        assertThat(dash.statusCode()).isEqualTo(200);
        assertThat(dash.body()).contains("customers").contains("alice").contains("operator").contains("connection refused").contains("Pause");
        assertThat(dash.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
        assertThat(dash.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    }

    @Test
    void aPostWithoutOrWithAWrongCsrfTokenOrAForeignOriginIsRefusedAndChangesNothing() throws Exception {
        String session = cookie(post("/ui/login", null, Map.of("key", operatorKey)));
        String resolve = "/ui/conflicts/" + conflictId + "/resolve";
        Map<String, String> pick = Map.of("pick-" + conflictId, "erp");

        HttpResponse<String> without = post(resolve, session, pick);
        assertThat(without.statusCode()).isEqualTo(403);
        assertThat(without.body()).contains("security token is missing or wrong");
        assertThat(post(resolve, session, with(pick, WebUi.CSRF_FIELD, "x".repeat(43))).statusCode()).isEqualTo(403);
        assertThat(post("/ui/deadletters/" + deadLetterId + "/retry", session, Map.of()).statusCode()).isEqualTo(403);
        assertThat(post("/ui/syncs/customers/pause", session, Map.of()).statusCode()).isEqualTo(403);
        String token = csrf(session);
        HttpResponse<String> foreign = send(HttpRequest.newBuilder(uri(resolve)).header("Cookie", session).header("Origin", "https://evil.example")
                .header("Content-Type", "application/x-www-form-urlencoded").POST(form(with(pick, WebUi.CSRF_FIELD, token))).build());
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(calls).as("nothing was resolved, retried or paused").isEmpty();
        assertThat(new dev.twoway.engine.Pauses(store).pausedBy("customers")).isEmpty();

        HttpResponse<String> ok = post(resolve, session, with(Map.of("pick-" + conflictId, "erp", "comment", "checked"), WebUi.CSRF_FIELD, token));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(303);
        assertThat(calls).containsExactly("resolve " + conflictId + " take erp by alice: checked");
        HttpResponse<String> viaHeader = send(HttpRequest.newBuilder(uri("/ui/deadletters/" + deadLetterId + "/retry")).header("Cookie", session)
                .header(WebUi.CSRF_HEADER, token).header("Origin", "http://127.0.0.1:" + server.port()).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(viaHeader.statusCode()).isEqualTo(303);
        assertThat(calls).contains("retry " + deadLetterId);

        assertThat(post("/ui/deadletters/" + deadLetterId + "/discard", session, Map.of("reason", "duplicate")).statusCode())
                .as("discard without the token").isEqualTo(403);
        assertThat(calls).noneMatch(c -> c.startsWith("discard"));
        HttpResponse<String> noReason = post("/ui/deadletters/" + deadLetterId + "/discard", session, Map.of(WebUi.CSRF_FIELD, token));
        assertThat(noReason.statusCode()).isEqualTo(303);
        assertThat(noReason.headers().firstValue("Location").orElseThrow()).contains("was+kept");
        assertThat(calls).as("no reason, nothing discarded").noneMatch(c -> c.startsWith("discard"));
        assertThat(post("/ui/deadletters/" + deadLetterId + "/discard", session, Map.of(WebUi.CSRF_FIELD, token, "reason", "customer left")).statusCode()).isEqualTo(303);
        assertThat(calls).contains("discard " + deadLetterId + " by user:alice: customer left");
    }

    @Test
    void aViewerSeesNoDecisionButtonsAndItsPostsAreRefused() throws Exception {
        String session = cookie(post("/ui/login", null, Map.of("key", viewerKey)));
        HttpResponse<String> page = get("/ui/conflicts/" + conflictId, session);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("phone").doesNotContain("type=\"radio\"").doesNotContain(">Resolve<").contains("needs the operator role");
        assertThat(get("/ui/conflicts", session).body()).doesNotContain("Take erp");
        assertThat(get("/ui/deadletters", session).body()).contains("value too long for Phone").doesNotContain(">Retry<");
        assertThat(get("/ui/", session).body()).doesNotContain(">Pause<");
        String token = csrf(session);
        HttpResponse<String> r = post("/ui/conflicts/" + conflictId + "/resolve", session, Map.of("pick-" + conflictId, "erp", WebUi.CSRF_FIELD, token));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("needs the operator role");
        assertThat(post("/ui/conflicts/bulk", session, Map.of("id", String.valueOf(conflictId), "take", "crm", WebUi.CSRF_FIELD, token)).statusCode()).isEqualTo(403);
        assertThat(calls).isEmpty();
    }

    @Test
    void logoutEndsTheSession() throws Exception {
        String session = cookie(post("/ui/login", null, Map.of("key", operatorKey)));
        HttpResponse<String> out = post("/ui/logout", session, Map.of(WebUi.CSRF_FIELD, csrf(session)));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(get("/ui/", session).statusCode()).isEqualTo(302);
        assertThat(ui.sessions().size()).isZero();
    }

    @Test
    void aRevokedKeyEndsItsSessionsAtTheNextRequest() throws Exception {
        String session = cookie(post("/ui/login", null, Map.of("key", operatorKey)));
        assertThat(get("/ui/", session).statusCode()).isEqualTo(200);
        assertThat(keys.revoke("alice")).isTrue();
        assertThat(get("/ui/", session).statusCode()).isEqualTo(302);
        assertThat(ui.sessions().size()).isZero();
        HttpResponse<String> htmx = send(HttpRequest.newBuilder(uri("/ui/dashboard/syncs")).header("Cookie", session).header("HX-Request", "true").build());
        assertThat(htmx.statusCode()).isEqualTo(401);
        assertThat(htmx.headers().firstValue("HX-Redirect")).hasValue("/ui/login");
    }

    @Test
    void anIdleSessionExpiresAfterThirtyMinutesAndAnyAfterEightHours() throws Exception {
        String session = cookie(post("/ui/login", null, Map.of("key", operatorKey)));
        for (int i = 0; i < 17; i++) { // kept busy: every 29 minutes for over 8 hours
            clock.advance(Duration.ofMinutes(29));
            assertThat(get("/ui/", session).statusCode()).as("after " + (i + 1) * 29 + " min").isEqualTo(i < 16 ? 200 : 302);
        }
        String idle = cookie(post("/ui/login", null, Map.of("key", operatorKey)));
        clock.advance(Duration.ofMinutes(31));
        assertThat(get("/ui/", idle).statusCode()).isEqualTo(302);
    }

    @Test
    void everyPageRendersEscapedAndMaskedValues() throws Exception {
        String session = cookie(post("/ui/login", null, Map.of("key", operatorKey)));
        for (String path : List.of("/ui/", "/ui/dashboard/syncs", "/ui/conflicts", "/ui/conflicts/" + conflictId, "/ui/records/customers/" + record.value(),
                "/ui/deadletters", "/ui/audit", "/ui/audit?actor=capture&action=change", "/ui/audit/verify", "/ui/static/twoway.css",
                "/ui/static/twoway.js", "/ui/static/htmx.min.js")) {
            HttpResponse<String> r = get(path, session);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            assertThat(r.body()).as(path).doesNotContain("<script>alert(1)");
        }
        String detail = get("/ui/conflicts/" + conflictId, session).body();
        assertThat(detail).contains("&lt;script&gt;alert(1)&lt;/script&gt;").contains("+3")
                .as("email is sensitive: masked").contains("***").doesNotContain("b@x").doesNotContain("c@x");
        assertThat(get("/ui/records/customers/" + record.value(), session).body()).contains("phone: +1 → +2").contains("capture");
        assertThat(get("/ui/audit/verify", session).body()).contains("Chain intact: 1 entries checked");
        assertThat(get("/ui/audit?actor=user:nobody", session).body()).contains("No entries match");
        assertThat(get("/ui/conflicts/999999", session).statusCode()).isEqualTo(404);
        assertThat(get("/", null).headers().firstValue("Location")).hasValue("/ui/");
    }

    @Test
    void bulkTakeResolvesEverySelectedConflictWithThatSystemsValue() throws Exception {
        String session = cookie(post("/ui/login", null, Map.of("key", operatorKey)));
        long other = store.inTransaction(tx -> tx.openConflicts("customers", 100)).stream().mapToLong(ConflictRecord::id).filter(i -> i != conflictId).findFirst().orElseThrow();
        String body = "id=" + conflictId + "&id=" + other + "&take=crm&" + WebUi.CSRF_FIELD + "=" + csrf(session);
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/ui/conflicts/bulk")).header("Cookie", session)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location").orElseThrow()).contains("2+conflicts+resolved");
        assertThat(calls).containsExactlyInAnyOrder("resolve " + conflictId + " take crm by alice: bulk: take crm", "resolve " + other + " take crm by alice: bulk: take crm");
    }

    @Test
    void theAuditPageShowsTheNewestHundredFirstAndPagesBackThroughTheRest() throws Exception {
        for (int i = 0; i < 150; i++) {
            store.run(tx -> tx.appendAudit(new AuditEntry.Draft(Instant.now(), "customers", "r", "crm", "engine", "write:update", "{}")));
        }
        String session = cookie(post("/ui/login", null, Map.of("key", viewerKey)));
        String first = get("/ui/audit", session).body();
        assertThat(rows(first)).isEqualTo(100);
        assertThat(first).contains("<td class=\"mono\">151</td>").doesNotContain("<td class=\"mono\">51</td>");
        Matcher older = Pattern.compile("href=\"(/ui/audit\\?before=\\d+)\" id=\"older\"").matcher(first);
        assertThat(older.find()).isTrue();
        String second = get(older.group(1), session).body();
        assertThat(rows(second)).isEqualTo(51);
        assertThat(second).contains("<td class=\"mono\">1</td>").doesNotContain("id=\"older\"");
        String filtered = get("/ui/audit?actor=capture", session).body();
        assertThat(rows(filtered)).isEqualTo(1);
    }

    private static int rows(String html) {
        return html.split("<td class=\"mono\">", -1).length - 1;
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private String csrf(String session) throws Exception {
        Matcher m = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(get("/ui/", session).body());
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String cookie(HttpResponse<String> login) {
        assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
        String c = login.headers().firstValue("Set-Cookie").orElseThrow();
        return c.substring(0, c.indexOf(';'));
    }

    private static Map<String, String> with(Map<String, String> m, String k, String v) {
        Map<String, String> out = new java.util.LinkedHashMap<>(m);
        out.put(k, v);
        return out;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
        if (cookie != null) b.header("Cookie", cookie);
        return send(b.build());
    }

    private HttpResponse<String> post(String path, String cookie, Map<String, String> fields) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/x-www-form-urlencoded").POST(form(fields));
        if (cookie != null) b.header("Cookie", cookie);
        return send(b.build());
    }

    private static HttpRequest.BodyPublisher form(Map<String, String> fields) {
        return HttpRequest.BodyPublishers.ofString(fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&")));
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static String candidates(Value base, Map<String, Value> versions) {
        ObjectNode n = JSON.createObjectNode();
        n.set("base", ValueJson.encode(base));
        ObjectNode v = n.putObject("versions");
        new java.util.TreeMap<>(versions).forEach((k, x) -> v.set(k, ValueJson.encode(x)));
        return n.toString();
    }

    /** A clock the test moves by hand, for session expiry. */
    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

}
