package dev.twoway.server.notify;

import dev.twoway.config.Secret;
import dev.twoway.config.TwowayConfig;

import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One receiver of notifications.
 *
 * @param url           may hold a token (Slack's do): {@link #toString()} and every log line show only its host
 * @param secret        the HMAC key; null only for {@link Format#SLACK} (then deliveries are not signed)
 * @param includeValues whether {@code conflict.waiting} carries the conflicting values
 */
public record WebhookSettings(String name, URI url, Secret secret, Set<EventType> events, Format format, Duration timeout,
                              int maxAttempts, boolean includeValues) {

    public enum Format { JSON, SLACK }

    public WebhookSettings {
        Objects.requireNonNull(name);
        Objects.requireNonNull(url);
        Objects.requireNonNull(format);
        if (secret == null && format == Format.JSON) throw new IllegalArgumentException("webhook '" + name + "': a json webhook needs a secret");
        if (maxAttempts < 1) throw new IllegalArgumentException("webhook '" + name + "': max attempts must be at least 1");
        events = Set.copyOf(events);
    }

    /** The settings the config gives. */
    public static WebhookSettings of(TwowayConfig.Webhook w) {
        Set<EventType> events = EnumSet.noneOf(EventType.class);
        for (String e : w.events()) {
            events.add(EventType.of(e).orElseThrow(() -> new IllegalArgumentException("webhook '" + w.name() + "': unknown event '" + e + "'")));
        }
        return new WebhookSettings(w.name(), w.url(), w.secret(), events, Format.valueOf(w.format().name()), w.timeout(), w.maxAttempts(), w.includeValues());
    }

    /** The receiver as logs show it: name and host, never the path (a Slack URL's path is its token). */
    public String describe() {
        return "'" + name + "' (" + url.getHost() + ")";
    }

    @Override
    public String toString() {
        return "WebhookSettings[" + describe() + ", " + format + ", " + events + "]";
    }
}
