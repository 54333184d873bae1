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
 * @param preset    the application this system is ({@code hubspot}), whose defaults it took; null: none
 * @param webhooks  how the application's webhooks are checked and read; null: it sends none
 */
public record RestSystemConfig(URI baseUrl, Auth auth, Duration timeout, double requestsPerSecond, int maxConcurrency,
                               int maxRetries, Duration maxRetryAfter, Map<String, Resource> resources, String preset, Webhooks webhooks) {

    /** The system presets: an application whose base URL and request budget twoway knows. */
    public static final List<String> SYSTEM_PRESETS = List.of("hubspot");
    /** The resource presets, each of the system preset before its '-'. */
    public static final List<String> RESOURCE_PRESETS = List.of("hubspot-contacts", "hubspot-companies");

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
     * @param preset     a resource twoway knows ({@code hubspot-contacts}): the connector takes its path, pointers,
     *                   paging and conditional writes from it, and only {@code overlap} and {@code deletes} here
     *                   count; null: none
     */
    public record Resource(String name, String path, String itemPath, String items, String item, String id, List<String> fields,
                           String modifiedAt, String modifiedSince, Map<String, String> listQuery, Paging paging, String update,
                           Conditional conditional, String versionField, Duration overlap, Deletes deletes, Preset preset) {
    }

    /**
     * A preset resource.
     *
     * @param name       {@code hubspot-contacts}, {@code hubspot-companies}
     * @param properties the HubSpot properties to read besides the ones the syncs map (as {@code /properties/<name>})
     */
    public record Preset(String name, List<String> properties) {
        public Preset {
            properties = List.copyOf(properties);
        }
    }

    /** How a webhook's signature is made. */
    public enum SignatureStyle { HUBSPOT_V3, GITHUB, GENERIC }

    /**
     * The application's webhooks, served by {@code twoway run} at {@code POST /webhooks/<system>}.
     *
     * @param secret          the HMAC key (HubSpot: the app's client secret)
     * @param publicUrl       the URL as registered at the application; null: the one the request arrived at
     * @param tolerance       how far a signed timestamp may be from now; replays are refused within twice this
     * @param maxBodyBytes    larger bodies are refused with 413
     * @param coalesce        how long a woken source waits for more notifications before it fetches
     * @param header          generic: the header holding the signature
     * @param base64          generic: the signature is base64 (else hex)
     * @param prefix          generic: text before the signature ({@code sha256=}); "" for none
     * @param timestampHeader generic: the header holding the signed time; null: the body alone is signed
     * @param events          JSON Pointer to the array of events ("" = the body)
     * @param id              JSON Pointer, in an event, to the changed item's id
     * @param type            JSON Pointer, in an event, to its type; null: every event concerns {@code resource}
     * @param entities        a type's text before its first '.' → the resource it concerns
     * @param resource        the resource of events without a (known) type; null: such events are ignored
     * @param item            JSON Pointer to the whole item in an event, trusted instead of fetched; null: fetch
     */
    public record Webhooks(SignatureStyle signature, Secret secret, URI publicUrl, Duration tolerance, int maxBodyBytes, Duration coalesce,
                           String header, boolean base64, String prefix, String timestampHeader,
                           String events, String id, String type, Map<String, String> entities, String resource, String item) {
        @Override
        public String toString() {
            return "Webhooks[" + signature + ", secret=***, publicUrl=" + publicUrl + "]";
        }
    }
}
