package dev.twoway.http;

import com.fasterxml.jackson.databind.JsonNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Receives the webhooks of one system (served at {@code POST /webhooks/<system>} by twoway run): checks the
 * signature, the timestamp and that the request was not seen before, reads the ids it names and hands them to the
 * {@link WebhookInbox}, whose sources fetch them.
 *
 * <p>Answers: 202 accepted; 401 unsigned, badly signed, stale or replayed (logged with the reason and the sender's
 * address, never the secret, the signature or the body); 413 body too large; 400 not JSON or without the ids. The
 * framework-free {@link #receive} lets any HTTP server mount it.
 */
public final class WebhookReceiver {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebhookReceiver.class);

    /** The answer to one webhook request. */
    public record Result(int status, String message) {
    }

    private final String system;
    private final WebhookSettings settings;
    private final WebhookInbox inbox;
    private final ReplayGuard replays;
    private final Clock clock;

    public WebhookReceiver(String system, WebhookSettings settings, WebhookInbox inbox) {
        this(system, settings, inbox, Clock.systemUTC());
    }

    WebhookReceiver(String system, WebhookSettings settings, WebhookInbox inbox, Clock clock) {
        this.system = system;
        this.settings = settings;
        this.inbox = inbox;
        this.clock = clock;
        this.replays = new ReplayGuard(100_000);
    }

    public WebhookSettings settings() {
        return settings;
    }

    /**
     * @param method     the request's method
     * @param requestUrl the URL as twoway received it (scheme, host, path, query); {@link WebhookSettings#publicUrl}
     *                   replaces its scheme, host and path when set
     * @param headers    request headers, names in any case
     * @param body       the raw body, at most {@code maxBodyBytes + 1} bytes read
     * @param remote     the sender's address, for the log
     */
    public Result receive(String method, URI requestUrl, Map<String, List<String>> headers, byte[] body, String remote) {
        if (body.length > settings.maxBodyBytes()) {
            log.warn("{}: webhook from {} refused: body larger than {} bytes", system, remote, settings.maxBodyBytes());
            return new Result(413, "body larger than " + settings.maxBodyBytes() + " bytes");
        }
        String refused = verify(method, requestUrl, headers, body);
        if (refused != null) {
            log.warn("{}: webhook from {} refused: {}", system, remote, refused);
            return new Result(401, refused);
        }
        JsonNode json;
        try {
            json = RestAccess.JSON.readTree(body);
        } catch (java.io.IOException e) {
            log.warn("{}: webhook from {} refused: the body is not JSON", system, remote);
            return new Result(400, "the body is not JSON");
        }
        if (json == null) return new Result(400, "the body is empty");
        WebhookSettings.Notifications n = settings.notifications();
        JsonNode events = RestAccess.at(json, n.events());
        List<JsonNode> list = new ArrayList<>();
        if (events.isArray()) events.forEach(list::add);
        else if (events.isObject()) list.add(events);
        else return new Result(400, "no events at '" + n.events() + "'");
        Map<String, List<WebhookInbox.Notice>> byEntity = new LinkedHashMap<>();
        for (JsonNode e : list) {
            JsonNode id = RestAccess.at(e, n.id());
            if (id.isMissingNode() || id.isNull() || id.isContainerNode()) return new Result(400, "an event has no id at '" + n.id() + "'");
            String entity = n.defaultEntity();
            if (n.type() != null) {
                String type = RestAccess.at(e, n.type()).asText("");
                int dot = type.indexOf('.');
                entity = n.entities().getOrDefault(dot < 0 ? type : type.substring(0, dot), n.defaultEntity());
            }
            if (entity == null) continue; // a type this system does not sync
            JsonNode item = n.item() == null ? null : RestAccess.at(e, n.item());
            byEntity.computeIfAbsent(entity, k -> new ArrayList<>())
                    .add(new WebhookInbox.Notice(id.asText(), item == null || item.isMissingNode() || item.isNull() ? null : item));
        }
        byEntity.forEach(inbox::offer);
        int count = byEntity.values().stream().mapToInt(List::size).sum();
        log.debug("{}: webhook from {} accepted: {} notifications", system, remote, count);
        return new Result(202, count + " notifications accepted");
    }

    /** Null when the request is signed, fresh and new; else why not, in words fit for a log (no secret, no body). */
    String verify(String method, URI requestUrl, Map<String, List<String>> headers, byte[] body) {
        long now = clock.millis();
        switch (settings.signature()) {
            case WebhookSettings.Signature.HubSpotV3 h -> {
                String sig = header(headers, "X-HubSpot-Signature-v3");
                String ts = header(headers, "X-HubSpot-Request-Timestamp");
                if (sig == null || ts == null) return "unsigned (no X-HubSpot-Signature-v3 / X-HubSpot-Request-Timestamp)";
                String stale = stale(ts, now);
                if (stale != null) return stale;
                String signed = method + hubSpotUri(publicUrl(requestUrl)) + new String(body, StandardCharsets.UTF_8) + ts;
                byte[] want = hmac(h.clientSecret().reveal(), signed.getBytes(StandardCharsets.UTF_8));
                String got = sig.trim().replace(' ', '+'); // a '+' turned into a space by a proxy's decoding (seen in the field)
                if (!equal(Base64.getEncoder().encodeToString(want), got)) return "bad X-HubSpot-Signature-v3 (check the app's client secret and public-url)";
                return replays.firstTime(got, now + 2 * settings.tolerance().toMillis(), now) ? null : "replayed (this signature was seen before)";
            }
            case WebhookSettings.Signature.GitHub g -> {
                String sig = header(headers, "X-Hub-Signature-256");
                if (sig == null) return "unsigned (no X-Hub-Signature-256)";
                String want = "sha256=" + HexFormat.of().formatHex(hmac(g.secret().reveal(), body));
                if (!equal(want, sig.trim().toLowerCase(java.util.Locale.ROOT))) return "bad X-Hub-Signature-256 (check the webhook secret)";
                String delivery = header(headers, "X-GitHub-Delivery");
                String key = delivery != null ? "delivery:" + delivery : sig.trim();
                return replays.firstTime(key, now + 2 * settings.tolerance().toMillis(), now) ? null : "replayed (this delivery was seen before)";
            }
            case WebhookSettings.Signature.Hmac m -> {
                String sig = header(headers, m.header());
                if (sig == null) return "unsigned (no " + m.header() + ")";
                byte[] signed = body;
                if (m.timestampHeader() != null) {
                    String ts = header(headers, m.timestampHeader());
                    if (ts == null) return "no timestamp (" + m.timestampHeader() + ")";
                    String stale = stale(ts, now);
                    if (stale != null) return stale;
                    byte[] prefix = (ts + ".").getBytes(StandardCharsets.UTF_8);
                    signed = new byte[prefix.length + body.length];
                    System.arraycopy(prefix, 0, signed, 0, prefix.length);
                    System.arraycopy(body, 0, signed, prefix.length, body.length);
                }
                byte[] mac = hmac(m.secret().reveal(), signed);
                String want = m.prefix() + (m.base64() ? Base64.getEncoder().encodeToString(mac) : HexFormat.of().formatHex(mac));
                String got = sig.trim();
                if (!m.base64()) got = got.toLowerCase(java.util.Locale.ROOT);
                if (!equal(want, got)) return "bad " + m.header() + " (check the webhook secret)";
                return replays.firstTime(got, now + 2 * settings.tolerance().toMillis(), now) ? null : "replayed (this signature was seen before)";
            }
        }
    }

    private String stale(String ts, long now) {
        long t;
        try {
            t = Long.parseLong(ts.trim());
        } catch (NumberFormatException e) {
            return "unreadable timestamp";
        }
        if (t < 100_000_000_000L) t *= 1000; // seconds
        long tol = settings.tolerance().toMillis();
        if (Math.abs(now - t) > tol) return "stale (signed " + Duration.ofMillis(now - t).toSeconds() + " s ago, tolerance " + settings.tolerance().toSeconds() + " s)";
        return null;
    }

    private URI publicUrl(URI requestUrl) {
        URI p = settings.publicUrl();
        if (p == null) return requestUrl;
        String q = requestUrl.getRawQuery();
        return URI.create(p.toString() + (q == null ? "" : (p.getRawQuery() == null ? "?" : "&") + q));
    }

    /** HubSpot decodes the URL before signing (its docs: the URI with URL-encoded characters decoded). */
    static String hubSpotUri(URI uri) {
        return URLDecoder.decode(uri.toString().replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static byte[] hmac(String secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    private static boolean equal(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static String header(Map<String, List<String>> headers, String name) {
        for (var e : headers.entrySet()) if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) return e.getValue().getFirst();
        return null;
    }

    /**
     * Signatures (or delivery ids) seen within the tolerance window. Bounded: at {@code max} entries the expired ones
     * go, and if none has expired the oldest goes (a flood larger than the bound weakens replay protection, not
     * memory).
     */
    static final class ReplayGuard {
        private final int max;
        private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

        ReplayGuard(int max) {
            this.max = max;
        }

        synchronized boolean firstTime(String key, long expiresAt, long now) {
            Long until = seen.get(key);
            if (until != null && until >= now) return false;
            if (seen.size() >= max) {
                seen.values().removeIf(t -> t < now);
                while (seen.size() >= max) seen.pollFirstEntry();
            }
            seen.remove(key);
            seen.put(key, expiresAt);
            return true;
        }

        synchronized int size() {
            return seen.size();
        }
    }
}
