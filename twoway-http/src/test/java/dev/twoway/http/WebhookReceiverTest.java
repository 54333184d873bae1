package dev.twoway.http;

import dev.twoway.config.Secret;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Signature styles, timestamp tolerance, replays, sizes and bodies of {@link WebhookReceiver}, and the inbox it fills. */
class WebhookReceiverTest {
    private static final URI URL = URI.create("https://twoway.example.com/webhooks/hubspot");
    private static final String SECRET = "app-secret";
    private final Instant now = Instant.parse("2026-01-01T12:00:00Z");
    private final WebhookInbox inbox = new WebhookInbox(1000);

    private WebhookReceiver hubSpot() {
        return new WebhookReceiver("hubspot", HubSpot.webhooks(new Secret(SECRET), URL), inbox, Clock.fixed(now, ZoneOffset.UTC));
    }

    private static String events(long... ids) {
        StringBuilder b = new StringBuilder("[");
        for (long id : ids) b.append(b.length() > 1 ? "," : "").append("{\"eventId\":").append(id).append(",\"subscriptionType\":\"contact.propertyChange\",\"objectId\":").append(id).append('}');
        return b.append(']').toString();
    }

    private static Map<String, List<String>> v3(String method, URI url, String body, long ts, String secret) {
        String sig = Base64.getEncoder().encodeToString(WebhookReceiver.hmac(secret, (method + url + body + ts).getBytes(StandardCharsets.UTF_8)));
        return Map.of("X-HubSpot-Signature-v3", List.of(sig), "X-HubSpot-Request-Timestamp", List.of(String.valueOf(ts)));
    }

    private WebhookReceiver.Result post(WebhookReceiver r, String body, Map<String, List<String>> headers) {
        return r.receive("POST", URI.create("http://10.0.0.5:8080/webhooks/hubspot"), headers, body.getBytes(StandardCharsets.UTF_8), "10.0.0.9");
    }

    @Test
    void aValidHubSpotV3WebhookQueuesItsIdsOncePerId() {
        WebhookReceiver r = hubSpot();
        String body = events(7, 8, 7, 7);
        assertThat(post(r, body, v3("POST", URL, body, now.toEpochMilli(), SECRET)).status()).isEqualTo(202);
        assertThat(inbox.waiting("contacts")).as("three notifications of 7 coalesced").isEqualTo(2);
        assertThat(inbox.take("contacts", 10)).extracting(WebhookInbox.Notice::id).containsExactly("7", "8");
    }

    @Test
    void aPlusOfTheSignatureTurnedIntoASpaceStillMatches() {
        WebhookReceiver r = hubSpot();
        for (long id = 1; id < 200; id++) { // find a body whose signature has a '+'
            String body = events(id);
            Map<String, List<String>> h = v3("POST", URL, body, now.toEpochMilli(), SECRET);
            String sig = h.get("X-HubSpot-Signature-v3").getFirst();
            if (!sig.contains("+")) continue;
            Map<String, List<String>> spaced = Map.of("X-HubSpot-Signature-v3", List.of(sig.replace('+', ' ')),
                    "X-HubSpot-Request-Timestamp", h.get("X-HubSpot-Request-Timestamp"));
            assertThat(post(r, body, spaced).status()).isEqualTo(202);
            return;
        }
        throw new AssertionError("no signature with a '+' among 199 bodies");
    }

    @Test
    void badStaleUnsignedAndReplayedWebhooksAreRefused() {
        WebhookReceiver r = hubSpot();
        String body = events(1);
        assertThat(post(r, body, v3("POST", URL, body, now.toEpochMilli(), "wrong")).status()).isEqualTo(401);
        assertThat(post(r, body, v3("POST", URI.create("https://elsewhere/webhooks/hubspot"), body, now.toEpochMilli(), SECRET)).status()).isEqualTo(401);
        assertThat(post(r, body, v3("POST", URL, body, now.minus(Duration.ofMinutes(6)).toEpochMilli(), SECRET)).status()).isEqualTo(401);
        assertThat(post(r, body, v3("POST", URL, body, now.plus(Duration.ofMinutes(6)).toEpochMilli(), SECRET)).status()).isEqualTo(401);
        assertThat(post(r, body, Map.of()).message()).contains("unsigned");
        Map<String, List<String>> ok = v3("POST", URL, body, now.minus(Duration.ofMinutes(4)).toEpochMilli(), SECRET);
        assertThat(post(r, body, ok).status()).isEqualTo(202);
        WebhookReceiver.Result again = post(r, body, ok);
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.message()).contains("replayed");
        // a tampered body with the valid signature
        assertThat(post(r, events(2), ok).status()).isEqualTo(401);
        assertThat(inbox.take("contacts", 10)).extracting(WebhookInbox.Notice::id).containsExactly("1");
    }

    @Test
    void oversizedAndNonJsonBodiesAreRefused() {
        WebhookSettings s = new WebhookSettings(new WebhookSettings.Signature.HubSpotV3(new Secret(SECRET)), URL, null, 64, null,
                WebhookSettings.Notifications.hubSpot(Map.of("contact", "contacts")));
        WebhookReceiver r = new WebhookReceiver("hubspot", s, inbox, Clock.fixed(now, ZoneOffset.UTC));
        String big = events(1, 2, 3, 4, 5, 6);
        assertThat(post(r, big, v3("POST", URL, big, now.toEpochMilli(), SECRET)).status()).isEqualTo(413);
        String notJson = "{nope";
        assertThat(post(r, notJson, v3("POST", URL, notJson, now.toEpochMilli(), SECRET)).status()).isEqualTo(400);
        String noId = "[{\"subscriptionType\":\"contact.creation\"}]";
        assertThat(post(r, noId, v3("POST", URL, noId, now.toEpochMilli() + 1, SECRET)).status()).isEqualTo(400);
        assertThat(inbox.waiting("contacts")).isZero();
    }

    @Test
    void eventsOfTypesNotSyncedAreIgnored() {
        WebhookReceiver r = hubSpot();
        String body = "[{\"subscriptionType\":\"deal.creation\",\"objectId\":5},{\"subscriptionType\":\"company.propertyChange\",\"objectId\":6}]";
        assertThat(post(r, body, v3("POST", URL, body, now.toEpochMilli(), SECRET)).status()).isEqualTo(202);
        assertThat(inbox.waiting("contacts")).isZero();
        assertThat(inbox.waiting("companies")).isEqualTo(1);
    }

    @Test
    void gitHubStyleSignatures() {
        WebhookSettings s = new WebhookSettings(new WebhookSettings.Signature.GitHub(new Secret("gh")), null, null, 0, null,
                new WebhookSettings.Notifications("", "/id", null, null, "items", null));
        WebhookReceiver r = new WebhookReceiver("gh", s, inbox, Clock.fixed(now, ZoneOffset.UTC));
        String body = "{\"id\":42}";
        String sig = "sha256=" + HexFormat.of().formatHex(WebhookReceiver.hmac("gh", body.getBytes(StandardCharsets.UTF_8)));
        Map<String, List<String>> h = Map.of("X-Hub-Signature-256", List.of(sig), "X-GitHub-Delivery", List.of("d-1"));
        assertThat(post(r, body, h).status()).isEqualTo(202);
        assertThat(post(r, body, h).status()).as("the same delivery again").isEqualTo(401);
        assertThat(post(r, body, Map.of("X-Hub-Signature-256", List.of("sha256=00"), "X-GitHub-Delivery", List.of("d-2"))).status()).isEqualTo(401);
        assertThat(inbox.take("items", 10)).extracting(WebhookInbox.Notice::id).containsExactly("42");
    }

    @Test
    void genericHmacOverTimestampAndBodyInBase64() {
        WebhookSettings s = new WebhookSettings(new WebhookSettings.Signature.Hmac("X-Signature", new Secret("k"), true, "v1=", "X-Timestamp"), null,
                Duration.ofSeconds(30), 0, null, new WebhookSettings.Notifications("/changes", "/record/id", null, null, "orders", "/record"));
        WebhookReceiver r = new WebhookReceiver("shop", s, inbox, Clock.fixed(now, ZoneOffset.UTC));
        String body = "{\"changes\":[{\"record\":{\"id\":\"o-1\",\"total\":5}}]}";
        long ts = now.getEpochSecond();
        String sig = "v1=" + Base64.getEncoder().encodeToString(WebhookReceiver.hmac("k", (ts + "." + body).getBytes(StandardCharsets.UTF_8)));
        assertThat(post(r, body, Map.of("X-Signature", List.of(sig), "X-Timestamp", List.of(String.valueOf(ts - 60)))).status())
                .as("signed for another time").isEqualTo(401);
        assertThat(post(r, body, Map.of("X-Signature", List.of(sig), "X-Timestamp", List.of(String.valueOf(ts)))).status()).isEqualTo(202);
        List<WebhookInbox.Notice> n = inbox.take("orders", 10);
        assertThat(n).extracting(WebhookInbox.Notice::id).containsExactly("o-1");
        assertThat(n.getFirst().item().path("total").asInt()).as("the trusted payload item").isEqualTo(5);
    }

    @Test
    void theReplayGuardStaysBounded() {
        WebhookReceiver.ReplayGuard g = new WebhookReceiver.ReplayGuard(100);
        for (int i = 0; i < 1000; i++) assertThat(g.firstTime("s" + i, 10_000, 0)).isTrue();
        assertThat(g.size()).isLessThanOrEqualTo(100);
        assertThat(g.firstTime("s999", 10_000, 0)).isFalse();
    }
}
