package dev.twoway.config;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** {@code connector: rest} systems: every setting read, and every mistake reported at its line with a fix. */
class RestConfigTest {
    private static final Path FILE = Path.of("/tmp/twoway-rest-test/twoway.yaml");
    private static final Map<String, String> ENV = Map.of("API_TOKEN", "tok-123", "PG_PASSWORD", "pw", "CLIENT_SECRET", "cs-1");

    static final String YAML = """
            systems:
              db: { connector: postgres, url: "jdbc:postgresql://127.0.0.1:5432/crm", user: postgres }
              api:
                connector: rest
                base-url: http://127.0.0.1:3000
                allow-http: false
                auth: { type: bearer, token: "${env:API_TOKEN}" }
                timeout: 10s
                requests-per-second: 20
                max-concurrency: 2
                max-retries: 1
                max-retry-after: 30s
                resources:
                  customers:
                    path: /customers
                    item-path: /customers/{id}
                    item: ""
                    id: /id
                    fields: [/contact/phone]
                    modified-at: /updatedAt
                    modified-since: updatedAt_gte
                    list-query: { _sort: updatedAt, _order: asc }
                    paging: { style: page, page-param: _page, size-param: _limit, size: 50, first-page: 1 }
                    update: put
                    conditional: version
                    version-field: version
                    overlap: 1s
                    deletes: { detect: deleted-flag, field: archived, value: true }
                  orders:
                    path: /orders
                    items: /data
                    paging: { style: cursor, cursor-param: after, cursor-pointer: /next }
                    deletes: { detect: tombstone, path: /deleted/orders, since-param: since, items: /data, id: /item, deleted-at: /at }
                  invoices:
                    path: /invoices
                    deletes: { detect: id-scan, every: 10m }
            syncs:
              customers:
                endpoints:
                  db: { table: customers }
                  api: { resource: customers, direction: both }
                fields:
                  email: { db: email, api: /contact/email, match: true }
                  name: { db: name, api: name }
            """;

    /** A HubSpot account by its presets, with HubSpot's webhooks. */
    static final String HUBSPOT = """
            systems:
              db: { connector: postgres, url: "jdbc:postgresql://127.0.0.1:5432/crm", user: postgres }
              hubspot:
                connector: rest
                preset: hubspot
                auth: { type: bearer, token: "${env:API_TOKEN}" }
                resources:
                  contacts: { preset: hubspot-contacts, properties: [email, firstname], overlap: 5s }
                  companies: { preset: hubspot-companies, deletes: { detect: id-scan, every: 1h } }
                webhooks:
                  secret: "${env:CLIENT_SECRET}"
                  public-url: https://sync.example.com/webhooks/hubspot
                  tolerance: 2m
                  max-body-bytes: 65536
                  coalesce: 100ms
            syncs:
              contacts:
                endpoints:
                  db: { table: contacts }
                  hubspot: { resource: contacts }
                fields:
                  email: { db: email, hubspot: /properties/email, match: true }
            """;

    /** A generic webhook with every key of its own. */
    static final String GENERIC = YAML.replace("""
                  invoices:
                    path: /invoices
                    deletes: { detect: id-scan, every: 10m }
            """, """
                  invoices:
                    path: /invoices
                    deletes: { detect: id-scan, every: 10m }
                webhooks:
                  signature: generic
                  secret: "${env:CLIENT_SECRET}"
                  header: X-Signature
                  encoding: base64
                  prefix: "v1="
                  timestamp-header: X-Timestamp
                  events: /events
                  id: /data/id
                  type: /type
                  entities: { customer: customers, order: orders }
                  resource: invoices
                  trust-payload: true
                  item: /data
            """);

    /** The sections of rest systems; {@link #YAML}, {@link #HUBSPOT} and {@link #GENERIC} use each of their keys but the auth alternatives. */
    static final List<ConfigReference.Section> SECTIONS = List.of(ConfigReference.REST_SYSTEM, ConfigReference.REST_AUTH, ConfigReference.RESOURCE,
            ConfigReference.PAGING, ConfigReference.REST_DELETES, ConfigReference.REST_WEBHOOKS);

    @Test
    void everyKeyOfTheRestSectionsIsUsedInTheFullRestConfig() {
        java.util.Set<String> written = new java.util.HashSet<>(read(YAML).locations().keySet());
        written.addAll(read(HUBSPOT).locations().keySet());
        written.addAll(read(GENERIC).locations().keySet());
        List<String> unused = new java.util.ArrayList<>();
        for (ConfigReference.Section section : SECTIONS) {
            for (ConfigReference.Key key : section.keys()) {
                if (section == ConfigReference.REST_AUTH && !key.name().equals("type") && !key.name().equals("token")) continue; // everyAuthTypeIsRead
                java.util.regex.Pattern path = java.util.regex.Pattern.compile(ConfigReaderTest.pathPattern(section.path().replace(" (rest)", ""), key.name()));
                if (written.stream().noneMatch(p -> path.matcher(p).matches())) unused.add(section.path() + " → " + key.name());
            }
        }
        if (!written.contains("syncs.customers.endpoints.api.resource")) unused.add("endpoint resource");
        assertThat(unused).isEmpty();
    }

    private static TwowayConfig read(String yaml) {
        return ConfigReader.parse(FILE, yaml, ENV::get);
    }

    private static List<ConfigProblem> problems(String yaml) {
        try {
            read(yaml);
        } catch (ConfigException e) {
            return e.problems();
        }
        return fail("expected problems in:\n" + yaml);
    }

    private static String with(String old, String replacement) {
        if (!YAML.contains(old)) throw new IllegalArgumentException("not in the config: " + old);
        return YAML.replace(old, replacement);
    }

    private static ConfigProblem only(String yaml) {
        List<ConfigProblem> p = problems(yaml);
        assertThat(p).as(p.toString()).hasSize(1);
        return p.getFirst();
    }

    private static int lineOf(String yaml, String text) {
        return FullConfig.lineOf(yaml, text);
    }

    @Test
    void aRestSystemWithItsResourcesIsReadCompletely() {
        TwowayConfig c = read(YAML);
        TwowayConfig.SystemConfig api = c.systems().get("api");
        assertThat(api.connector()).isEqualTo(TwowayConfig.Connector.REST);
        RestSystemConfig rest = api.rest();
        assertThat(rest.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:3000"));
        assertThat(rest.auth()).isInstanceOfSatisfying(RestSystemConfig.Auth.Bearer.class, b -> assertThat(b.token().reveal()).isEqualTo("tok-123"));
        assertThat(rest.auth().toString()).doesNotContain("tok-123");
        assertThat(List.of(rest.timeout(), rest.maxRetryAfter())).containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(30));
        assertThat(rest.requestsPerSecond()).isEqualTo(20);
        assertThat(List.of(rest.maxConcurrency(), rest.maxRetries())).containsExactly(2, 1);
        RestSystemConfig.Resource customers = rest.resources().get("customers");
        assertThat(customers.itemPath()).isEqualTo("/customers/{id}");
        assertThat(customers.modifiedAt()).isEqualTo("/updatedAt");
        assertThat(customers.modifiedSince()).isEqualTo("updatedAt_gte");
        assertThat(customers.listQuery()).containsEntry("_sort", "updatedAt").containsEntry("_order", "asc");
        assertThat(customers.paging()).isEqualTo(new RestSystemConfig.Paging("page", "_page", "_limit", 50, 1, "after", null));
        assertThat(customers.update()).isEqualTo("PUT");
        assertThat(customers.conditional()).isEqualTo(RestSystemConfig.Conditional.VERSION);
        assertThat(customers.versionField()).isEqualTo("version");
        assertThat(customers.overlap()).isEqualTo(Duration.ofSeconds(1));
        assertThat(customers.deletes()).isEqualTo(new RestSystemConfig.Deletes.DeletedFlag("archived", "true"));
        RestSystemConfig.Resource orders = rest.resources().get("orders");
        assertThat(orders.items()).isEqualTo("/data");
        assertThat(orders.paging().style()).isEqualTo("cursor");
        assertThat(orders.deletes()).isEqualTo(new RestSystemConfig.Deletes.Tombstones("/deleted/orders", "since", "/data", "/item", "/at"));
        TwowayConfig.EndpointConfig ep = c.syncs().get("customers").endpoints().get("api");
        assertThat(ep.table()).isEqualTo("customers");
        assertThat(c.syncs().get("customers").fields().get("email").columns().get("api").columnNames()).containsExactly("/contact/email");
    }

    @Test
    void everyAuthTypeIsRead() {
        String key = with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }", "auth: { type: api-key, query: api_key, key: \"${env:API_TOKEN}\" }");
        assertThat(read(key).systems().get("api").rest().auth()).isInstanceOfSatisfying(RestSystemConfig.Auth.ApiKey.class,
                k -> assertThat(List.of(k.name(), String.valueOf(k.inQuery()), k.key().reveal())).containsExactly("api_key", "true", "tok-123"));
        String basic = with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }", "auth: { type: basic, user: sync, password: \"${env:API_TOKEN}\" }");
        assertThat(read(basic).systems().get("api").rest().auth()).isInstanceOf(RestSystemConfig.Auth.Basic.class);
        String oauth = with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }", """
                auth:
                      type: oauth2
                      token-url: https://login.example.com/oauth/token
                      client-id: twoway
                      client-secret: "${env:CLIENT_SECRET}"
                      scope: crm.objects.contacts.read crm.objects.contacts.write""");
        assertThat(read(oauth).systems().get("api").rest().auth()).isInstanceOfSatisfying(RestSystemConfig.Auth.OAuth2.class,
                o -> assertThat(List.of(o.tokenUrl().toString(), o.clientId(), o.clientSecret().reveal())).containsExactly("https://login.example.com/oauth/token", "twoway", "cs-1"));
    }

    @Test
    void aSecretWrittenIntoTheFileIsRefused() {
        String yaml = with("token: \"${env:API_TOKEN}\"", "token: tok-literal");
        ConfigProblem p = only(yaml);
        assertThat(p.path()).isEqualTo("systems.api.auth.token");
        assertThat(p.at().line()).isEqualTo(lineOf(yaml, "tok-literal"));
        assertThat(p.message()).contains("written into the file").doesNotContain("tok-literal");
        assertThat(p.fix()).contains("${env:NAME}");
    }

    @Test
    void authProblemsNameTheMissingOrMisplacedKey() {
        assertThat(only(with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }", "auth: { type: bearer }")).message()).isEqualTo("'token' is missing");
        ConfigProblem misplaced = only(with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }", "auth: { type: bearer, token: \"${env:API_TOKEN}\", user: x }"));
        assertThat(misplaced.path()).isEqualTo("systems.api.auth.user");
        assertThat(misplaced.message()).isEqualTo("'user' does not apply to auth type bearer");
        ConfigProblem type = only(with("type: bearer", "type: berer"));
        assertThat(type.fix()).contains("write bearer");
        List<ConfigProblem> oauth = problems(with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }", "auth: { type: oauth2, client-secret: \"${env:CLIENT_SECRET}\" }"));
        assertThat(oauth).extracting(ConfigProblem::message).containsExactlyInAnyOrder("oauth2 needs 'token-url'", "oauth2 needs 'client-id'");
        String publicClient = with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }",
                "auth: { type: oauth2, token-url: https://login.example.com/token, client-id: app, refresh-token: \"${env:CLIENT_SECRET}\" }");
        assertThat(read(publicClient).systems().get("api").rest().auth()).isInstanceOfSatisfying(RestSystemConfig.Auth.OAuth2.class, o -> {
            assertThat(o.clientSecret()).isNull();
            assertThat(o.credentialsInBody()).as("HTTP basic unless client-auth says body").isFalse();
        });
        String inBody = with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }",
                "auth: { type: oauth2, token-url: https://api.hubapi.com/oauth/v1/token, client-id: app, client-secret: \"${env:CLIENT_SECRET}\", client-auth: body }");
        assertThat(read(inBody).systems().get("api").rest().auth()).isInstanceOfSatisfying(RestSystemConfig.Auth.OAuth2.class,
                o -> assertThat(o.credentialsInBody()).isTrue());
        assertThat(only(with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }",
                "auth: { type: oauth2, token-url: https://t.example.com/token, client-id: app, client-secret: \"${env:CLIENT_SECRET}\", client-auth: form }"))
                .path()).isEqualTo("systems.api.auth.client-auth");
        assertThat(only(with("auth: { type: bearer, token: \"${env:API_TOKEN}\" }", "auth: { type: oauth2, token-url: https://login.example.com/token, client-id: app }"))
                .message()).isEqualTo("'client-secret' is missing");
    }

    @Test
    void aBaseUrlMustBeHttpsOrLoopbackAndCarryNoCredentials() {
        ConfigProblem plain = only(with("base-url: http://127.0.0.1:3000", "base-url: http://api.example.com"));
        assertThat(plain.path()).isEqualTo("systems.api.base-url");
        assertThat(plain.fix()).contains("allow-http: true");
        assertThat(read(with("base-url: http://127.0.0.1:3000", "base-url: http://api.example.com").replace("allow-http: false", "allow-http: true")).systems()).containsKey("api");
        assertThat(only(with("base-url: http://127.0.0.1:3000", "base-url: https://u:p@api.example.com")).message()).contains("user info");
        assertThat(only(with("base-url: http://127.0.0.1:3000", "base-url: ftp://x")).message()).contains("is not an http(s) URL");
        assertThat(only(with("    base-url: http://127.0.0.1:3000\n", "")).message()).isEqualTo("'base-url' is missing");
    }

    @Test
    void resourceProblemsAreLocatedWithAFix() {
        ConfigProblem pointer = only(with("modified-at: /updatedAt", "modified-at: updatedAt"));
        assertThat(pointer.path()).isEqualTo("systems.api.resources.customers.modified-at");
        assertThat(pointer.fix()).contains("/updatedAt");
        assertThat(only(with("    path: /customers\n", "    path: customers\n")).fix()).contains("starting with /");
        assertThat(only(with("        modified-at: /updatedAt\n", "")).message()).contains("'modified-since' needs 'modified-at'");
        assertThat(only(with("        version-field: version\n", "")).message()).contains("conditional 'version' needs the field");
        assertThat(only(with("conditional: version", "conditional: etag")).message()).contains("'version-field' only applies to conditional: version");
        assertThat(only(with("update: put", "update: post")).message()).isEqualTo("'post' is not one of patch, put");
        assertThat(only(with("paging: { style: cursor, cursor-param: after, cursor-pointer: /next }", "paging: { style: cursor }")).message()).contains("cursor paging needs 'cursor-pointer'");
        assertThat(only(with("page-param: _page, ", "cursor-param: c, ")).message()).isEqualTo("'cursor-param' does not apply to paging style page");
        assertThat(only(with("size: 50", "size: 0")).path()).isEqualTo("systems.api.resources.customers.paging.size");
        assertThat(only(with("item-path: /customers/{id}", "item-path: /customers/x")).message()).contains("does not say where the id goes");
    }

    @Test
    void deleteDetectionProblemsNameWhatIsMissing() {
        List<ConfigProblem> tomb = problems(with("path: /deleted/orders, since-param: since, ", ""));
        assertThat(tomb).extracting(ConfigProblem::message).containsExactlyInAnyOrder("tombstone needs 'path'", "tombstone needs 'since-param'");
        assertThat(only(with("detect: deleted-flag, field: archived", "detect: deleted-flag")).message()).contains("deleted-flag needs the field");
        ConfigProblem wrong = only(with("detect: deleted-flag, field: archived, value: true", "detect: id-scan, field: archived"));
        assertThat(wrong.message()).isEqualTo("'field' does not apply to detect: id-scan");
        assertThat(wrong.at().line()).isEqualTo(lineOf(YAML, "detect: deleted-flag"));
        assertThat(only(with("detect: deleted-flag", "detect: scan")).message()).contains("'scan' is not one of");
        assertThat(read(with("detect: deleted-flag, field: archived, value: true", "detect: deleted-flag, field: status, value: archived")).systems()
                .get("api").rest().resources().get("customers").deletes()).isEqualTo(new RestSystemConfig.Deletes.DeletedFlag("status", "\"archived\""));
    }

    @Test
    void aRestEndpointNamesAResourceOfItsSystemAndTakesNoTableSettings() {
        ConfigProblem unknown = only(with("resource: customers, direction", "resource: customer, direction"));
        assertThat(unknown.path()).isEqualTo("syncs.customers.endpoints.api.resource");
        assertThat(unknown.fix()).contains("did you mean 'customers'?").contains("resources: ");
        ConfigProblem sqlKey = only(with("resource: customers, direction: both", "resource: customers, updated-at: x"));
        assertThat(sqlKey.message()).isEqualTo("'updated-at' does not apply to a rest endpoint");
        assertThat(sqlKey.fix()).contains("systems.api.resources");
        ConfigProblem table = only(with("resource: customers, direction: both", "table: customers"));
        assertThat(table.message()).isEqualTo("'table' is for databases; a rest endpoint names its resource");
        assertThat(table.fix()).isEqualTo("write resource: customers");
        assertThat(only(with("db: { table: customers }", "db: { resource: customers }")).message()).isEqualTo("'resource' is for rest systems; db is a database");
        assertThat(only(with("        path: /customers\n", "")).message()).isEqualTo("'path' is missing");
    }

    @Test
    void hubSpotPresetsTakeTheirDefaultsAndTheWebhooksHubSpotsEvents() {
        RestSystemConfig hs = read(HUBSPOT).systems().get("hubspot").rest();
        assertThat(hs.preset()).isEqualTo("hubspot");
        assertThat(hs.baseUrl()).isEqualTo(URI.create("https://api.hubapi.com"));
        assertThat(hs.requestsPerSecond()).isEqualTo(9);
        RestSystemConfig.Resource contacts = hs.resources().get("contacts");
        assertThat(contacts.preset()).isEqualTo(new RestSystemConfig.Preset("hubspot-contacts", List.of("email", "firstname")));
        assertThat(contacts.overlap()).isEqualTo(Duration.ofSeconds(5));
        assertThat(contacts.deletes()).as("HubSpot's preset scans ids every 15 min").isEqualTo(new RestSystemConfig.Deletes.IdScan(Duration.ofMinutes(15)));
        assertThat(hs.resources().get("companies").deletes()).isEqualTo(new RestSystemConfig.Deletes.IdScan(Duration.ofHours(1)));
        RestSystemConfig.Webhooks w = hs.webhooks();
        assertThat(w.signature()).isEqualTo(RestSystemConfig.SignatureStyle.HUBSPOT_V3);
        assertThat(w.secret().reveal()).isEqualTo("cs-1");
        assertThat(w.toString()).doesNotContain("cs-1");
        assertThat(w.publicUrl()).isEqualTo(URI.create("https://sync.example.com/webhooks/hubspot"));
        assertThat(List.of(w.tolerance(), w.coalesce())).containsExactly(Duration.ofMinutes(2), Duration.ofMillis(100));
        assertThat(w.maxBodyBytes()).isEqualTo(65536);
        assertThat(List.of(w.id(), w.type())).containsExactly("/objectId", "/subscriptionType");
        assertThat(w.entities()).isEqualTo(Map.of("contact", "contacts", "company", "companies"));
        assertThat(w.resource()).isNull();
        assertThat(w.item()).as("fetched, not trusted").isNull();
        assertThat(read(HUBSPOT.replace("    preset: hubspot\n", "    preset: hubspot\n    base-url: http://127.0.0.1:9999\n    requests-per-second: 2\n"))
                .systems().get("hubspot").rest()).satisfies(r -> {
            assertThat(r.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9999"));
            assertThat(r.requestsPerSecond()).isEqualTo(2);
        });
    }

    @Test
    void aGenericWebhookIsReadWithItsHeaderAndEvents() {
        RestSystemConfig.Webhooks w = read(GENERIC).systems().get("api").rest().webhooks();
        assertThat(w.signature()).isEqualTo(RestSystemConfig.SignatureStyle.GENERIC);
        assertThat(List.of(w.header(), String.valueOf(w.base64()), w.prefix(), w.timestampHeader())).containsExactly("X-Signature", "true", "v1=", "X-Timestamp");
        assertThat(List.of(w.events(), w.id(), w.type(), w.resource(), w.item())).containsExactly("/events", "/data/id", "/type", "invoices", "/data");
        assertThat(w.entities()).isEqualTo(Map.of("customer", "customers", "order", "orders"));
        assertThat(w.publicUrl()).isNull();
        assertThat(w.tolerance()).isEqualTo(Duration.ofMinutes(5));
    }

    private static String hubspot(String old, String replacement) {
        if (!HUBSPOT.contains(old)) throw new IllegalArgumentException("not in the config: " + old);
        return HUBSPOT.replace(old, replacement);
    }

    @Test
    void presetMistakesAreLocatedWithAFix() {
        ConfigProblem system = only(hubspot("preset: hubspot\n", "preset: hubspt\n"));
        assertThat(system.path()).isEqualTo("systems.hubspot.preset");
        assertThat(system.message()).isEqualTo("'hubspt' is not one of hubspot");
        assertThat(system.fix()).isEqualTo("write hubspot");
        ConfigProblem resource = only(hubspot("preset: hubspot-contacts", "preset: hubspot-contact"));
        assertThat(resource.path()).isEqualTo("systems.hubspot.resources.contacts.preset");
        assertThat(resource.fix()).isEqualTo("write hubspot-contacts");
        List<ConfigProblem> noSystemPreset = problems(hubspot("    preset: hubspot\n", "    base-url: https://api.hubapi.com\n").replace("webhooks:\n", "webhooks:\n      signature: hubspot-v3\n      type: /subscriptionType\n      entities: { contact: contacts }\n"));
        assertThat(noSystemPreset).extracting(ConfigProblem::message).containsExactly(
                "'hubspot-contacts' is a HubSpot resource, but system hubspot is not preset: hubspot",
                "'hubspot-companies' is a HubSpot resource, but system hubspot is not preset: hubspot");
        assertThat(noSystemPreset.getFirst().fix()).contains("add preset: hubspot to systems.hubspot");
        ConfigProblem path = only(hubspot("preset: hubspot-contacts,", "preset: hubspot-contacts, path: /contacts,"));
        assertThat(path.path()).isEqualTo("systems.hubspot.resources.contacts.path");
        assertThat(path.message()).isEqualTo("'path' does not apply to a preset resource: hubspot-contacts sets it");
        assertThat(path.fix()).contains("preset, properties, overlap, deletes");
        assertThat(only(with("    path: /invoices\n", "    path: /invoices\n        properties: [email]\n")).message())
                .contains("'properties' only applies to a preset resource");
        assertThat(only(hubspot("properties: [email, firstname]", "properties: [email, /properties/firstname]")).message())
                .isEqualTo("'/properties/firstname' is not a HubSpot property name (letters, digits and _ only)");
        ConfigProblem noAuth = only(hubspot("    auth: { type: bearer, token: \"${env:API_TOKEN}\" }\n", ""));
        assertThat(noAuth.path()).isEqualTo("systems.hubspot");
        assertThat(noAuth.fix()).contains("type: bearer").contains("oauth2");
        assertThat(only(hubspot("detect: id-scan, every: 1h", "detect: deleted-flag, field: archived")).message())
                .contains("only id-scan or none apply");
        assertThat(problems(hubspot("    preset: hubspot\n", ""))).as("without the preset, HubSpot's base-url is not known")
                .anySatisfy(p -> assertThat(p.message() + "; " + p.fix()).isEqualTo("'base-url' is missing; add base-url: https://api.example.com/v1 (or preset: hubspot for HubSpot)"));
    }

    @Test
    void webhookMistakesAreLocatedWithAFix() {
        ConfigProblem noSecret = only(hubspot("      secret: \"${env:CLIENT_SECRET}\"\n", ""));
        assertThat(noSecret.path()).isEqualTo("systems.hubspot.webhooks");
        assertThat(noSecret.message()).isEqualTo("'secret' is missing");
        ConfigProblem literal = only(hubspot("secret: \"${env:CLIENT_SECRET}\"", "secret: hunter2-literal"));
        assertThat(literal.path()).isEqualTo("systems.hubspot.webhooks.secret");
        assertThat(literal.message()).doesNotContain("hunter2-literal");
        assertThat(only(hubspot("webhooks:\n", "webhooks:\n      signature: githib\n")).fix()).isEqualTo("write github");
        ConfigProblem header = only(hubspot("webhooks:\n", "webhooks:\n      header: X-Sig\n"));
        assertThat(header.path()).isEqualTo("systems.hubspot.webhooks.header");
        assertThat(header.message()).isEqualTo("'header' only applies to signature: generic");
        assertThat(only(GENERIC.replace("      header: X-Signature\n", "")).message()).contains("signature generic needs 'header'");
        assertThat(only(GENERIC.replace("      item: /data\n", "")).message()).contains("trust-payload needs 'item'");
        assertThat(only(GENERIC.replace("      trust-payload: true\n", "")).message()).isEqualTo("'item' only applies with trust-payload: true");
        ConfigProblem entity = only(GENERIC.replace("order: orders", "order: order"));
        assertThat(entity.path()).isEqualTo("systems.api.webhooks.entities.order");
        assertThat(entity.fix()).contains("did you mean 'orders'?");
        ConfigProblem which = only(GENERIC.replace("      type: /type\n", "").replace("      entities: { customer: customers, order: orders }\n", "")
                .replace("      resource: invoices\n", ""));
        assertThat(which.message()).startsWith("the webhooks do not say which resource a notification concerns");
        assertThat(which.fix()).contains("add resource: <one of customers, orders, invoices>");
        ConfigProblem noStyle = only(GENERIC.replace("      signature: generic\n", "").replace("      header: X-Signature\n      encoding: base64\n      prefix: \"v1=\"\n      timestamp-header: X-Timestamp\n", ""));
        assertThat(noStyle.message()).isEqualTo("'signature' is missing");
        assertThat(noStyle.fix()).contains("hubspot-v3, github or generic");
    }
}
