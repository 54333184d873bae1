package dev.twoway.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.twoway.config.Secret;
import dev.twoway.spi.SystemUnavailableException;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The access token of one system's {@link RestSystem.Auth.OAuth2}: fetched on first use, kept until shortly before
 * it expires (a fifth of its lifetime, at most 60 s early), renewed then, or when the API refused it (401). Threads
 * needing a token while one renews wait for that renewal instead of starting their own.
 *
 * <p>A provider that rotates refresh tokens answers each refresh-token grant with a new one and revokes the old. The
 * new one is used from then on and kept in a file of the state directory (owner read/write only), with a fingerprint
 * of the configured refresh token: after a restart the kept one is used while the configuration still holds the
 * same refresh token (which the provider has revoked), and the configured one as soon as someone replaces it.
 *
 * <p>Neither the client secret, the refresh token nor the access token appears in a message or log line; errors of
 * the token endpoint quote its {@code error} and {@code error_description} only.
 */
final class OAuth2Tokens {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OAuth2Tokens.class);

    private record Token(String value, Instant renewAt) {
        @Override
        public String toString() {
            return "Token[***, renewAt=" + renewAt + "]";
        }
    }

    private final String system;
    private final RestSystem.Auth.OAuth2 auth;
    private final HttpClient http;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Token token;
    private volatile Secret refreshToken;
    private volatile int renewals;
    /** Where a rotated refresh token is kept (null: in memory only). */
    private final java.nio.file.Path keep;

    OAuth2Tokens(String system, RestSystem.Auth.OAuth2 auth, HttpClient http, Duration timeout, java.nio.file.Path keep) {
        this.system = system;
        this.auth = auth;
        this.http = http;
        this.timeout = timeout;
        this.keep = keep;
        this.refreshToken = auth.refreshToken() == null ? null : kept(auth.refreshToken());
    }

    /** The refresh token kept after a rotation, if it was kept for this configured one; else the configured one. */
    private Secret kept(Secret configured) {
        if (keep == null || !java.nio.file.Files.exists(keep)) return configured;
        try {
            JsonNode k = RestAccess.JSON.readTree(java.nio.file.Files.readString(keep));
            if (fingerprint(configured).equals(k.path("configured").asText()) && k.path("refreshToken").isTextual()) {
                log.info("{}: using the refresh token the provider rotated to, kept in {}", system, keep);
                return new Secret(k.get("refreshToken").asText());
            }
            log.info("{}: the configured refresh token changed since {} was written; using the configured one", system, keep);
        } catch (IOException | RuntimeException e) {
            log.warn("{}: cannot read {} ({}); using the configured refresh token", system, keep, e.getClass().getSimpleName());
        }
        return configured;
    }

    /** Keeps a rotated refresh token for the next start; a failure is logged, never fatal (the token works now). */
    private void keepRotated(Secret rotated) {
        if (keep == null) return;
        try {
            String json = RestAccess.JSON.createObjectNode().put("configured", fingerprint(auth.refreshToken()))
                    .put("refreshToken", rotated.reveal()).toString();
            java.nio.file.Path dir = keep.toAbsolutePath().getParent();
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile(dir, ".oauth2-", ".tmp");
            try {
                try {
                    java.nio.file.Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    // a file system without POSIX permissions: the state directory's own protection applies
                }
                java.nio.file.Files.writeString(tmp, json);
                java.nio.file.Files.move(tmp, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                java.nio.file.Files.deleteIfExists(tmp);
            }
            log.info("{}: the provider rotated the refresh token; the new one is kept in {} for the next start", system, keep);
        } catch (IOException e) {
            log.warn("{}: the provider rotated the refresh token, but it could not be kept in {} ({}): after a restart the configured one"
                    + " (now revoked) is used; give twoway a new refresh token then", system, keep, e.getClass().getSimpleName());
        }
    }

    /** SHA-256 of a secret, hex: recognizes the configured refresh token without storing it. */
    private static String fingerprint(Secret s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(s.reveal().getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token believed valid: the cached one, or a new one when it is about to expire. */
    String current() {
        Token t = token;
        if (t != null && Instant.now().isBefore(t.renewAt())) return t.value();
        lock.lock();
        try {
            t = token;
            if (t != null && Instant.now().isBefore(t.renewAt())) return t.value();
            return fetch().value();
        } finally {
            lock.unlock();
        }
    }

    /** The API refused {@code rejected}: a new token, unless another thread has already replaced it. */
    String renewAfterRejection(String rejected) {
        lock.lock();
        try {
            Token t = token;
            if (t != null && !t.value().equals(rejected) && Instant.now().isBefore(t.renewAt())) return t.value();
            return fetch().value();
        } finally {
            lock.unlock();
        }
    }

    /** How many tokens were fetched (for tests and status). */
    int renewals() {
        return renewals;
    }

    private Token fetch() {
        Map<String, String> form = new LinkedHashMap<>();
        Secret refresh = refreshToken;
        if (refresh != null) {
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", refresh.reveal());
        } else {
            form.put("grant_type", "client_credentials");
        }
        if (auth.scope() != null && !auth.scope().isBlank()) form.put("scope", auth.scope());
        HttpRequest.Builder b = HttpRequest.newBuilder(auth.tokenUrl()).timeout(timeout)
                .header("Accept", "application/json").header("Content-Type", "application/x-www-form-urlencoded");
        if (auth.credentialsInBody() || auth.clientSecret() == null) {
            form.put("client_id", auth.clientId());
            if (auth.clientSecret() != null) form.put("client_secret", auth.clientSecret().reveal());
        } else {
            // RFC 6749 2.3.1: both form-encoded before they are joined
            String pair = RestClient.formEnc(auth.clientId()) + ":" + RestClient.formEnc(auth.clientSecret().reveal());
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(RestClient.formEnc(k)).append('=').append(RestClient.formEnc(v)));
        String what = "POST " + auth.tokenUrl().getRawPath() + " (" + form.get("grant_type") + " grant)";
        HttpResponse<String> r;
        try {
            r = http.send(b.POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SystemUnavailableException(system, "interrupted during " + what, e);
        } catch (IOException e) {
            throw new SystemUnavailableException(system, what + " to the OAuth2 token endpoint failed: " + e.getClass().getSimpleName()
                    + " (is " + auth.tokenUrl().getAuthority() + " up?)", e);
        }
        JsonNode json;
        try {
            json = r.body() == null || r.body().isBlank() ? RestAccess.JSON.createObjectNode() : RestAccess.JSON.readTree(r.body());
        } catch (IOException e) {
            json = RestAccess.JSON.createObjectNode();
        }
        if (r.statusCode() >= 500 || r.statusCode() == 429) {
            throw new SystemUnavailableException(system, what + " answered " + r.statusCode() + " (the token endpoint is unavailable; twoway tries again later)");
        }
        if (r.statusCode() != 200 || !json.path("access_token").isTextual()) {
            String error = json.path("error").asText("");
            String desc = json.path("error_description").asText("");
            throw new IllegalStateException(system + ": " + what + " answered " + r.statusCode()
                    + (error.isEmpty() ? " without an access_token" : ": " + error + (desc.isEmpty() ? "" : " (" + desc + ")"))
                    + "; check the system's oauth2 token-url, client-id, client-secret"
                    + (refresh != null ? " and refresh-token (a revoked or expired refresh token needs a new authorization)" : " and scope"));
        }
        if (json.path("refresh_token").isTextual() && refresh != null && !json.get("refresh_token").asText().equals(refresh.reveal())) {
            refreshToken = new Secret(json.get("refresh_token").asText());
            keepRotated(refreshToken);
        }
        long expiresIn = json.path("expires_in").asLong(0);
        Instant now = Instant.now();
        // without expires_in the token is kept until the API refuses it
        Instant renewAt = expiresIn <= 0 ? Instant.MAX
                : now.plusMillis(expiresIn * 1000 - Math.min(60_000, expiresIn * 1000 / 5));
        Token t = new Token(json.get("access_token").asText(), renewAt);
        token = t;
        renewals++;
        log.debug("{}: OAuth2 access token renewed ({} grant, valid {} s)", system, form.get("grant_type"), expiresIn);
        return t;
    }
}
