package dev.twoway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An emulator of HubSpot's CRM v3 objects API as its public documentation describes it, for tests: contacts and
 * companies with properties; list with {@code after} paging (limit at most 100); search with {@code filterGroups}
 * on the modification property (limit at most 200, at most 10,000 results per query); batch read and update; create,
 * PATCH, DELETE (archive); an OAuth2 token endpoint ({@code /oauth/v1/token}) issuing short-lived access tokens and
 * refresh tokens; 401 on an expired token; a per-second rate limit answering 429 with {@code Retry-After}; 400 with
 * HubSpot's error JSON for an invalid email; and a sender of v3-signed webhooks.
 *
 * <p>Guessed where the docs are silent: the cursor is the next object id; unset requested properties come back as
 * null; the list clamps {@code limit} above 100 to 100; {@code Retry-After} is 1 second; the client-credentials grant
 * (HubSpot's OAuth has only authorization-code and refresh-token grants) is accepted too, for the generic test.
 */
public final class HubSpotEmulator implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    static final class Obj {
        final long id;
        final Map<String, String> props = new LinkedHashMap<>();
        Instant createdAt;
        Instant updatedAt;
        boolean archived;

        Obj(long id) {
            this.id = id;
        }
    }

    public final String clientId = "client-1";
    public final String clientSecret = "shh-client-secret";
    public final String refreshToken = "refresh-1";
    /** Whether each refresh-token grant answers a new refresh token and revokes the one it was given (rotation). */
    public volatile boolean rotateRefreshTokens;
    private volatile String validRefreshToken = refreshToken;
    private final java.util.concurrent.atomic.AtomicInteger refreshTokenCounter = new java.util.concurrent.atomic.AtomicInteger(1);

    /** The refresh token the token endpoint accepts now (changes with each grant when tokens rotate). */
    public String validRefreshToken() {
        return validRefreshToken;
    }
    public final String appSecret = "webhook-app-secret";
    volatile long tokenSeconds = 1800;
    /** When set, tokens stop working this long after issue whatever expires_in said (a revocation, a clock skew). */
    volatile long tokenRealMillis = 0;
    volatile int perSecondLimit = Integer.MAX_VALUE;
    public volatile String staticToken; // a private app's token, when set

    private final HttpServer server;
    public final URI url;
    private final Map<String, TreeMap<Long, Obj>> objects = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(100);
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger tokenCounter = new AtomicInteger();
    public final AtomicInteger tokensIssued = new AtomicInteger();
    final AtomicInteger expired401 = new AtomicInteger();
    final AtomicInteger rateLimited = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    public final AtomicInteger batchReads = new AtomicInteger();
    private final Deque<Long> window = new ArrayDeque<>();
    /** The most requests (429s included) that arrived within any one second. */
    volatile int peakPerSecond;

    public HubSpotEmulator() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        objects.put("contacts", new TreeMap<>());
        objects.put("companies", new TreeMap<>());
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- state, for tests ----------------------------------------------------------------------------------------

    public synchronized long create(String type, Map<String, String> props) {
        Obj o = new Obj(ids.incrementAndGet());
        o.props.putAll(props);
        touch(type, o, true);
        objects.get(type).put(o.id, o);
        return o.id;
    }

    public synchronized void update(String type, long id, Map<String, String> props) {
        Obj o = objects.get(type).get(id);
        o.props.putAll(props);
        touch(type, o, false);
    }

    public synchronized void archive(String type, long id) {
        objects.get(type).get(id).archived = true;
    }

    /** Every access token issued so far stops working at once (as when HubSpot revokes them). */
    void revokeTokens() {
        tokens.clear();
    }

    /** Live objects: id → property values. */
    public synchronized Map<Long, Map<String, String>> live(String type) {
        Map<Long, Map<String, String>> out = new TreeMap<>();
        objects.get(type).values().stream().filter(o -> !o.archived).forEach(o -> out.put(o.id, new LinkedHashMap<>(o.props)));
        return out;
    }

    private void touch(String type, Obj o, boolean created) {
        Instant now = Instant.now();
        if (created) o.createdAt = now;
        o.updatedAt = now;
        o.props.put(type.equals("contacts") ? "lastmodifieddate" : "hs_lastmodifieddate", now.toString());
        o.props.put("hs_object_id", String.valueOf(o.id));
        if (created) o.props.put("createdate", now.toString());
    }

    // ---- HTTP ----------------------------------------------------------------------------------------------------

    private record Answer(int status, String body, Map<String, String> headers) {
        Answer(int status, String body) {
            this(status, body, Map.of());
        }
    }

    private void handle(HttpExchange x) throws IOException {
        Answer a;
        try {
            requests.incrementAndGet();
            a = route(x);
        } catch (RuntimeException e) {
            a = new Answer(500, error("internal error: " + e, "INTERNAL"));
        }
        byte[] b = a.body() == null ? new byte[0] : a.body().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json;charset=utf-8");
        a.headers().forEach((k, v) -> x.getResponseHeaders().set(k, v));
        x.sendResponseHeaders(a.status(), a.status() == 204 ? -1 : b.length);
        if (a.status() != 204) x.getResponseBody().write(b);
        x.close();
    }

    private Answer route(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getRawPath();
        String method = x.getRequestMethod();
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> q = query(x.getRequestURI().getRawQuery());
        if (path.equals("/oauth/v1/token") && method.equals("POST")) return token(x, body);
        synchronized (window) {
            long now = System.nanoTime();
            window.addLast(now);
            while (window.peekFirst() < now - 1_000_000_000L) window.removeFirst();
            peakPerSecond = Math.max(peakPerSecond, window.size());
            if (window.size() > perSecondLimit) {
                rateLimited.incrementAndGet();
                return new Answer(429, "{\"status\":\"error\",\"message\":\"You have reached your secondly limit.\",\"errorType\":\"RATE_LIMIT\","
                        + "\"correlationId\":\"c-" + now + "\",\"policyName\":\"SECONDLY\"}", Map.of("Retry-After", "1"));
            }
        }
        Answer denied = authenticate(x);
        if (denied != null) return denied;
        String[] parts = path.split("/");
        // /crm/v3/objects/{type}[/{id}|/search|/batch/read|/batch/update]
        if (parts.length < 5 || !path.startsWith("/crm/v3/objects/") || !objects.containsKey(parts[4])) {
            return new Answer(404, error("no such endpoint " + method + " " + path, "OBJECT_NOT_FOUND"));
        }
        String type = parts[4];
        synchronized (this) {
            if (parts.length == 5) {
                if (method.equals("GET")) return list(type, q);
                if (method.equals("POST")) return createFromApi(type, JSON.readTree(body));
            }
            if (parts.length == 6 && parts[5].equals("search") && method.equals("POST")) return search(type, JSON.readTree(body));
            if (parts.length == 7 && parts[5].equals("batch") && method.equals("POST")) {
                if (parts[6].equals("read")) return batchRead(type, JSON.readTree(body));
                if (parts[6].equals("update")) return batchUpdate(type, JSON.readTree(body));
            }
            if (parts.length == 6) {
                long id;
                try {
                    id = Long.parseLong(parts[5]);
                } catch (NumberFormatException e) {
                    return new Answer(404, error("Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND"));
                }
                Obj o = objects.get(type).get(id);
                if (o == null || o.archived) return new Answer(404, error("resource not found", "OBJECT_NOT_FOUND"));
                switch (method) {
                    case "GET" -> {
                        return new Answer(200, render(type, o, props(q)).toString());
                    }
                    case "PATCH" -> {
                        Answer bad = validate(JSON.readTree(body).path("properties"));
                        if (bad != null) return bad;
                        JSON.readTree(body).path("properties").properties().forEach(e -> o.props.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
                        touch(type, o, false);
                        return new Answer(200, render(type, o, null).toString());
                    }
                    case "DELETE" -> {
                        o.archived = true;
                        return new Answer(204, null);
                    }
                    default -> {
                    }
                }
            }
        }
        return new Answer(405, error("method not allowed", "METHOD_NOT_ALLOWED"));
    }

    private Answer token(HttpExchange x, String body) {
        Map<String, String> f = query(body);
        String id = f.get("client_id"), secret = f.get("client_secret");
        String basic = x.getRequestHeaders().getFirst("Authorization");
        if (basic != null && basic.startsWith("Basic ")) {
            String[] pair = new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8).split(":", 2);
            id = URLDecoder.decode(pair[0], StandardCharsets.UTF_8);
            secret = URLDecoder.decode(pair[1], StandardCharsets.UTF_8);
        }
        if (!clientId.equals(id) || !clientSecret.equals(secret)) {
            return new Answer(400, "{\"status\":\"BAD_CLIENT_ID\",\"error\":\"invalid_client\",\"error_description\":\"missing or unknown client id / secret\"}");
        }
        String grant = f.getOrDefault("grant_type", "");
        if (grant.equals("refresh_token") && !validRefreshToken.equals(f.get("refresh_token"))) {
            return new Answer(400, "{\"status\":\"BAD_REFRESH_TOKEN\",\"error\":\"invalid_grant\",\"error_description\":\"missing or unknown refresh token\"}");
        }
        if (!grant.equals("refresh_token") && !grant.equals("client_credentials")) {
            return new Answer(400, "{\"error\":\"unsupported_grant_type\",\"error_description\":\"" + grant + "\"}");
        }
        String token = "at-" + tokenCounter.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
        tokens.put(token, tokenRealMillis > 0 ? Instant.now().plusMillis(tokenRealMillis) : Instant.now().plusSeconds(tokenSeconds));
        tokensIssued.incrementAndGet();
        ObjectNode o = JSON.createObjectNode().put("token_type", "bearer").put("access_token", token).put("expires_in", tokenSeconds);
        if (grant.equals("refresh_token")) {
            if (rotateRefreshTokens) validRefreshToken = "refresh-" + refreshTokenCounter.incrementAndGet();
            o.put("refresh_token", validRefreshToken);
        }
        return new Answer(200, o.toString());
    }

    private Answer authenticate(HttpExchange x) {
        String h = x.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.startsWith("Bearer ")) return new Answer(401, error("Authentication credentials not found.", "INVALID_AUTHENTICATION"));
        String t = h.substring(7);
        if (t.equals(staticToken)) return null;
        Instant until = tokens.get(t);
        if (until == null) return new Answer(401, error("The OAuth token used to make this call is not valid.", "INVALID_AUTHENTICATION"));
        if (Instant.now().isAfter(until)) {
            expired401.incrementAndGet();
            return new Answer(401, error("The OAuth token used to make this call expired " + until + ".", "EXPIRED_AUTHENTICATION"));
        }
        return null;
    }

    private Answer list(String type, Map<String, String> q) {
        int limit = Math.min(100, Integer.parseInt(q.getOrDefault("limit", "10")));
        long after = Long.parseLong(q.getOrDefault("after", "0"));
        boolean archived = Boolean.parseBoolean(q.getOrDefault("archived", "false"));
        List<String> props = props(q);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode results = out.putArray("results");
        Long next = null;
        for (Obj o : objects.get(type).tailMap(after, true).values()) {
            if (o.archived != archived) continue;
            if (results.size() == limit) {
                next = o.id;
                break;
            }
            results.add(render(type, o, props));
        }
        if (next != null) out.putObject("paging").putObject("next").put("after", String.valueOf(next))
                .put("link", url + "/crm/v3/objects/" + type + "?after=" + next);
        return new Answer(200, out.toString());
    }

    private Answer search(String type, JsonNode req) {
        int limit = Math.min(200, req.path("limit").asInt(10));
        int after = Integer.parseInt(req.path("after").asText("0"));
        if (after + limit > 10_000) return new Answer(400, error("Search results are limited to 10,000", "VALIDATION_ERROR"));
        List<Obj> hits = new ArrayList<>();
        for (Obj o : objects.get(type).values()) {
            if (o.archived) continue;
            boolean any = !req.path("filterGroups").elements().hasNext();
            for (JsonNode g : req.path("filterGroups")) {
                boolean all = true;
                for (JsonNode f : g.path("filters")) all &= test(o, f);
                any |= all;
            }
            if (any) hits.add(o);
        }
        for (JsonNode s : req.path("sorts")) {
            String p = s.path("propertyName").asText();
            Comparator<Obj> c = Comparator.comparing(o -> sortKey(o, p));
            if (s.path("direction").asText().equals("DESCENDING")) c = c.reversed();
            hits.sort(c.thenComparingLong(o -> o.id));
        }
        List<String> props = new ArrayList<>();
        req.path("properties").forEach(p -> props.add(p.asText()));
        ObjectNode out = JSON.createObjectNode().put("total", hits.size());
        ArrayNode results = out.putArray("results");
        for (int i = after; i < Math.min(hits.size(), after + limit); i++) results.add(render(type, hits.get(i), props.isEmpty() ? null : props));
        if (after + limit < hits.size()) out.putObject("paging").putObject("next").put("after", String.valueOf(after + limit));
        return new Answer(200, out.toString());
    }

    private static String sortKey(Obj o, String p) {
        String v = o.props.get(p);
        if (v == null) return "";
        Instant t = Times.parse(v);
        return t != null ? String.format("%020d", t.toEpochMilli()) : v;
    }

    private static boolean test(Obj o, JsonNode f) {
        String v = o.props.get(f.path("propertyName").asText());
        String want = f.path("value").asText();
        if (v == null) return false;
        Instant t = Times.parse(v);
        int c = t != null && want.matches("\\d+") ? Long.compare(t.toEpochMilli(), Long.parseLong(want)) : v.compareTo(want);
        return switch (f.path("operator").asText()) {
            case "EQ" -> c == 0;
            case "NEQ" -> c != 0;
            case "GT" -> c > 0;
            case "GTE" -> c >= 0;
            case "LT" -> c < 0;
            case "LTE" -> c <= 0;
            default -> throw new IllegalArgumentException("operator " + f.path("operator").asText());
        };
    }

    private Answer batchRead(String type, JsonNode req) {
        batchReads.incrementAndGet();
        List<String> props = new ArrayList<>();
        req.path("properties").forEach(p -> props.add(p.asText()));
        ObjectNode out = JSON.createObjectNode().put("status", "COMPLETE");
        ArrayNode results = out.putArray("results");
        ArrayNode errors = JSON.createArrayNode();
        for (JsonNode in : req.path("inputs")) {
            Obj o = objects.get(type).get(in.path("id").asLong(-1));
            if (o == null || o.archived) errors.addObject().put("status", "error").put("category", "OBJECT_NOT_FOUND").put("message", "Could not get some objects")
                    .putObject("context").putArray("ids").add(in.path("id").asText());
            else results.add(render(type, o, props.isEmpty() ? null : props));
        }
        if (!errors.isEmpty()) {
            out.set("errors", errors);
            out.put("numErrors", errors.size());
            return new Answer(207, out.toString());
        }
        return new Answer(200, out.toString());
    }

    private Answer batchUpdate(String type, JsonNode req) {
        for (JsonNode in : req.path("inputs")) {
            Obj o = objects.get(type).get(in.path("id").asLong(-1));
            if (o == null || o.archived) return new Answer(404, error("Could not get some " + type + " objects", "OBJECT_NOT_FOUND"));
            Answer bad = validate(in.path("properties"));
            if (bad != null) return bad;
        }
        ObjectNode out = JSON.createObjectNode().put("status", "COMPLETE");
        ArrayNode results = out.putArray("results");
        for (JsonNode in : req.path("inputs")) {
            Obj o = objects.get(type).get(in.path("id").asLong());
            in.path("properties").properties().forEach(e -> o.props.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
            touch(type, o, false);
            results.add(render(type, o, null));
        }
        return new Answer(200, out.toString());
    }

    private Answer createFromApi(String type, JsonNode req) {
        Answer bad = validate(req.path("properties"));
        if (bad != null) return bad;
        Obj o = new Obj(ids.incrementAndGet());
        req.path("properties").properties().forEach(e -> o.props.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
        touch(type, o, true);
        objects.get(type).put(o.id, o);
        return new Answer(201, render(type, o, null).toString());
    }

    /** HubSpot refuses an email property that is not an address: 400 with its VALIDATION_ERROR JSON. */
    private Answer validate(JsonNode props) {
        JsonNode email = props.path("email");
        if (email.isTextual() && !email.asText().isEmpty() && !email.asText().matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            ObjectNode e = JSON.createObjectNode().put("status", "error")
                    .put("message", "Property values were not valid: [{\"isValid\":false,\"message\":\"Email address " + email.asText() + " is invalid\",\"error\":\"INVALID_EMAIL\",\"name\":\"email\"}]")
                    .put("correlationId", "c-" + System.nanoTime()).put("category", "VALIDATION_ERROR");
            e.putArray("errors").addObject().put("message", "Email address " + email.asText() + " is invalid").put("code", "INVALID_EMAIL")
                    .putObject("context").putArray("propertyName").add("email");
            return new Answer(400, e.toString());
        }
        return null;
    }

    private static ObjectNode render(String type, Obj o, List<String> props) {
        ObjectNode n = JSON.createObjectNode().put("id", String.valueOf(o.id));
        ObjectNode p = n.putObject("properties");
        for (String k : List.of("createdate", type.equals("contacts") ? "lastmodifieddate" : "hs_lastmodifieddate", "hs_object_id")) p.put(k, o.props.get(k));
        if (props == null) o.props.forEach(p::put);
        else for (String k : props) p.put(k, o.props.get(k));
        n.put("createdAt", o.createdAt.toString()).put("updatedAt", o.updatedAt.toString()).put("archived", o.archived);
        return n;
    }

    private static List<String> props(Map<String, String> q) {
        String p = q.get("properties");
        return p == null ? null : List.of(p.split(","));
    }

    private static String error(String message, String category) {
        return JSON.createObjectNode().put("status", "error").put("message", message).put("correlationId", "c-" + System.nanoTime())
                .put("category", category).toString();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            out.put(k, i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    // ---- webhooks --------------------------------------------------------------------------------------------------

    /** A signed webhook request, kept so a test can send it again (a replay). */
    public record Webhook(URI target, String body, String timestamp, String signature) {
    }

    private final AtomicLong eventIds = new AtomicLong();

    /** A v3-signed webhook of {@code subscriptionType} events for these object ids, signed with {@code secret}. */
    public Webhook webhook(URI target, String secret, String subscriptionType, long... objectIds) {
        ArrayNode events = JSON.createArrayNode();
        for (long id : objectIds) {
            events.addObject().put("eventId", eventIds.incrementAndGet()).put("subscriptionId", 1).put("portalId", 62515).put("appId", 54321)
                    .put("occurredAt", System.currentTimeMillis()).put("subscriptionType", subscriptionType).put("attemptNumber", 0)
                    .put("objectId", id).put("changeSource", "CRM");
        }
        String ts = String.valueOf(System.currentTimeMillis());
        String body = events.toString();
        String sig = Base64.getEncoder().encodeToString(WebhookReceiver.hmac(secret, ("POST" + target + body + ts).getBytes(StandardCharsets.UTF_8)));
        return new Webhook(target, body, ts, sig);
    }

    public static HttpResponse<String> send(Webhook w) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(w.target()).header("Content-Type", "application/json").header("X-HubSpot-Signature-v3", w.signature())
                .header("X-HubSpot-Request-Timestamp", w.timestamp()).POST(HttpRequest.BodyPublishers.ofString(w.body())).build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    }
}
