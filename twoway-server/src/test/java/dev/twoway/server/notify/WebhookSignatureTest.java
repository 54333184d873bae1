package dev.twoway.server.notify;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static dev.twoway.server.notify.WebhookSignature.Check;
import static org.assertj.core.api.Assertions.assertThat;

class WebhookSignatureTest {
    private static final byte[] SECRET = "whsec-test-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
    private static final long TS = 1_700_000_000L;
    private static final Instant NOW = Instant.ofEpochSecond(TS + 30);

    @Test
    void signatureIsHmacSha256OverTimestampDotBodyInHexAsOpensslComputesIt() {
        // printf '%s' '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac 'whsec-test-0123456789'
        assertThat(WebhookSignature.sign(SECRET, TS, BODY)).isEqualTo("v1=7f849b5c4a4aadd4b1d80d84679ec6cc9833b2807e637eff7e5c0ff209c70cc8");
    }

    @Test
    void webhookSignaturesVerifyWithTheSameSecretWithinTheTolerance() {
        String sig = WebhookSignature.sign(SECRET, TS, BODY);
        assertThat(WebhookSignature.verify(SECRET, Long.toString(TS), sig, BODY, NOW, WebhookSignature.TOLERANCE)).isEqualTo(Check.VALID);
        assertThat(WebhookSignature.verify(SECRET, Long.toString(TS), "v1=00ff, " + sig, BODY, NOW, WebhookSignature.TOLERANCE))
                .as("any of several signatures (secret rotation)").isEqualTo(Check.VALID);
    }

    @Test
    void aTamperedBodyDoesNotVerify() {
        String sig = WebhookSignature.sign(SECRET, TS, BODY);
        byte[] tampered = "{\"id\":\"evt_2\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignature.verify(SECRET, Long.toString(TS), sig, tampered, NOW, WebhookSignature.TOLERANCE)).isEqualTo(Check.MISMATCH);
    }

    @Test
    void aChangedTimestampDoesNotVerifyBecauseItIsSigned() {
        String sig = WebhookSignature.sign(SECRET, TS, BODY);
        assertThat(WebhookSignature.verify(SECRET, Long.toString(TS + 1), sig, BODY, NOW, WebhookSignature.TOLERANCE)).isEqualTo(Check.MISMATCH);
    }

    @Test
    void anOldOrFutureTimestampIsStaleEvenWithAValidSignature() {
        long old = TS - 301;
        assertThat(WebhookSignature.verify(SECRET, Long.toString(old), WebhookSignature.sign(SECRET, old, BODY), BODY, Instant.ofEpochSecond(TS), Duration.ofMinutes(5)))
                .isEqualTo(Check.STALE);
        long future = TS + 301;
        assertThat(WebhookSignature.verify(SECRET, Long.toString(future), WebhookSignature.sign(SECRET, future, BODY), BODY, Instant.ofEpochSecond(TS), Duration.ofMinutes(5)))
                .isEqualTo(Check.STALE);
        long edge = TS - 300;
        assertThat(WebhookSignature.verify(SECRET, Long.toString(edge), WebhookSignature.sign(SECRET, edge, BODY), BODY, Instant.ofEpochSecond(TS), Duration.ofMinutes(5)))
                .isEqualTo(Check.VALID);
    }

    @Test
    void theWrongSecretDoesNotVerify() {
        String sig = WebhookSignature.sign("another-secret-0123456789".getBytes(StandardCharsets.UTF_8), TS, BODY);
        assertThat(WebhookSignature.verify(SECRET, Long.toString(TS), sig, BODY, NOW, WebhookSignature.TOLERANCE)).isEqualTo(Check.MISMATCH);
    }

    @Test
    void missingOrMalformedHeadersAreMalformed() {
        String sig = WebhookSignature.sign(SECRET, TS, BODY);
        assertThat(WebhookSignature.verify(SECRET, null, sig, BODY, NOW, WebhookSignature.TOLERANCE)).isEqualTo(Check.MALFORMED);
        assertThat(WebhookSignature.verify(SECRET, "yesterday", sig, BODY, NOW, WebhookSignature.TOLERANCE)).isEqualTo(Check.MALFORMED);
        assertThat(WebhookSignature.verify(SECRET, Long.toString(TS), null, BODY, NOW, WebhookSignature.TOLERANCE)).isEqualTo(Check.MALFORMED);
        assertThat(WebhookSignature.verify(SECRET, Long.toString(TS), sig.substring(3), BODY, NOW, WebhookSignature.TOLERANCE))
                .as("without the v1= scheme").isEqualTo(Check.MALFORMED);
        assertThat(WebhookSignature.verify(SECRET, Long.toString(TS), "v1=not-hex", BODY, NOW, WebhookSignature.TOLERANCE)).isEqualTo(Check.MALFORMED);
    }
}
