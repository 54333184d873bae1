package dev.twoway.http;

import dev.twoway.config.Secret;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Inbound webhooks of one system: how their signature is checked and how a notification names the changed items.
 * A notification is a change signal: twoway fetches the items it names (unless {@link Notifications#item} says the
 * payload carries them and may be trusted), and the poller stays as the safety net.
 *
 * @param signature   how a request proves it came from the system; unsigned requests are always refused
 * @param publicUrl   the URL the system posts to, exactly as registered there (scheme, host, path): HubSpot v3 signs it,
 *                    and behind a proxy it differs from what twoway sees; null: rebuilt from the request
 * @param tolerance   how old a signed timestamp may be (either way) before the request counts as stale; replays are
 *                    refused within it
 * @param maxBodyBytes larger bodies are refused with 413
 * @param coalesce    how long twoway collects notifications before fetching: many for one id become one fetch
 */
public record WebhookSettings(Signature signature, URI publicUrl, Duration tolerance, int maxBodyBytes, Duration coalesce,
                              Notifications notifications) {

    public WebhookSettings {
        Objects.requireNonNull(signature, "a webhook needs a signature check; unsigned webhooks are not accepted");
        if (tolerance == null) tolerance = Duration.ofMinutes(5);
        if (maxBodyBytes <= 0) maxBodyBytes = 1 << 20;
        if (coalesce == null) coalesce = Duration.ofMillis(250);
        Objects.requireNonNull(notifications);
    }

    /** How a request is signed. Every style is an HMAC-SHA256 with a shared secret; the secret is never logged. */
    public sealed interface Signature {
        /**
         * HubSpot's v3: {@code X-HubSpot-Signature-v3 = base64(HMAC-SHA256(client secret, method + URI + body + timestamp))},
         * timestamp (epoch ms) in {@code X-HubSpot-Request-Timestamp}.
         */
        record HubSpotV3(Secret clientSecret) implements Signature {
        }

        /**
         * GitHub's: {@code X-Hub-Signature-256: sha256=<hex HMAC of the body>}. It has no timestamp: replays are refused by
         * the {@code X-GitHub-Delivery} id within the tolerance window only.
         */
        record GitHub(Secret secret) implements Signature {
        }

        /**
         * Any other: the HMAC over {@code <timestamp>.<body>} (or over the body alone when {@code timestampHeader} is
         * null) in header {@code header}, hex or base64, optionally after a prefix such as {@code sha256=}.
         *
         * @param timestampHeader the header carrying the time (epoch seconds or milliseconds); null: none
         */
        record Hmac(String header, Secret secret, boolean base64, String prefix, String timestampHeader) implements Signature {
            public Hmac {
                Objects.requireNonNull(header, "a generic webhook signature needs the header it comes in");
                Objects.requireNonNull(secret);
                if (prefix == null) prefix = "";
            }
        }
    }

    /**
     * Where a notification names its items.
     *
     * @param events   JSON Pointer to the array of events; empty: the body is one event or an array of events
     * @param id       JSON Pointer, in an event, to the changed item's id ({@code /objectId})
     * @param type     JSON Pointer, in an event, to its type ({@code /subscriptionType}); null: every event is of
     *                 {@code defaultEntity}
     * @param entities the text of the type before its first '.' ({@code contact} of {@code contact.propertyChange})
     *                 → the entity it concerns; events of other types are ignored
     * @param item     JSON Pointer, in an event, to the whole item, trusted as is instead of fetched; null: fetch
     */
    public record Notifications(String events, String id, String type, Map<String, String> entities, String defaultEntity, String item) {
        public Notifications {
            if (events == null) events = "";
            Objects.requireNonNull(id, "a webhook needs the pointer to the changed item's id in a notification");
            entities = entities == null ? Map.of() : Map.copyOf(entities);
            if (type == null && defaultEntity == null) {
                throw new IllegalArgumentException("a webhook needs a type pointer with entities, or the default entity its notifications concern");
            }
        }

        /** HubSpot's webhook events: {@code [{"objectId":…,"subscriptionType":"contact.propertyChange",…}]}. */
        public static Notifications hubSpot(Map<String, String> entities) {
            return new Notifications("", "/objectId", "/subscriptionType", entities, null, null);
        }
    }
}
