package dev.twoway.http;

import dev.twoway.spi.SystemUnavailableException;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * The requests of one system: signed per its {@link RestSystem.Auth}, paced by its request budget, at most
 * {@code maxConcurrency} at once, {@code 429 Retry-After} honoured, 5xx / timeouts / refused connections retried with
 * backoff and then reported as {@link SystemUnavailableException}. Every other status is the caller's to judge.
 *
 * <p>Messages name the method and path only: never a header, and never the query (it may hold an API key).
 */
final class RestClient {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RestClient.class);

    record Response(int status, String body, Map<String, java.util.List<String>> headers) {
        Optional<String> header(String name) {
            for (var e : headers.entrySet()) if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) return Optional.of(e.getValue().getFirst());
            return Optional.empty();
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final RestSystem system;
    private final HttpClient http;
    private final Semaphore inFlight;
    private final long intervalNanos;
    private long nextSlot = System.nanoTime();
    private volatile Instant lastServerDate;
    private final OAuth2Tokens tokens;

    RestClient(RestSystem system) {
        this(system, null);
    }

    /** @param tokenFile where OAuth2 keeps a refresh token the provider rotated (null: in memory only) */
    RestClient(RestSystem system, java.nio.file.Path tokenFile) {
        this.system = system;
        this.http = HttpClient.newBuilder().connectTimeout(system.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        this.tokens = system.auth() instanceof RestSystem.Auth.OAuth2 o ? new OAuth2Tokens(system.name(), o, http, system.timeout(), tokenFile) : null;
        this.inFlight = new Semaphore(system.maxConcurrency(), true);
        this.intervalNanos = (long) (1_000_000_000L / system.requestsPerSecond());
    }

    RestSystem system() {
        return system;
    }

    /** The server's clock from the latest {@code Date} header, if any. */
    Optional<Instant> serverDate() {
        return Optional.ofNullable(lastServerDate);
    }

    /** The absolute URI of {@code path} (relative to the base URL) with {@code query} added (values encoded). */
    URI uri(String path, Map<String, String> query) {
        String base = system.baseUrl().toString();
        if (base.endsWith("/") && path.startsWith("/")) base = base.substring(0, base.length() - 1);
        StringBuilder s = new StringBuilder(base).append(path.startsWith("/") || path.isEmpty() ? "" : "/").append(path);
        Map<String, String> q = new LinkedHashMap<>(query);
        if (system.auth() instanceof RestSystem.Auth.ApiKey k && k.inQuery()) q.put(k.name(), k.key().reveal());
        return withQuery(URI.create(s.toString()), q);
    }

    /** {@code uri} with {@code query} added to the query it has (a {@code Link} URL), the API key too. */
    URI withAuthQuery(URI uri) {
        if (system.auth() instanceof RestSystem.Auth.ApiKey k && k.inQuery() && (uri.getRawQuery() == null || !uri.getRawQuery().contains(enc(k.name()) + "="))) {
            return withQuery(uri, Map.of(k.name(), k.key().reveal()));
        }
        return uri;
    }

    static URI withQuery(URI uri, Map<String, String> query) {
        if (query.isEmpty()) return uri;
        StringBuilder s = new StringBuilder(uri.toString());
        boolean first = uri.getRawQuery() == null;
        for (var e : query.entrySet()) {
            s.append(first ? '?' : '&').append(enc(e.getKey())).append('=').append(enc(e.getValue()));
            first = false;
        }
        return URI.create(s.toString());
    }

    /** {@code application/x-www-form-urlencoded}: spaces as {@code +}. */
    static String formEnc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** OAuth2 tokens fetched so far (0 without OAuth2). */
    int tokenRenewals() {
        return tokens == null ? 0 : tokens.renewals();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** What a message may show of a request: the method and the path, no query. */
    static String describe(String method, URI uri) {
        return method + " " + uri.getRawPath();
    }

    Response send(String method, URI uri, String jsonBody, Map<String, String> headers) {
        int attempt = 0;
        long backoffMs = 200;
        boolean renewed = false;
        while (true) {
            String bearer = tokens == null ? null : tokens.current(); // per attempt: a long Retry-After may outlive a token
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(system.timeout()).header("Accept", "application/json");
            headers.forEach(b::header);
            switch (system.auth()) {
                case RestSystem.Auth.Bearer t -> b.header("Authorization", "Bearer " + t.token().reveal());
                case RestSystem.Auth.Basic u -> b.header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((u.user() + ":" + u.password().reveal()).getBytes(StandardCharsets.UTF_8)));
                case RestSystem.Auth.ApiKey k when !k.inQuery() -> b.header(k.name(), k.key().reveal());
                case RestSystem.Auth.OAuth2 o -> b.header("Authorization", "Bearer " + bearer);
                default -> {
                }
            }
            if (jsonBody != null) b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
            else b.method(method, HttpRequest.BodyPublishers.noBody());
            String what = describe(method, uri);
            HttpResponse<String> r;
            try {
                pace();
                inFlight.acquire();
                try {
                    r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                } finally {
                    inFlight.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SystemUnavailableException(system.name(), "interrupted during " + what, e);
            } catch (HttpTimeoutException e) {
                if (++attempt > system.maxRetries()) {
                    throw new SystemUnavailableException(system.name(), what + " timed out after " + system.timeout().toMillis() + " ms (" + attempt + " attempts)", e);
                }
                sleep(backoffMs);
                backoffMs *= 2;
                continue;
            } catch (IOException e) {
                if (++attempt > system.maxRetries()) {
                    throw new SystemUnavailableException(system.name(), what + " failed: " + e + " (is " + system.baseUrl().getHost() + ":"
                            + system.baseUrl().getPort() + " up? " + attempt + " attempts)", e);
                }
                sleep(backoffMs);
                backoffMs *= 2;
                continue;
            }
            r.headers().firstValue("Date").ifPresent(this::noteDate);
            Response resp = new Response(r.statusCode(), r.body() == null ? "" : r.body(), r.headers().map());
            if (r.statusCode() == 401 && tokens != null && !renewed) {
                // expired or revoked before its time: one new token, one more try
                log.debug("{}: {} answered 401; renewing the OAuth2 token once", system.name(), what);
                tokens.renewAfterRejection(bearer);
                renewed = true;
                continue;
            }
            if (r.statusCode() == 429) {
                Duration wait = retryAfter(resp).orElse(Duration.ofMillis(backoffMs));
                if (wait.compareTo(system.maxRetryAfter()) > 0 || ++attempt > system.maxRetries() + 5) {
                    throw new SystemUnavailableException(system.name(), what + " was refused with 429 Too Many Requests; Retry-After " + wait.toSeconds()
                            + " s (lower requests-per-second for this system)");
                }
                log.debug("{}: {} answered 429; waiting {} ms as Retry-After says", system.name(), what, wait.toMillis());
                sleep(wait.toMillis());
                backoffMs *= 2;
                continue;
            }
            if (r.statusCode() >= 500 && r.statusCode() != 501) {
                if (++attempt > system.maxRetries()) return resp;
                sleep(retryAfter(resp).map(Duration::toMillis).orElse(backoffMs));
                backoffMs *= 2;
                continue;
            }
            return resp;
        }
    }

    private synchronized void pace() throws InterruptedException {
        long now = System.nanoTime();
        long slot = Math.max(now, nextSlot);
        nextSlot = slot + intervalNanos;
        long wait = slot - now;
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }

    private void noteDate(String date) {
        try {
            lastServerDate = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (RuntimeException ignored) {
            // a malformed Date header: the local clock serves
        }
    }

    /** {@code Retry-After} in seconds or as an HTTP date. */
    static Optional<Duration> retryAfter(Response r) {
        return r.header("Retry-After").flatMap(v -> {
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
            } catch (NumberFormatException e) {
                try {
                    Instant at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    return Optional.of(Duration.between(Instant.now(), at).isNegative() ? Duration.ZERO : Duration.between(Instant.now(), at));
                } catch (RuntimeException e2) {
                    return Optional.empty();
                }
            }
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
