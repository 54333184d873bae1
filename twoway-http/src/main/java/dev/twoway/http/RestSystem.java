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

        /**
         * OAuth2 (RFC 6749): an access token from {@code tokenUrl}, sent as {@code Authorization: Bearer}, kept until
         * shortly before it expires and renewed then, or at once when the API answers 401 (the request is retried once).
         * Without {@code refreshToken} the client-credentials grant is used, with it the refresh-token grant (a rotated
         * refresh token in the answer replaces it, and is kept in the connector's work directory across restarts
         * for as long as the configured one stays the same).
         *
         * @param clientSecret      may be null for a public client using a refresh token
         * @param scope             space-separated scopes to ask for; null: the client's default
         * @param credentialsInBody send {@code client_id}/{@code client_secret} as form fields instead of HTTP basic
         */
        record OAuth2(URI tokenUrl, String clientId, Secret clientSecret, String scope, Secret refreshToken, boolean credentialsInBody) implements Auth {
            public OAuth2 {
                Objects.requireNonNull(tokenUrl, "oauth2 needs a token URL");
                Objects.requireNonNull(clientId, "oauth2 needs a client id");
                if (clientSecret == null && refreshToken == null) {
                    throw new IllegalArgumentException("oauth2 needs a client secret (client-credentials grant) or a refresh token (refresh-token grant)");
                }
            }

            public OAuth2(URI tokenUrl, String clientId, Secret clientSecret, String scope, Secret refreshToken) {
                this(tokenUrl, clientId, clientSecret, scope, refreshToken, false);
            }

            @Override
            public String toString() {
                return "OAuth2[tokenUrl=" + tokenUrl.getScheme() + "://" + tokenUrl.getAuthority() + tokenUrl.getRawPath() + ", clientId=" + clientId
                        + ", clientSecret=***, scope=" + scope + ", refreshToken=" + (refreshToken == null ? "none" : "***") + "]";
            }
        }
    }
}
