package dev.twoway.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A system with {@code connector: rest}: an HTTP application whose resources are the entities of syncs. Read by
 * {@link RestConfigReader}; the reference of every key is {@link ConfigReference} ({@code systems.<system>} for rest).
 *
 * @param resources by name; an endpoint of a sync names one with {@code resource:}
 */
public record RestSystemConfig(URI baseUrl, Auth auth, Duration timeout, double requestsPerSecond, int maxConcurrency,
                               int maxRetries, Duration maxRetryAfter, Map<String, Resource> resources) {

    /** How twoway signs in. Every secret comes from {@code ${env:…}} or {@code ${file:…}}. */
    public sealed interface Auth {
        record None() implements Auth {
        }

        record Bearer(Secret token) implements Auth {
        }

        /** @param inQuery the key travels as the query parameter {@code name} instead of a header */
        record ApiKey(String name, Secret key, boolean inQuery) implements Auth {
        }

        record Basic(String user, Secret password) implements Auth {
        }

        /**
         * OAuth2: client credentials, or a refresh token when {@code refreshToken} is set.
         *
         * @param clientSecret      null only for a public client with a refresh token
         * @param credentialsInBody the client id and secret go to the token endpoint as form fields
         *                          ({@code client-auth: body}, as HubSpot wants) rather than HTTP basic
         */
        record OAuth2(URI tokenUrl, String clientId, Secret clientSecret, String scope, Secret refreshToken, boolean credentialsInBody) implements Auth {
        }
    }

    /** How writes are kept from overwriting a change made meanwhile (always after comparing the values read). */
    public enum Conditional { READ_COMPARE_WRITE, ETAG, VERSION }

    /** How a resource's list is paged; the parameters are null where the style has none. */
    public record Paging(String style, String pageParam, String sizeParam, int size, int firstPage, String cursorParam, String cursorPointer) {
        public static final Paging DEFAULT = new Paging("page", "page", "limit", 100, 1, null, null);
    }

    /** How deletes in the API are seen. */
    public sealed interface Deletes {
        /** Hard deletes nobody reports: only a full list can show them, and only if asked for. */
        record None() implements Deletes {
        }

        record IdScan(Duration every) implements Deletes {
        }

        /** @param value the JSON text of the value meaning deleted ({@code true}, {@code "archived"}) */
        record DeletedFlag(String field, String value) implements Deletes {
        }

        record Tombstones(String path, String sinceParam, String items, String id, String deletedAt) implements Deletes {
        }
    }

    /**
     * One resource.
     *
     * @param fields     extra fields to read (names or JSON Pointers) besides the ones mapped in syncs
     * @param modifiedAt JSON Pointer to the modification time; null: every poll lists everything
     */
    public record Resource(String name, String path, String itemPath, String items, String item, String id, List<String> fields,
                           String modifiedAt, String modifiedSince, Map<String, String> listQuery, Paging paging, String update,
                           Conditional conditional, String versionField, Duration overlap, Deletes deletes) {
    }
}
