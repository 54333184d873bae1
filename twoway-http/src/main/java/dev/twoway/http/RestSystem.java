package dev.twoway.http;

import dev.twoway.config.Secret;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * One HTTP application as a twoway system: where it is, how twoway signs in, and how hard twoway may use it.
 *
 * @param baseUrl           every resource path is resolved against it (e.g. {@code http://127.0.0.1:3000})
 * @param timeout           per request; a request that takes longer counts as the system being unavailable
 * @param requestsPerSecond the request budget: twoway never starts more requests than this per second
 * @param maxConcurrency    requests in flight at once
 * @param maxRetries        retries of one request after a 5xx, a timeout or a refused connection before the
 *                          system counts as unavailable
 * @param maxRetryAfter     the longest {@code Retry-After} twoway waits for inside one request; a longer one makes
 *                          the system count as unavailable (the engine queues and tries again later)
 */
public record RestSystem(String name, URI baseUrl, Auth auth, Duration timeout, double requestsPerSecond, int maxConcurrency,
                         int maxRetries, Duration maxRetryAfter) {

    public RestSystem {
        Objects.requireNonNull(name);
        Objects.requireNonNull(baseUrl);
        auth = auth == null ? new Auth.None() : auth;
        timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
        if (requestsPerSecond <= 0) requestsPerSecond = 50;
        if (maxConcurrency < 1) maxConcurrency = 4;
        if (maxRetries < 0) maxRetries = 3;
        maxRetryAfter = maxRetryAfter == null ? Duration.ofSeconds(60) : maxRetryAfter;
    }

    public static RestSystem of(String name, URI baseUrl, Auth auth) {
        return new RestSystem(name, baseUrl, auth, null, 0, 0, -1, null);
    }

    /** How twoway signs its requests. Secrets only ever leave as the header or parameter they belong in. */
    public sealed interface Auth {
        record None() implements Auth {
        }

        /** {@code Authorization: Bearer <token>}. */
        record Bearer(Secret token) implements Auth {
        }

        /** An API key in a header ({@code X-API-Key: <key>}) or, with {@code inQuery}, a query parameter. */
        record ApiKey(String name, Secret key, boolean inQuery) implements Auth {
        }

        /** HTTP basic: {@code Authorization: Basic base64(user:password)}. */
        record Basic(String user, Secret password) implements Auth {
        }
    }
}
