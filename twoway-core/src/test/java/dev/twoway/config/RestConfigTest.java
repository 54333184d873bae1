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

    /** The sections of rest systems; {@link #YAML} uses each of their keys but the auth alternatives. */
    static final List<ConfigReference.Section> SECTIONS = List.of(ConfigReference.REST_SYSTEM, ConfigReference.REST_AUTH, ConfigReference.RESOURCE,
            ConfigReference.PAGING, ConfigReference.REST_DELETES);

    @Test
    void everyKeyOfTheRestSectionsIsUsedInTheFullRestConfig() {
        java.util.Set<String> written = read(YAML).locations().keySet();
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
}
