package dev.twoway.http;

import dev.twoway.config.Secret;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Presets for HubSpot's CRM v3 objects API, written from HubSpot's public documentation (tested against an emulator of
 * it, not HubSpot itself):
 * <ul>
 *   <li>list {@code GET /crm/v3/objects/<type>?limit=100&properties=…&archived=false}, items at {@code /results},
 *       next page's cursor at {@code /paging/next/after}, sent back as {@code after}</li>
 *   <li>changes since the watermark: {@code POST /crm/v3/objects/<type>/search} with a {@code filterGroups} filter
 *       {@code <modified property> GTE <epoch ms>}, sorted by it ascending, paged by {@code after}</li>
 *   <li>one item {@code GET …/<id>?properties=…}; create {@code POST} and update {@code PATCH} with
 *       {@code {"properties":{…}}}; delete {@code DELETE} (HubSpot archives the item)</li>
 *   <li>modification time: the object's {@code updatedAt}; the search filters on {@code lastmodifieddate} (contacts)
 *       or {@code hs_lastmodifieddate} (companies and other objects)</li>
 * </ul>
 * Fields are the properties as JSON Pointers ({@code /properties/email}); {@link Preset#mapping} names them by the
 * property name, for mapping onto columns of the same names.
 */
public final class HubSpot {
    /** HubSpot's API host. */
    public static final URI API = URI.create("https://api.hubapi.com");
    /** HubSpot's search endpoint refuses pages larger than this. */
    static final int SEARCH_PAGE_MAX = 200;

    private HubSpot() {
    }

    /**
     * A ready resource of one object type.
     *
     * @param entity   the entity name (contacts, companies)
     * @param mapping  property name → the field twoway reads and writes ({@code email → /properties/email})
     */
    public record Preset(String entity, RestResource resource, Search search, Map<String, String> mapping) {
    }

    /**
     * The search request used for the changes since the watermark.
     *
     * @param path             {@code /crm/v3/objects/<type>/search}
     * @param modifiedProperty the property the filter and the sort use
     * @param properties       the properties the search answers
     */
    public record Search(String path, String modifiedProperty, List<String> properties) {
        public Search {
            Objects.requireNonNull(path);
            Objects.requireNonNull(modifiedProperty);
            properties = List.copyOf(properties);
        }
    }

    /** HubSpot contacts with these properties (email, firstname, …). */
    public static Preset contacts(List<String> properties) {
        return objects("contacts", "lastmodifieddate", properties);
    }

    /** HubSpot companies with these properties (name, domain, …). */
    public static Preset companies(List<String> properties) {
        return objects("companies", "hs_lastmodifieddate", properties);
    }

    /** Any CRM v3 object type ({@code deals}, {@code tickets}, a custom object's id). */
    public static Preset objects(String type, String modifiedProperty, List<String> properties) {
        if (properties == null || properties.isEmpty()) {
            throw new IllegalArgumentException("a HubSpot preset needs the properties to sync (HubSpot answers only a default few without them), e.g. email, firstname, lastname");
        }
        for (String p : properties) {
            if (!p.matches("[A-Za-z0-9_]+")) throw new IllegalArgumentException("'" + p + "' is not a HubSpot property name (letters, digits and _ only)");
        }
        String path = "/crm/v3/objects/" + type;
        List<String> props = new ArrayList<>(properties);
        String joined = String.join(",", props);
        Map<String, String> mapping = new LinkedHashMap<>();
        List<String> fields = new ArrayList<>();
        for (String p : props) {
            mapping.put(p, "/properties/" + p);
            fields.add("/properties/" + p);
        }
        List<String> searched = new ArrayList<>(props);
        if (!searched.contains(modifiedProperty)) searched.add(modifiedProperty);
        RestResource r = new RestResource(path, path + "/{id}?properties=" + joined, "/results", "", "/id", "/updatedAt", modifiedProperty,
                Map.of("properties", joined, "archived", "false"), Paging.cursor("after", "/paging/next/after", "limit", 100), "PATCH", false,
                Duration.ofSeconds(2), Duration.ofMinutes(15), fields, null, null, null);
        return new Preset(type, r, new Search(path + "/search", modifiedProperty, searched), Map.copyOf(mapping));
    }

    /** A preset by its config name: {@code hubspot-contacts}, {@code hubspot-companies}. */
    public static Preset preset(String name, List<String> properties) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "hubspot-contacts" -> contacts(properties);
            case "hubspot-companies" -> companies(properties);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; known: hubspot-contacts, hubspot-companies");
        };
    }

    /**
     * A HubSpot account as a system. HubSpot's documented limits for private apps start at 100 requests per 10 s (and
     * 5 per second for search), so the budget defaults to 9 per second.
     *
     * @param baseUrl {@link #API}, or an emulator's
     */
    public static RestSystem system(String name, URI baseUrl, RestSystem.Auth auth, double requestsPerSecond) {
        return new RestSystem(name, baseUrl, auth, Duration.ofSeconds(30), requestsPerSecond > 0 ? requestsPerSecond : 9, 4, 3, Duration.ofSeconds(60));
    }

    /** A private app's access token ({@code pat-…}) as the auth. */
    public static RestSystem.Auth privateAppToken(Secret token) {
        return new RestSystem.Auth.Bearer(token);
    }

    /** A connector of these presets, with the search used for their changes. */
    public static RestConnector connector(RestSystem system, List<Preset> presets, Path workDir) {
        Map<String, RestResource> resources = new LinkedHashMap<>();
        for (Preset p : presets) resources.put(p.entity(), p.resource());
        RestConnector c = new RestConnector(system, resources, workDir);
        for (Preset p : presets) c.search(p.entity(), p.search());
        return c;
    }

    /**
     * HubSpot's v3-signed webhooks: {@code contact.*} events concern the {@code contacts} entity, {@code company.*}
     * events {@code companies}. Every event is fetched by its {@code objectId}.
     *
     * @param clientSecret the app's client secret (HubSpot signs with it)
     * @param publicUrl    the target URL exactly as registered in the app's webhook settings
     */
    public static WebhookSettings webhooks(Secret clientSecret, URI publicUrl) {
        return new WebhookSettings(new WebhookSettings.Signature.HubSpotV3(clientSecret), publicUrl, Duration.ofMinutes(5), 0, null,
                WebhookSettings.Notifications.hubSpot(Map.of("contact", "contacts", "company", "companies")));
    }
}
