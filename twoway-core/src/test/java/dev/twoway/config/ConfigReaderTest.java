package dev.twoway.config;

import dev.twoway.config.TwowayConfig.Capture;
import dev.twoway.config.TwowayConfig.Computed;
import dev.twoway.config.TwowayConfig.Connector;
import dev.twoway.config.TwowayConfig.Direct;
import dev.twoway.config.TwowayConfig.Direction;
import dev.twoway.config.TwowayConfig.EndpointConfig;
import dev.twoway.config.TwowayConfig.SyncConfig;
import dev.twoway.merge.ConflictPolicy;
import dev.twoway.merge.DeleteConflictPolicy;
import dev.twoway.merge.DeletePolicy;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigReaderTest {
    @TempDir
    Path dir;
    TwowayConfig config;

    @BeforeEach
    void readFullConfig() throws IOException {
        config = ConfigReader.read(FullConfig.write(dir, FullConfig.YAML), FullConfig.ENV::get);
    }

    @Test
    void stateDirectoryAndEngineSettingsAreRead() {
        assertThat(config.file()).isEqualTo(dir.resolve("twoway.yaml"));
        assertThat(config.stateDir()).isEqualTo(dir.toAbsolutePath().resolve("data"));
        assertThat(config.engine()).isEqualTo(new TwowayConfig.Engine(250, 5, Duration.ofMillis(500), Duration.ofMinutes(10)));
    }

    @Test
    void webhooksAreReadWithTheirSecretAndUnsetOnesTakeTheDefaults() {
        List<TwowayConfig.Webhook> hooks = config.notifications().webhooks();
        assertThat(hooks).extracting(TwowayConfig.Webhook::name).containsExactly("ops", "chat");
        TwowayConfig.Webhook ops = hooks.get(0);
        assertThat(ops.url()).hasToString("https://hooks.example.com/twoway");
        assertThat(ops.format()).isEqualTo(TwowayConfig.WebhookFormat.JSON);
        assertThat(ops.secret().reveal()).isEqualTo(FullConfig.HOOK_SECRET);
        assertThat(ops.events()).containsExactly("conflict.waiting", "deadletter.created");
        assertThat(ops.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ops.maxAttempts()).isEqualTo(3);
        assertThat(ops.includeValues()).isTrue();
        TwowayConfig.Webhook chat = hooks.get(1);
        assertThat(chat.format()).isEqualTo(TwowayConfig.WebhookFormat.SLACK);
        assertThat(chat.secret()).isNull();
        assertThat(chat.events()).isEqualTo(TwowayConfig.Webhook.EVENTS);
        assertThat(chat.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(chat.maxAttempts()).isEqualTo(8);
        assertThat(chat.includeValues()).isFalse();
        assertThat(chat.toString()).as("a Slack URL's path is its token").doesNotContain("XXXX").contains("chat.internal");
        assertThat(ops.toString()).doesNotContain(FullConfig.HOOK_SECRET);
    }

    @Test
    void withoutNotificationsThereAreNoWebhooks() throws IOException {
        String yaml = FullConfig.YAML.substring(0, FullConfig.YAML.indexOf("notifications:")) + FullConfig.YAML.substring(FullConfig.YAML.indexOf("systems:"));
        assertThat(ConfigReader.read(FullConfig.write(dir, yaml), FullConfig.ENV::get).notifications().webhooks()).isEmpty();
    }

    @Test
    void systemsAreReadInFileOrderWithTheirConnectionSettings() {
        assertThat(config.systems()).containsOnlyKeys("crm", "erp", "shop");
        assertThat(List.copyOf(config.systems().keySet())).containsExactly("crm", "erp", "shop");
        TwowayConfig.SystemConfig crm = config.systems().get("crm");
        assertThat(crm.connector()).isEqualTo(Connector.POSTGRES);
        assertThat(crm.url()).isEqualTo("jdbc:postgresql://crm-db:5432/crm");
        assertThat(crm.user()).isEqualTo("twoway");
        assertThat(crm.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        TwowayConfig.SystemConfig erp = config.systems().get("erp");
        assertThat(erp.connector()).isEqualTo(Connector.MARIADB);
        assertThat(erp.user()).isEqualTo("sync");
        assertThat(erp.zone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void passwordComesFromTheEnvironmentVariableNamedInThePlaceholder() {
        assertThat(config.systems().get("crm").password().reveal()).isEqualTo(FullConfig.PG_PASSWORD);
    }

    @Test
    void passwordComesFromTheFileNextToTheConfigWithoutItsTrailingNewline() {
        assertThat(config.systems().get("erp").password().reveal()).isEqualTo(FullConfig.ERP_PASSWORD);
    }

    @Test
    void sqlitePathIsResolvedAgainstTheConfigDirectoryIntoAJdbcUrl() {
        TwowayConfig.SystemConfig shop = config.systems().get("shop");
        assertThat(shop.connector()).isEqualTo(Connector.SQLITE);
        assertThat(shop.url()).isEqualTo("jdbc:sqlite:" + dir.toAbsolutePath().resolve("shop.db"));
        assertThat(shop.user()).isNull();
        assertThat(shop.password()).isNull();
    }

    @Test
    void syncsAreReadInFileOrder() {
        assertThat(List.copyOf(config.syncs().keySet())).containsExactly("customers", "orders");
        SyncConfig customers = config.syncs().get("customers");
        assertThat(customers.name()).isEqualTo("customers");
        assertThat(customers.capture()).isEqualTo(Capture.POLL);
        assertThat(customers.schedule()).isEqualTo("every 5m");
        assertThat(config.syncs().get("orders").schedule()).isEqualTo("realtime");
        assertThat(config.syncs().get("orders").capture()).isEqualTo(Capture.TRIGGERS);
    }

    @Test
    void endpointSettingsAreReadAndUnsetOnesTakeTheirDefaults() {
        Map<String, EndpointConfig> endpoints = config.syncs().get("customers").endpoints();
        assertThat(List.copyOf(endpoints.keySet())).containsExactly("crm", "erp", "shop");

        EndpointConfig crm = endpoints.get("crm");
        assertThat(crm).isEqualTo(new EndpointConfig("crm", "customers", "public", List.of("id"), Direction.BOTH, Capture.TRIGGERS,
                null, null, Duration.ofSeconds(2), null, "twoway_id", "customers_old", 1000, null, Map.of()));

        EndpointConfig erp = endpoints.get("erp");
        assertThat(erp).isEqualTo(new EndpointConfig("erp", "Customer", null, List.of("CustomerId", "Region"), Direction.BOTH, Capture.POLL,
                "ModifiedAt", "Deleted", Duration.ofSeconds(3), Duration.ofHours(1), null, null, 200, null, Map.of()));

        EndpointConfig shop = endpoints.get("shop");
        assertThat(shop.direction()).isEqualTo(Direction.TARGET);
        assertThat(shop.capture()).isEqualTo(Capture.CHECKSUM);
        assertThat(shop.key()).isEmpty();
        assertThat(shop.filter()).isEqualTo("record.active == true");
    }

    @Test
    void endpointWithoutCaptureTakesTheSyncs() {
        assertThat(config.syncs().get("customers").endpoints().get("erp").capture()).isEqualTo(Capture.POLL);
    }

    @Test
    void referencesNameTheOtherSync() {
        Map<String, EndpointConfig> orders = config.syncs().get("orders").endpoints();
        assertThat(orders.get("crm").references()).isEqualTo(Map.of("customer_id", "customers"));
        assertThat(orders.get("erp").references()).isEqualTo(Map.of("CustomerId", "customers"));
    }

    @Test
    void fieldsKeepTheirOrderTypeAndMatchFlag() {
        Map<String, TwowayConfig.FieldConfig> fields = config.syncs().get("customers").fields();
        assertThat(List.copyOf(fields.keySet())).containsExactly("email", "full_name", "tier", "since", "active", "photo", "phone", "notes");
        assertThat(fields.get("email").type()).contains(ValueType.STRING);
        assertThat(fields.get("email").match()).isTrue();
        assertThat(fields.get("since").type()).contains(ValueType.DATE);
        assertThat(fields.get("tier").type()).isEmpty();
        assertThat(fields.get("tier").match()).isFalse();
        assertThat(config.syncs().get("orders").fields().get("total").type()).contains(ValueType.DECIMAL);
    }

    @Test
    void aColumnNameAloneIsADirectColumnWithoutConversions() {
        TwowayConfig.FieldConfig email = config.syncs().get("customers").fields().get("email");
        assertThat(email.columns()).containsOnlyKeys("crm", "erp", "shop");
        assertThat(email.columns().get("crm")).isEqualTo(new Direct("email", Map.of(), null, null, null, null, null, null, null));
        assertThat(email.columns().get("erp")).isEqualTo(new Direct("Email", Map.of(), null, null, null, null, null, null, null));
    }

    @Test
    void columnSectionsCarryValueMapFallbackDefaultAndConversions() {
        Map<String, TwowayConfig.FieldConfig> fields = config.syncs().get("customers").fields();
        assertThat(fields.get("tier").columns().get("erp"))
                .isEqualTo(new Direct("Tier", Map.of("gold", "1", "silver", "2"), "silver", Value.str("silver"), null, null, null, null, null));
        assertThat(fields.get("since").columns().get("erp"))
                .isEqualTo(new Direct("Since", Map.of(), null, null, "dd.MM.yyyy", ZoneId.of("Europe/Paris"), null, null, null));
        assertThat(fields.get("active").columns().get("erp"))
                .isEqualTo(new Direct("Active", Map.of(), null, null, null, null, "Y", "N", null));
        assertThat(fields.get("photo").columns().get("erp"))
                .isEqualTo(new Direct("Photo", Map.of(), null, null, null, null, null, null, "hex"));
    }

    @Test
    void computedFieldReadsFromAndOneExpressionPerColumn() {
        TwowayConfig.ColumnConfig crm = config.syncs().get("customers").fields().get("full_name").columns().get("crm");
        assertThat(crm).isEqualTo(new Computed("row.first + ' ' + row.last",
                Map.of("first", "record.full_name.split(' ')[0]", "last", "record.full_name.split(' ')[1]")));
        assertThat(crm.columnNames()).containsExactly("first", "last");
    }

    @Test
    void matchCombinesTheListAndTheFieldsMarkedMatchWithoutDuplicates() {
        assertThat(config.syncs().get("customers").match()).containsExactly("email");
        assertThat(config.syncs().get("orders").match()).isEmpty();
    }

    @Test
    void conflictSettingsAreReadAndThePriorityListIsCompletedWithTheOtherEndpoints() {
        TwowayConfig.Conflicts c = config.syncs().get("customers").conflicts();
        assertThat(c.defaultPolicy()).isEqualTo(new ConflictPolicy.LastWriteWins());
        assertThat(c.priority()).containsExactly("erp", "crm", "shop");
        assertThat(c.deleteVsUpdate()).isEqualTo(DeleteConflictPolicy.UPDATE_WINS);
        assertThat(c.skewWindow()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void everyFormOfPolicyBindsToItsConflictPolicy() {
        Map<String, ConflictPolicy> perField = config.syncs().get("customers").conflicts().fields();
        assertThat(List.copyOf(perField.keySet())).containsExactly("email", "tier", "phone", "since", "full_name", "notes");
        assertThat(perField.get("email")).isEqualTo(new ConflictPolicy.Owner("crm"));
        assertThat(perField.get("phone")).isEqualTo(new ConflictPolicy.Manual());
        assertThat(perField.get("since")).isEqualTo(new ConflictPolicy.Priority(List.of("erp", "crm")));
        assertThat(perField.get("notes")).isEqualTo(new ConflictPolicy.LastWriteWins());
        assertThat(perField.get("full_name")).isInstanceOfSatisfying(ConflictPolicy.Rule.class,
                r -> assertThat(r.source()).isEqualTo("incoming.system == 'crm' ? incoming.value : current.value"));
    }

    @Test
    void theWordPriorityFollowsTheSyncsPriorityList() {
        // The reference says conflicts.priority is "the system order for `priority`": the plain word must use it.
        assertThat(config.syncs().get("customers").conflicts().fields().get("tier"))
                .isEqualTo(new ConflictPolicy.Priority(List.of("erp", "crm", "shop")));
        assertThat(config.syncs().get("orders").conflicts().defaultPolicy())
                .isEqualTo(new ConflictPolicy.Priority(List.of("erp", "crm")));
    }

    @Test
    void syncWithoutConflictsSectionUsesLastWriteWinsInEndpointOrder() throws IOException {
        String yaml = FullConfig.with("""
                    conflicts:
                      default: priority
                      priority: [erp]
                """, "");
        TwowayConfig c = ConfigReader.read(FullConfig.write(dir, yaml), FullConfig.ENV::get);
        TwowayConfig.Conflicts conflicts = c.syncs().get("orders").conflicts();
        assertThat(conflicts.defaultPolicy()).isEqualTo(new ConflictPolicy.LastWriteWins());
        assertThat(conflicts.priority()).containsExactly("crm", "erp");
        assertThat(conflicts.deleteVsUpdate()).isEqualTo(DeleteConflictPolicy.DELETE_WINS);
        assertThat(conflicts.skewWindow()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void deletesAsASectionAndAsOneWord() {
        assertThat(config.syncs().get("customers").deletes()).isEqualTo(new DeletePolicy.Soft("active", Value.str("false")));
        assertThat(config.syncs().get("orders").deletes()).isEqualTo(new DeletePolicy.Archive());
    }

    @Test
    void validationRulesKeepTheirMessageOrNameTheRule() {
        assertThat(config.syncs().get("customers").validate()).containsExactly(
                new TwowayConfig.ValidationRule("record.email.contains('@')", "an email needs an @"),
                new TwowayConfig.ValidationRule("record.tier != ''", "breaks rule record.tier != ''"));
        assertThat(config.syncs().get("orders").validate()).isEmpty();
    }

    @Test
    void locationsPointAtTheLineOfEachSetting() {
        String yaml = FullConfig.YAML;
        assertThat(config.locate("syncs.customers.endpoints.erp.overlap").line()).isEqualTo(FullConfig.lineOf(yaml, "overlap: 3s"));
        assertThat(config.locate("syncs.customers.endpoints.erp.overlap").column()).isEqualTo(FullConfig.lineText(yaml, "overlap: 3s").indexOf("3s") + 1);
        assertThat(config.locate("systems.erp.password").line()).isEqualTo(FullConfig.lineOf(yaml, "${file:secret.txt}"));
        assertThat(config.locate("syncs.customers.conflicts.priority[1]").line()).isEqualTo(FullConfig.lineOf(yaml, "priority: [erp, crm]"));
        assertThat(config.locate("syncs.customers.fields.full_name.crm.to.last").line()).isEqualTo(FullConfig.lineOf(yaml, "last: \"record"));
        assertThat(config.locate("syncs.customers.validate[1].rule").line()).isEqualTo(FullConfig.lineOf(yaml, "record.tier != ''"));
        assertThat(config.locate("syncs.customers.fields.email.erp.column").line()).isEqualTo(FullConfig.lineOf(yaml, "erp: { column: Email }"));
    }

    @Test
    void aSettingThatWasNotWrittenIsLocatedAtItsNearestSection() {
        Location endpoint = config.locate("syncs.customers.endpoints.crm");
        assertThat(config.locate("syncs.customers.endpoints.crm.page-size")).isEqualTo(endpoint);
        assertThat(config.locate("no.such.setting")).isEqualTo(Location.unknown(config.file()));
    }

    /**
     * A key declared in {@link ConfigReference} that the reader does not read is reported as unknown, so the full
     * config (which binds without a problem) must use every declared key: then each of them was read.
     */
    @Test
    void everyKeyOfTheReferenceIsUsedInTheFullConfigAndReadWithoutComplaint() {
        Set<String> written = config.locations().keySet();
        List<String> unused = new ArrayList<>();
        for (ConfigReference.Section section : ConfigReference.ALL) {
            for (ConfigReference.Key key : section.keys()) {
                // Alternatives that one section cannot hold together with the ones used: read in serverSettingsAreRead.
                if (section == ConfigReference.JWT && key.name().equals("secret")) continue;
                if (section == ConfigReference.TLS && (key.name().equals("keystore") || key.name().equals("password"))) continue;
                // rest systems: checked against the full rest config of RestConfigTest
                if (RestConfigTest.SECTIONS.contains(section) || section == ConfigReference.ENDPOINT && key.name().equals("resource")) continue;
                Pattern path = Pattern.compile(pathPattern(section.path(), key.name()));
                if (written.stream().noneMatch(p -> path.matcher(p).matches())) unused.add(section.path() + " → " + key.name());
            }
        }
        assertThat(unused).as("reference keys the full config does not use (add them to FullConfig)").isEmpty();
    }

    @Test
    void serverSettingsAreRead() {
        assertThat(config.server()).isEqualTo(new TwowayConfig.Server(true, "0.0.0.0", 9090, true,
                Optional.of(new TwowayConfig.TlsFiles(dir.resolve("server.crt").toAbsolutePath(), dir.resolve("server.key").toAbsolutePath(), null, null)),
                Optional.of(new TwowayConfig.Jwt(null, "https://login.example.com/.well-known/jwks.json", "https://login.example.com/", "twoway",
                        "groups", "twoway_syncs"))));
        TwowayConfig keystore = ConfigReader.parse(dir.resolve("twoway.yaml"), FullConfig.with("    certificate: server.crt\n    key: server.key\n",
                "    keystore: server.p12\n    password: ${env:PG_PASSWORD}\n"), FullConfig.ENV::get);
        TwowayConfig.TlsFiles tls = keystore.server().tls().orElseThrow();
        assertThat(tls.keystore()).isEqualTo(dir.resolve("server.p12").toAbsolutePath());
        assertThat(tls.password().reveal()).isEqualTo(FullConfig.PG_PASSWORD);
        TwowayConfig withSecret = ConfigReader.parse(dir.resolve("twoway.yaml"), FullConfig.with(
                "jwks-url: https://login.example.com/.well-known/jwks.json", "secret: ${env:PG_PASSWORD}-and-more-to-reach-32-bytes"), FullConfig.ENV::get);
        TwowayConfig.Jwt jwt = withSecret.server().jwt().orElseThrow();
        assertThat(jwt.secret().reveal()).isEqualTo(FullConfig.PG_PASSWORD + "-and-more-to-reach-32-bytes");
        assertThat(jwt.jwksUrl()).isNull();
        TwowayConfig ipv6 = ConfigReader.parse(dir.resolve("twoway.yaml"), FullConfig.with("listen: 0.0.0.0:9090", "listen: \"[::1]:0\""), FullConfig.ENV::get);
        assertThat(ipv6.server().host()).isEqualTo("::1");
        assertThat(ipv6.server().listen()).isEqualTo("[::1]:0");
    }

    @Test
    void aFieldIsSensitiveOnlyWhenMarked() {
        assertThat(config.syncs().get("customers").fields().get("email").sensitive()).isFalse();
        TwowayConfig marked = ConfigReader.parse(dir.resolve("twoway.yaml"), FullConfig.with("sensitive: false", "sensitive: true"), FullConfig.ENV::get);
        assertThat(marked.syncs().get("customers").fields().get("email").sensitive()).isTrue();
        assertThat(marked.syncs().get("customers").fields().get("tier").sensitive()).isFalse();
    }

    @Test
    void everySectionOfTheReferenceIsInAll() {
        assertThat(ConfigReference.ALL).extracting(ConfigReference.Section::path).doesNotHaveDuplicates()
                .contains("(top level)", "engine", "systems.<system>", "syncs.<sync>", "syncs.<sync>.endpoints.<system>",
                        "syncs.<sync>.fields.<field>", "syncs.<sync>.fields.<field>.<system>", "syncs.<sync>.conflicts",
                        "syncs.<sync>.deletes", "syncs.<sync>.validate[]");
    }

    @Test
    void parseReadsTextWithoutAFileAndResolvesRelativePathsFromTheWorkingDirectory() {
        String yaml = FullConfig.with("password: ${file:secret.txt}", "password: literal").replace("${file:hook-secret.txt}", FullConfig.HOOK_SECRET);
        TwowayConfig c = ConfigReader.parse(Path.of("twoway.yaml"), yaml, FullConfig.ENV::get);
        assertThat(c.systems().get("erp").password().reveal()).isEqualTo("literal");
        assertThat(c.stateDir()).isEqualTo(Path.of("").toAbsolutePath().resolve("data"));
    }

    @Test
    void environmentValuesAreInsertedLiterallyEvenWithDollarsAndBackslashes() {
        String yaml = FullConfig.with("password: ${env:PG_PASSWORD}", "password: pre-${env:PG_PASSWORD}-post");
        TwowayConfig c = ConfigReader.parse(dir.resolve("twoway.yaml"), yaml, Map.of("PG_PASSWORD", "a$1\\b")::get);
        assertThat(c.systems().get("crm").password().reveal()).isEqualTo("pre-a$1\\b-post");
    }

    @Test
    void defaultsApplyWhenOptionalSectionsAreLeftOut() {
        TwowayConfig c = ConfigReader.parse(dir.resolve("twoway.yaml"), """
                systems:
                  a: { connector: postgresql, url: "jdbc:postgresql://a/db" }
                  b: { connector: mysql, url: "jdbc:mysql://b/db" }
                syncs:
                  s:
                    endpoints: { a: { table: t }, b: { table: t } }
                    fields: { id: { a: id, b: id } }
                """, name -> null);
        assertThat(c.engine()).isEqualTo(TwowayConfig.Engine.DEFAULTS);
        assertThat(c.server()).isEqualTo(TwowayConfig.Server.DEFAULTS);
        assertThat(c.stateDir()).isEqualTo(dir.toAbsolutePath().resolve("twoway-data"));
        assertThat(c.systems().get("a").connector()).isEqualTo(Connector.POSTGRES);
        assertThat(c.systems().get("b").connector()).isEqualTo(Connector.MYSQL);
        SyncConfig s = c.syncs().get("s");
        assertThat(s.deletes()).isEqualTo(new DeletePolicy.Propagate());
        assertThat(s.conflicts().defaultPolicy()).isEqualTo(new ConflictPolicy.LastWriteWins());
        assertThat(s.validate()).isEmpty();
        assertThat(s.endpoints().get("a").capture()).isEqualTo(Capture.TRIGGERS);
        assertThat(s.fields().get("id").type()).isEqualTo(Optional.empty());
    }

    /** A regex for the dotted path of {@code key} in a section such as {@code syncs.<sync>.validate[]}. */
    static String pathPattern(String section, String key) {
        if (section.equals("(top level)")) return Pattern.quote(key);
        StringBuilder b = new StringBuilder();
        Matcher m = Pattern.compile("<[^>]+>|\\[]").matcher(section);
        int last = 0;
        while (m.find()) {
            b.append(Pattern.quote(section.substring(last, m.start())));
            b.append(m.group().equals("[]") ? "\\[\\d+]" : "[^.\\[]+");
            last = m.end();
        }
        return b.append(Pattern.quote(section.substring(last) + "." + key)).toString();
    }
}
