package dev.twoway.server.ui;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Web UI sessions, kept in memory only (a restart logs everyone out). A session belongs to one API key: it holds the
 * key's id, never the key, so each request looks the key up again and a revoked key or a changed role takes effect
 * at the next request. A session ends when idle for {@code idle}, {@code absolute} after login, or at logout.
 *
 * <p>Ids and CSRF tokens are 256 random bits from {@link SecureRandom}; the map is keyed by the id's SHA-256 so a heap
 * dump does not hand out live cookies.
 */
public final class Sessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One logged-in browser. {@code csrf} must come back with every POST. */
    public record Session(String keyId, String user, String csrf, Instant created, Instant lastSeen) {
        Session seen(Instant now) {
            return new Session(keyId, user, csrf, created, now);
        }
    }

    private final Map<String, Session> byIdHash = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration idle;
    private final Duration absolute;

    public Sessions(Clock clock, Duration idle, Duration absolute) {
        this.clock = clock;
        this.idle = idle;
        this.absolute = absolute;
    }

    /** Starts a session for a key; returns the session id to put in the cookie. */
    public String start(String keyId, String user) {
        purge();
        String id = randomToken();
        Instant now = clock.instant();
        byIdHash.put(hash(id), new Session(keyId, user, randomToken(), now, now));
        return id;
    }

    /** The live session of this id (touching it), or empty when unknown, idle too long or too old. */
    public Optional<Session> find(String id) {
        if (id == null || id.isEmpty()) return Optional.empty();
        String h = hash(id);
        Instant now = clock.instant();
        Session s = byIdHash.get(h);
        if (s == null) return Optional.empty();
        if (expired(s, now)) {
            byIdHash.remove(h);
            return Optional.empty();
        }
        Session touched = s.seen(now);
        byIdHash.put(h, touched);
        return Optional.of(touched);
    }

    public void end(String id) {
        if (id != null) byIdHash.remove(hash(id));
    }

    /** Ends every session of a key (it was revoked or no longer found). */
    public void endAllOf(String keyId) {
        byIdHash.values().removeIf(s -> s.keyId().equals(keyId));
    }

    public int size() {
        return byIdHash.size();
    }

    /** Constant-time comparison of a submitted CSRF token with the session's. */
    public static boolean csrfMatches(Session s, String submitted) {
        if (submitted == null) return false;
        return MessageDigest.isEqual(s.csrf().getBytes(StandardCharsets.US_ASCII), submitted.getBytes(StandardCharsets.US_ASCII));
    }

    private boolean expired(Session s, Instant now) {
        return now.isAfter(s.lastSeen().plus(idle)) || now.isAfter(s.created().plus(absolute));
    }

    private void purge() {
        Instant now = clock.instant();
        byIdHash.values().removeIf(s -> expired(s, now));
    }

    private static String randomToken() {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    private static String hash(String id) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
