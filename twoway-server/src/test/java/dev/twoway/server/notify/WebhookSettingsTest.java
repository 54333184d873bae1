package dev.twoway.server.notify;

import dev.twoway.config.Secret;
import dev.twoway.config.TwowayConfig;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookSettingsTest {

    @Test
    void theConfigAcceptsExactlyTheEventsTheNotifierSends() {
        assertThat(TwowayConfig.Webhook.EVENTS).containsExactlyElementsOf(Arrays.stream(EventType.values()).map(EventType::wireName).toList());
    }

    @Test
    void settingsComeFromTheConfigWithTheirEventsFormatAndSecret() {
        TwowayConfig.Webhook w = new TwowayConfig.Webhook("ops", URI.create("https://hooks.example.com/T0KEN"), TwowayConfig.WebhookFormat.SLACK,
                new Secret("a-secret-of-16-bytes"), List.of("system.down", "system.up"), Duration.ofSeconds(3), 4, true);
        WebhookSettings s = WebhookSettings.of(w);
        assertThat(s.events()).containsExactlyInAnyOrder(EventType.SYSTEM_DOWN, EventType.SYSTEM_UP);
        assertThat(s.format()).isEqualTo(WebhookSettings.Format.SLACK);
        assertThat(s.secret().reveal()).isEqualTo("a-secret-of-16-bytes");
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.maxAttempts()).isEqualTo(4);
        assertThat(s.includeValues()).isTrue();
    }

    @Test
    void neitherTheUrlsPathNorTheSecretIsShown() {
        WebhookSettings s = new WebhookSettings("ops", URI.create("https://hooks.slack.com/services/T0KEN"), new Secret("a-secret-of-16-bytes"),
                EnumSet.allOf(EventType.class), WebhookSettings.Format.JSON, Duration.ofSeconds(10), 8, false);
        assertThat(s.toString()).contains("hooks.slack.com").doesNotContain("T0KEN").doesNotContain("a-secret-of-16-bytes");
        assertThat(s.describe()).isEqualTo("'ops' (hooks.slack.com)");
    }

    @Test
    void aJsonWebhookWithoutASecretIsRefused() {
        assertThatThrownBy(() -> new WebhookSettings("ops", URI.create("https://x.example.com/"), null, EnumSet.allOf(EventType.class),
                WebhookSettings.Format.JSON, Duration.ofSeconds(10), 8, false)).hasMessageContaining("a json webhook needs a secret");
    }
}
