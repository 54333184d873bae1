package dev.twoway.server.notify;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Signs webhook deliveries and checks them, as a receiver should (docs/notifications.md has the same recipe in Python
 * and shell):
 * <ol>
 *   <li>take {@code X-Twoway-Timestamp} (unix seconds) and the raw request body, byte for byte;</li>
 *   <li>compute HMAC-SHA256 with the shared secret (its UTF-8 bytes) over {@code <timestamp> + "." + <body>}, in hex;</li>
 *   <li>compare it, in constant time, with each {@code v1=<hex>} of {@code X-Twoway-Signature} (comma-separated);</li>
 *   <li>refuse a timestamp further than the tolerance (5 minutes) from your clock, so a captured request cannot be
 *       replayed later; drop repeated {@code X-Twoway-Delivery} ids, as a delivery may come more than once.</li>
 * </ol>
 * The timestamp is inside the signed text, so it cannot be changed without breaking the signature.
 */
public final class WebhookSignature {
    public static final String EVENT = "X-Twoway-Event";
    public static final String DELIVERY = "X-Twoway-Delivery";
    public static final String TIMESTAMP = "X-Twoway-Timestamp";
    public static final String SIGNATURE = "X-Twoway-Signature";
    /** How far a delivery's timestamp may be from the receiver's clock. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    /** The outcome of {@link #verify}. */
    public enum Check {
        VALID,
        /** The headers are missing or not in the expected form. */
        MALFORMED,
        /** The timestamp is outside the tolerance: a replay, or a clock far off. */
        STALE,
        /** No signature matches: another secret, or the body or timestamp was changed. */
        MISMATCH
    }

    private WebhookSignature() {
    }

    /** The {@code X-Twoway-Signature} value for {@code body} sent at {@code unixSeconds}: {@code v1=<hex>}. */
    public static String sign(byte[] secret, long unixSeconds, byte[] body) {
        return "v1=" + HexFormat.of().formatHex(hmac(secret, unixSeconds, body));
    }

    /** Checks a delivery's headers against its raw body and the receiver's clock. */
    public static Check verify(byte[] secret, String timestampHeader, String signatureHeader, byte[] body, Instant now, Duration tolerance) {
        if (timestampHeader == null || signatureHeader == null || !timestampHeader.trim().matches("\\d{1,12}")) return Check.MALFORMED;
        long ts = Long.parseLong(timestampHeader.trim());
        if (Math.abs(now.getEpochSecond() - ts) > tolerance.toSeconds()) return Check.STALE;
        byte[] expected = hmac(secret, ts, body);
        boolean any = false;
        for (String part : signatureHeader.split(",")) {
            String p = part.trim();
            if (!p.startsWith("v1=")) continue;
            byte[] given;
            try {
                given = HexFormat.of().parseHex(p.substring(3));
            } catch (IllegalArgumentException e) {
                continue; // not hex: cannot match; another v1 entry may
            }
            any = true;
            if (MessageDigest.isEqual(expected, given)) return Check.VALID; // constant time: no timing hint at the right bytes
        }
        return any ? Check.MISMATCH : Check.MALFORMED;
    }

    private static byte[] hmac(byte[] secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e); // every JDK has it
        }
    }
}
