package dev.twoway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.twoway.config.FullConfig.lineOf;
import static dev.twoway.config.FullConfig.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Configs with mistakes: each problem is reported at its line with the setting's path, what is wrong and how to fix
 * it, and a mistake is reported once, without follow-up problems in the settings that merely name the broken part.
 */
class ConfigReaderProblemsTest {
    @TempDir
    Path dir;

    // ---- keys ----------------------------------------------------------------------------------------------

    @Test
    void misspelledKeyIsUnknownWithTheKeyItResemblesAndTheRequiredKeyIsMissing() throws IOException {
        String yaml = with("table: customers\n", "tabel: customers\n");
        List<ConfigProblem> problems = problemsOf(yaml);
        int line = lineOf(yaml, "tabel: customers");
        assertThat(problems).hasSize(2);
        assertProblem(problems.get(0), line, "syncs.customers.endpoints.crm", "'table' is missing", "add table: <name>");
        assertProblem(problems.get(1), line, "syncs.customers.endpoints.crm.tabel",
                "unknown key 'tabel' in syncs.<sync>.endpoints.<system>", "did you mean 'table'?");
        assertThat(problems.get(1).fix()).contains("known keys here: table, schema, key");
    }

    @Test
    void aScheduleThatIsNeitherRealtimeNorAnIntervalNorCronIsRefusedWithExamples() throws IOException {
        String yaml = with("schedule: every 5m\n", "schedule: evry 5m\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "schedule: evry 5m"), "syncs.customers.schedule",
                "schedule 'evry 5m' is not realtime", "docs/operations.md");
        String cron = with("schedule: every 5m\n", "schedule: \"0 25 * * *\"\n");
        assertThat(onlyProblemOf(cron).message()).contains("hour '25' is not allowed; hour takes 0-23");
    }

    @Test
    void theApiListensOnLoopbackUnlessPlainHttpIsAllowedExplicitly() throws IOException {
        String yaml = with("  allow-http: true\n  tls:\n    certificate: server.crt\n    key: server.key\n", "");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "listen: 0.0.0.0:9090"), "server.listen",
                "'0.0.0.0:9090' is not a loopback address, and without tls the API is plain HTTP", "add a tls section");
        assertThat(ConfigReader.read(FullConfig.write(dir, with("  allow-http: true\n", "")), FullConfig.ENV::get).server().host())
                .as("with tls, any address").isEqualTo("0.0.0.0");
        String bad = with("listen: 0.0.0.0:9090", "listen: 8080");
        assertProblem(onlyProblemOf(bad), lineOf(bad, "listen: 8080"), "server.listen", "'8080' is not host:port", "127.0.0.1:8080");
        assertThat(onlyProblemOf(with("listen: 0.0.0.0:9090", "listen: 0.0.0.0:70000")).message()).isEqualTo("'0.0.0.0:70000' is not host:port");
    }

    @Test
    void tlsNeedsPemFilesOrAKeystore() throws IOException {
        String both = with("    key: server.key\n", "    key: server.key\n    keystore: server.p12\n");
        assertThat(onlyProblemOf(both).message()).isEqualTo("both PEM files and a keystore are set");
        String half = with("    key: server.key\n", "");
        assertProblem(onlyProblemOf(half), lineOf(half, "certificate: server.crt"), "server.tls", "'certificate' is set but not 'key'", "give both");
        String none = with("    certificate: server.crt\n    key: server.key\n", "    password: x\n");
        assertThat(onlyProblemOf(none).message()).isEqualTo("no certificate is set");
    }

    @Test
    void jwtNeedsExactlyOneKeySourceALongEnoughSecretAnIssuerAndAnAudience() throws IOException {
        String both = with("    issuer: https://login.example.com/\n", "    issuer: https://login.example.com/\n    secret: 0123456789abcdef0123456789abcdef\n");
        assertThat(onlyProblemOf(both).message()).isEqualTo("both 'secret' and 'jwks-url' are set");
        String neither = with("    jwks-url: https://login.example.com/.well-known/jwks.json\n", "");
        assertThat(onlyProblemOf(neither).message()).isEqualTo("neither 'secret' nor 'jwks-url' is set");
        String shortSecret = with("jwks-url: https://login.example.com/.well-known/jwks.json", "secret: tooshort");
        ConfigProblem p = onlyProblemOf(shortSecret);
        assertProblem(p, lineOf(shortSecret, "secret: tooshort"), "server.jwt.secret", "shorter than 32 bytes", "openssl rand");
        assertThat(p.render()).doesNotContain("tooshort");
        String noIssuer = with("    issuer: https://login.example.com/\n", "");
        assertThat(onlyProblemOf(noIssuer).message()).isEqualTo("'issuer' is missing");
        String notUrl = with("jwks-url: https://login.example.com/.well-known/jwks.json", "jwks-url: login.example.com/jwks");
        assertThat(onlyProblemOf(notUrl).message()).isEqualTo("'login.example.com/jwks' is not an http(s) URL");
    }

    @Test
    void aWebhookEventNameThatIsNotKnownSuggestsTheClosest() throws IOException {
        String yaml = with("events: [conflict.waiting, deadletter.created]", "events: [conflict.waiting, deadletter.create]");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "deadletter.create]"), "notifications.webhooks[0].events[1]",
                "'deadletter.create' is not an event twoway sends", "did you mean 'deadletter.created'? the events are conflict.waiting, ");
        String none = with("events: [conflict.waiting, deadletter.created]", "events: []");
        assertThat(onlyProblemOf(none).message()).isEqualTo("the webhook lists no events");
    }

    @Test
    void aWebhookUrlMustBeHttpsUnlessLoopbackOrAllowedAndNeverShowsItsPath() throws IOException {
        String plain = with("url: https://hooks.example.com/twoway", "url: http://hooks.example.com/t0ken");
        ConfigProblem p = onlyProblemOf(plain);
        assertProblem(p, lineOf(plain, "t0ken"), "notifications.webhooks[0].url", "plain http to hooks.example.com", "allow-http: true");
        assertThat(p.render()).doesNotContain("t0ken");
        assertThatReads(with("url: https://hooks.example.com/twoway", "url: http://127.0.0.1:9000/twoway"));
        assertThatReads(with("url: https://hooks.example.com/twoway", "url: http://[::1]:9000/twoway"));
        String notHttp = with("url: https://hooks.example.com/twoway", "url: ftp://hooks.example.com/twoway");
        assertThat(onlyProblemOf(notHttp).message()).isEqualTo("the url is not an http(s) URL with a host");
        String missing = with("      url: https://hooks.example.com/twoway\n", "");
        assertProblem(onlyProblemOf(missing), lineOf(missing, "- name: ops"), "notifications.webhooks[0]", "'url' is missing", "add url: <URL>");
    }

    @Test
    void aJsonWebhookNeedsALongEnoughSecretASlackOneDoesNot() throws IOException {
        String none = with("      secret: ${file:hook-secret.txt}\n", "");
        assertProblem(onlyProblemOf(none), lineOf(none, "- name: ops"), "notifications.webhooks[0]", "a json webhook needs a secret", "openssl rand -hex 32");
        String shortSecret = with("secret: ${file:hook-secret.txt}", "secret: tooshort");
        ConfigProblem p = onlyProblemOf(shortSecret);
        assertProblem(p, lineOf(shortSecret, "secret: tooshort"), "notifications.webhooks[0].secret", "shorter than 16 bytes", "openssl rand");
        assertThat(p.render()).doesNotContain("tooshort");
    }

    @Test
    void aWebhookNameIsUniqueAndItsKeysAndFormatAreChecked() throws IOException {
        String twice = with("- name: chat", "- name: ops");
        assertProblem(onlyProblemOf(twice), lineOf(twice, "url: http://chat.internal") - 1, "notifications.webhooks[1].name",
                "webhook name 'ops' is already used at line " + lineOf(twice, "- name: ops"), "its own name");
        String yaml = with("      max-attempts: 3\n", "      max-atempts: 3\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "max-atempts"), "notifications.webhooks[0].max-atempts",
                "unknown key 'max-atempts' in notifications.webhooks[]", "did you mean 'max-attempts'?");
        String format = with("format: slack", "format: slak");
        assertProblem(onlyProblemOf(format), lineOf(format, "format: slak"), "notifications.webhooks[1].format", "'slak' is not one of json, slack", "write slack");
        String notList = with("  webhooks:\n    - name: ops", "  webhooks: ops\n  old:\n    - name: ops");
        assertThat(problemsOf(notList)).anySatisfy(q -> assertThat(q.message()).isEqualTo("expected a list of webhooks, found a value"));
    }

    @Test
    void aSystemListedTwiceInThePriorityIsReported() throws IOException {
        String yaml = with("priority: [erp, crm]\n", "priority: [erp, erp]\n");
        assertThat(problemsOf(yaml)).anySatisfy(p -> assertThat(p.message()).isEqualTo("'erp' is listed twice"));
    }

    @Test
    void aPasswordInsideTheUrlsUserInfoIsRefusedToo() throws IOException {
        String yaml = with("url: jdbc:postgresql://crm-db:5432/crm\n", "url: jdbc:postgresql://app:hunter2@crm-db:5432/crm\n");
        ConfigProblem p = onlyProblemOf(yaml);
        assertThat(p.message()).isEqualTo("the url holds a password");
        assertThat(p.render()).doesNotContain("hunter2");
    }

    @Test
    void unknownKeyFarFromEveryKnownKeyListsTheKnownKeysWithoutAGuess() throws IOException {
        String yaml = with("  clock-check: 10m\n", "  clock-check: 10m\n  colour: blue\n");
        ConfigProblem p = onlyProblemOf(yaml);
        assertProblem(p, lineOf(yaml, "colour: blue"), "engine.colour", "unknown key 'colour' in engine",
                "known keys here: batch-size, max-attempts, poll-interval, clock-check");
        assertThat(p.fix()).doesNotContain("did you mean");
    }

    @Test
    void missingTableIsReportedOnTheEndpointsSection() throws IOException {
        String yaml = with("        table: Customer\n", "");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "key: [CustomerId, Region]"), "syncs.customers.endpoints.erp",
                "'table' is missing", "add table: <name> (The table, spelled as the database spells it.)");
    }

    @Test
    void missingConnectorIsReportedOnceAndTheSystemStillCountsAsAnEndpoint() throws IOException {
        String yaml = with("    connector: mariadb\n", "");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "url: jdbc:mariadb"), "systems.erp", "'connector' is missing",
                "add connector: <postgres | mariadb | mysql | sqlite | rest>");
    }

    @Test
    void emptyFileLacksSystemsAndSyncs() throws IOException {
        List<ConfigProblem> problems = problemsOf("");
        assertThat(problems).extracting(ConfigProblem::message).containsExactly("'systems' is missing", "'syncs' is missing");
        assertThat(problems).allSatisfy(p -> assertThat(p.at().line()).isEqualTo(1));
    }

    @Test
    void fileWithOnlyACommentIsEmptyToo() throws IOException {
        assertThat(problemsOf("# nothing here yet\n")).extracting(ConfigProblem::message)
                .containsExactly("'systems' is missing", "'syncs' is missing");
    }

    @Test
    void topLevelThatIsNotASectionIsReported() throws IOException {
        ConfigProblem p = onlyProblemOf("- a\n- b\n");
        assertThat(p.message()).isEqualTo("expected a section of 'key: value' lines, found a list");
        assertThat(p.at().line()).isEqualTo(1);
    }

    @Test
    void sectionGivenAsOneValueIsReported() throws IOException {
        String yaml = with("""
                engine:
                  batch-size: 250
                  max-attempts: 5
                  poll-interval: 500ms
                  clock-check: 10m
                """, "engine: fast\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "engine: fast"), "engine",
                "expected a section of 'key: value' lines, found a value", "indent the settings under engine");
    }

    @Test
    void listWhereOneValueBelongsIsReported() throws IOException {
        String yaml = with("table: Order\n", "table: [Order, Orders]\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "table: [Order, Orders]"), "syncs.orders.endpoints.erp.table",
                "expected a single value, found a list", "write table: <value>");
    }

    // ---- names that refer to each other --------------------------------------------------------------------

    @Test
    void ownerNamingAnUnknownSystemSuggestsTheEndpoint() throws IOException {
        String yaml = with("email: { owner: crm }", "email: { owner: crmm }");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "owner: crmm"), "syncs.customers.conflicts.fields.email.owner",
                "'crmm' is not an endpoint of this sync", "did you mean 'crm'? endpoints: crm, erp, shop");
    }

    @Test
    void priorityListNamingAnUnknownSystemPointsAtTheEntry() throws IOException {
        String yaml = with("priority: [erp, crm]\n", "priority: [erp, crn]\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "priority: [erp, crn]"), "syncs.customers.conflicts.priority[1]",
                "'crn' is not an endpoint of this sync", "did you mean 'crm'?");
    }

    @Test
    void priorityPolicyNamingAnUnknownSystemPointsAtTheEntry() throws IOException {
        String yaml = with("since: { priority: [erp, crm] }", "since: { priority: [erp, warehouse] }");
        ConfigProblem p = onlyProblemOf(yaml);
        assertProblem(p, lineOf(yaml, "warehouse"), "syncs.customers.conflicts.fields.since.priority[1]",
                "'warehouse' is not an endpoint of this sync", "endpoints: crm, erp, shop");
        assertThat(p.fix()).doesNotContain("did you mean");
    }

    @Test
    void systemThatIsNotAnEndpointOfTheSyncIsAnUnknownKeyOfTheField() throws IOException {
        String yaml = with("customer: { crm: customer_id, erp: CustomerId }", "customer: { crm: customer_id, erp: CustomerId, shop: customer }");
        ConfigProblem p = onlyProblemOf(yaml);
        assertProblem(p, lineOf(yaml, "shop: customer }"), "syncs.orders.fields.customer.shop",
                "unknown key 'shop' in syncs.<sync>.fields.<field>", "known keys here: type, match, sensitive, crm, erp");
    }

    @Test
    void misspelledSystemInAFieldSuggestsTheEndpoint() throws IOException {
        String yaml = with("phone: { crm: phone, erp: Phone }", "phone: { crm: phone, epr: Phone }");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "epr: Phone"), "syncs.customers.fields.phone.epr",
                "unknown key 'epr' in syncs.<sync>.fields.<field>", "did you mean 'erp'?");
    }

    @Test
    void endpointNamingAnUnconfiguredSystemSuggestsTheSystem() throws IOException {
        String yaml = with("""
                      erp:
                        table: Order
                """, """
                      epr:
                        table: Order
                """);
        List<ConfigProblem> problems = problemsOf(yaml);
        assertThat(problems).isNotEmpty();
        assertProblem(problems.getFirst(), lineOf(yaml, "epr:"), "syncs.orders.endpoints.epr", "'epr' is not a configured system",
                "did you mean 'erp'? endpoints are named after their system; systems: crm, erp, shop");
    }

    @Test
    void fieldWrittenAsOneValueIsReportedOnceAndPoliciesNamingItAreNot() throws IOException {
        String yaml = with("phone: { crm: phone, erp: Phone }", "phone: Phone");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "phone: Phone"), "syncs.customers.fields.phone",
                "expected a section of 'key: value' lines, found a value", null);
    }

    @Test
    void syncsWrittenAsAListIsReportedOnce() throws IOException {
        String yaml = "systems:\n  a: { connector: sqlite, path: a.db }\n  b: { connector: sqlite, path: b.db }\nsyncs: [customers]\n";
        assertProblem(onlyProblemOf(yaml), 4, "syncs", "expected a section of 'key: value' lines, found a list", null);
    }

    @Test
    void fieldWithoutAnyEndpointColumnIsNotMapped() throws IOException {
        String yaml = with("total: { type: decimal, crm: total, erp: Total }", "total: { type: decimal }");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "total: { type: decimal }"), "syncs.orders.fields.total",
                "field 'total' is not mapped to any endpoint", "total: { crm: total, erp: total }");
    }

    @Test
    void matchNamingAnUnknownFieldSuggestsTheField() throws IOException {
        String yaml = with("match: [email]", "match: [emial]");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "match: [emial]"), "syncs.customers.match[0]",
                "'emial' is not a field of the sync", "did you mean 'email'?");
    }

    @Test
    void matchAsOneNameIsCheckedToo() throws IOException {
        String yaml = with("match: [email]", "match: mail");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "match: mail"), "syncs.customers.match",
                "'mail' is not a field of the sync", "did you mean 'email'?");
    }

    @Test
    void conflictPolicyForAnUnknownFieldSuggestsTheField() throws IOException {
        String yaml = with("phone: manual", "phon: manual");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "phon: manual"), "syncs.customers.conflicts.fields.phon",
                "'phon' is not a field of the sync", "did you mean 'phone'?");
    }

    @Test
    void softDeleteOfAnUnknownFieldSuggestsTheField() throws IOException {
        String yaml = with("field: active", "field: actve");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "field: actve"), "syncs.customers.deletes.field",
                "'actve' is not a field of the sync", "did you mean 'active'?");
    }

    @Test
    void referenceToAnUnknownSyncSuggestsTheSync() throws IOException {
        String yaml = with("customer_id: customers", "customer_id: customer");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "customer_id: customer"), "syncs.orders.endpoints.crm.references.customer_id",
                "'customer' is not a sync of this config", "did you mean 'customers'? syncs: customers, orders");
    }

    @Test
    void syncReferencingItselfIsRefused() throws IOException {
        String yaml = with("references: { CustomerId: customers }", "references: { CustomerId: orders }");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "CustomerId: orders"), "syncs.orders.endpoints.erp.references.CustomerId",
                "a sync cannot reference itself", "reference the sync that holds the referenced table");
    }

    @Test
    void syncWithOneEndpointNeedsAnother() throws IOException {
        String yaml = with("""
                      erp:
                        table: Order
                        references: { CustomerId: customers }
                """, "");
        List<ConfigProblem> problems = problemsOf(yaml);
        assertThat(problems).extracting(ConfigProblem::message).contains("a sync needs at least two endpoints, found 1");
        ConfigProblem p = problems.stream().filter(x -> x.message().startsWith("a sync needs")).findFirst().orElseThrow();
        // the endpoints section starts with its first key, on the line before "table: orders"
        assertProblem(p, lineOf(yaml, "table: orders") - 1, "syncs.orders.endpoints", "a sync needs at least two endpoints, found 1",
                "add the other system's table");
    }

    @Test
    void nameThatIsNotSimpleIsRefused() throws IOException {
        String yaml = with("  shop:\n    connector: sqlite", "  \"my shop\":\n    connector: sqlite");
        List<ConfigProblem> problems = problemsOf(yaml);
        assertThat(problems).isNotEmpty();
        assertProblem(problems.getFirst(), lineOf(yaml, "my shop"), "systems.my shop", "system name 'my shop' is not a simple name",
                "use letters, digits, '_' and '-', starting with a letter");
    }

    // ---- value forms ---------------------------------------------------------------------------------------

    @Test
    void badDurationIsReportedWithTheAcceptedForms() throws IOException {
        String yaml = with("overlap: 3s", "overlap: 3 secs");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "overlap: 3 secs"), "syncs.customers.endpoints.erp.overlap",
                "'3 secs' is not a duration", "write e.g. 500ms, 2s, 5m, 1h or 1d");
    }

    @Test
    void negativeDurationIsRefused() throws IOException {
        String yaml = with("skew-window: 2s", "skew-window: PT-2S");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "skew-window: PT-2S"), "syncs.customers.conflicts.skew-window",
                "'PT-2S' is not a duration", null);
    }

    @Test
    void durationBeyondWhatJavaHoldsIsReportedNotACrash() throws IOException {
        String yaml = with("clock-check: 10m", "clock-check: 99999999999999999999d");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "clock-check:"), "engine.clock-check",
                "'99999999999999999999d' is not a duration", null);
    }

    @Test
    void directionOutsideItsChoicesListsThem() throws IOException {
        String yaml = with("direction: target", "direction: sideways");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "direction: sideways"), "syncs.customers.endpoints.shop.direction",
                "'sideways' is not one of both, source, target", "write one of both | source | target");
    }

    @Test
    void directionCloseToAChoiceSuggestsIt() throws IOException {
        String yaml = with("direction: target", "direction: targt");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "direction: targt"), "syncs.customers.endpoints.shop.direction",
                "'targt' is not one of both, source, target", "write target");
    }

    @Test
    void unknownConnectorIsReportedOnce() throws IOException {
        String yaml = with("connector: postgres", "connector: oracle");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "connector: oracle"), "systems.crm.connector",
                "'oracle' is not one of postgres, postgresql, mariadb, mysql, sqlite", null);
    }

    @Test
    void smallIntegerBelowTheMinimumIsRefused() throws IOException {
        String yaml = with("batch-size: 250", "batch-size: 0");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "batch-size: 0"), "engine.batch-size",
                "'0' is not a whole number of at least 1", "write e.g. 100");
    }

    @Test
    void matchFlagMustBeTrueOrFalse() throws IOException {
        String yaml = with("match: true", "match: maybe");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "match: maybe"), "syncs.customers.fields.email.match",
                "'maybe' is not true or false", "write true or false");
    }

    @Test
    void unknownFieldTypeNamesTheTypes() throws IOException {
        String yaml = with("type: date", "type: datum");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "type: datum"), "syncs.customers.fields.since.type",
                "unknown type 'datum': use one of string, integer, decimal, boolean, date, timestamp, json, bytes", null);
    }

    @Test
    void unknownZoneIsRefused() throws IOException {
        String yaml = with("zone: Europe/Berlin", "zone: Europe/Bonn");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "zone: Europe/Bonn"), "systems.crm.zone",
                "'Europe/Bonn' is not a time zone", "write a zone id such as UTC");
    }

    @Test
    void badDatePatternIsRefused() throws IOException {
        String yaml = with("format: dd.MM.yyyy", "format: dd.MM.yyyy#");
        ConfigProblem p = onlyProblemOf(yaml);
        assertProblem(p, lineOf(yaml, "format: dd.MM.yyyy#"), "syncs.customers.fields.since.erp.format",
                "'dd.MM.yyyy#' is not a date pattern", "write e.g. yyyy-MM-dd");
    }

    @Test
    void unknownDeletePolicySuggestsTheClosest() throws IOException {
        String yaml = with("deletes: archive", "deletes: archiv");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "deletes: archiv"), "syncs.orders.deletes",
                "'archiv' is not a delete policy", "did you mean 'archive'? write one of propagate, soft, archive, confirm, ignore");
    }

    @Test
    void softDeleteWithoutItsValueIsRefused() throws IOException {
        String yaml = with("      value: false\n", "");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "policy: soft"), "syncs.customers.deletes",
                "the soft delete policy needs the field to set and its value", "write deletes: { policy: soft, field: active, value: false }");
    }

    @Test
    void unknownConflictPolicySuggestsTheClosest() throws IOException {
        String yaml = with("phone: manual", "phone: manuel");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "phone: manuel"), "syncs.customers.conflicts.fields.phone",
                "'manuel' is not a conflict policy", "did you mean 'manual'?");
    }

    @Test
    void policySectionWithAnUnknownKeyIsRefused() throws IOException {
        String yaml = with("email: { owner: crm }", "email: { ownr: crm }");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "ownr: crm"), "syncs.customers.conflicts.fields.email.ownr",
                "unknown policy 'ownr'", "write owner, priority or rule");
    }

    @Test
    void computedFieldWithoutToIsRefused() throws IOException {
        String yaml = with("""
                          to:
                            first: "record.full_name.split(' ')[0]"
                            last: "record.full_name.split(' ')[1]"
                """, "");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "from: \"row.first"), "syncs.customers.fields.full_name.crm",
                "a computed field needs both 'from' (row → value) and 'to' (value → each column)", "add the missing one");
    }

    @Test
    void columnSettingsDoNotApplyToAComputedField() throws IOException {
        String yaml = with("      from: \"row.first + ' ' + row.last\"\n", "      from: \"row.first + ' ' + row.last\"\n          format: yyyy\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "format: yyyy"), "syncs.customers.fields.full_name.crm.format",
                "'format' does not apply to a computed field (from/to)", "remove it");
    }

    @Test
    void columnSectionWithoutColumnIsRefused() throws IOException {
        String yaml = with("erp: { column: Photo, bytes: hex }", "erp: { bytes: hex }");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "erp: { bytes: hex }"), "syncs.customers.fields.photo.erp",
                "'column' is missing", "add column: <name>, or write the column name directly: erp: <column>");
    }

    // ---- expressions ---------------------------------------------------------------------------------------

    @Test
    void filterThatDoesNotCompileIsReportedWithItsVariables() throws IOException {
        String yaml = with("filter: \"record.active == true\"", "filter: \"record.active ==\"");
        ConfigProblem p = onlyProblemOf(yaml);
        assertProblem(p, lineOf(yaml, "filter:"), "syncs.customers.endpoints.shop.filter",
                "expression 'record.active ==' does not compile: at line 1, column 17", "variables available here: record");
        assertThat(p.message()).containsOnlyOnce("does not compile");
    }

    @Test
    void filterThatIsNotTrueOrFalseIsRefused() throws IOException {
        String yaml = with("filter: \"record.active == true\"", "filter: \"1 + 2\"");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "filter:"), "syncs.customers.endpoints.shop.filter",
                "expression '1 + 2' does not compile: at line 1, column 3: expected type 'bool' but found 'int'", null);
    }

    @Test
    void conflictRuleThatDoesNotCompileNamesItsVariables() throws IOException {
        String yaml = with("{ rule: \"incoming.system == 'crm' ? incoming.value : current.value\" }", "{ rule: \"incoming.system ==\" }");
        ConfigProblem p = onlyProblemOf(yaml);
        assertProblem(p, lineOf(yaml, "rule: \"incoming.system ==\""), "syncs.customers.conflicts.fields.full_name.rule",
                "expression 'incoming.system ==' does not compile", "variables: field, base, current and incoming");
        assertThat(p.message()).containsOnlyOnce("does not compile");
    }

    @Test
    void computedFieldExpressionsThatDoNotCompileAreReportedEach() throws IOException {
        String yaml = with("from: \"row.first + ' ' + row.last\"", "from: \"row.first +\"")
                .replace("last: \"record.full_name.split(' ')[1]\"", "last: \"record.full_name.split(\"");
        List<ConfigProblem> problems = problemsOf(yaml);
        assertThat(problems).hasSize(2);
        assertProblem(problems.get(0), lineOf(yaml, "from: \"row.first +\""), "syncs.customers.fields.full_name.crm.from",
                "expression 'row.first +' does not compile", "variables available here: row");
        assertProblem(problems.get(1), lineOf(yaml, "last: \"record"), "syncs.customers.fields.full_name.crm.to.last",
                "does not compile", "variables available here: record");
    }

    @Test
    void validationRuleThatDoesNotCompileIsReported() throws IOException {
        String yaml = with("- rule: \"record.email.contains('@')\"", "- rule: \"record.email.contains(\"");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "- rule:"), "syncs.customers.validate[0].rule",
                "does not compile", "variables available here: record");
    }

    @Test
    void validationRuleWithoutRuleIsRefused() throws IOException {
        String yaml = with("- rule: \"record.tier != ''\"", "- message: tiers are never empty");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "- message: tiers"), "syncs.customers.validate[1]", "'rule' is missing", "add rule: <expression>");
    }

    @Test
    void validateThatIsNotAListIsRefused() throws IOException {
        String yaml = with("""
                    validate:
                      - rule: "record.email.contains('@')"
                        message: an email needs an @
                      - rule: "record.tier != ''"
                """, "    validate: \"record.tier != ''\"\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "validate:"), "syncs.customers.validate",
                "expected a list of rules, found a value", "write - rule:");
    }

    // ---- capture -------------------------------------------------------------------------------------------

    @Test
    void pollCaptureWithoutUpdatedAtIsRefused() throws IOException {
        String yaml = with("        updated-at: ModifiedAt\n", "");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "table: Customer"), "syncs.customers.endpoints.erp",
                "capture 'poll' needs the column holding each row's modification time", "add updated-at: <column>");
    }

    @Test
    void pollCaptureOfATargetOnlyEndpointNeedsNoUpdatedAt() throws IOException {
        String yaml = with("        capture: checksum\n", "");
        assertThatReads(yaml);
    }

    @Test
    void updatedAtOnATriggersEndpointIsRefused() throws IOException {
        String yaml = with("        external-id: twoway_id\n", "        external-id: twoway_id\n        updated-at: modified\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "updated-at: modified"), "syncs.customers.endpoints.crm.updated-at",
                "'updated-at' only applies to capture 'poll' (this endpoint uses 'triggers')", "remove it or set capture: poll");
    }

    @Test
    void pollSettingsOnAnEndpointOfATriggersSyncAreRefused() throws IOException {
        String yaml = with("        table: orders\n", "        table: orders\n        delete-scan: 2h\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "delete-scan: 2h"), "syncs.orders.endpoints.crm.delete-scan",
                "'delete-scan' only applies to capture 'poll' (this endpoint uses 'triggers')", null);
    }

    // ---- systems -------------------------------------------------------------------------------------------

    @Test
    void urlOfAnotherDatabaseIsRefusedForTheConnector() throws IOException {
        String yaml = with("url: jdbc:postgresql://crm-db:5432/crm", "url: jdbc:mysql://crm-db:3306/crm");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "url: jdbc:mysql"), "systems.crm.url",
                "a postgres system's url must start with jdbc:postgresql:", "write url: jdbc:postgresql://host:port/database, or change 'connector'");
    }

    @Test
    void mariadbSystemAcceptsAMysqlUrl() throws IOException {
        assertThatReads(with("url: jdbc:mariadb://erp-db:3306/erp", "url: jdbc:mysql://erp-db:3306/erp"));
    }

    @Test
    void passwordInsideTheUrlIsRefusedWithoutRepeatingIt() throws IOException {
        String yaml = with("url: jdbc:postgresql://crm-db:5432/crm", "url: jdbc:postgresql://crm-db:5432/crm?user=twoway&password=hunter2");
        ConfigProblem p = onlyProblemOf(yaml);
        assertProblem(p, lineOf(yaml, "password=hunter2"), "systems.crm.url", "the url holds a password",
                "remove it from the url and write password: ${env:CRM_PASSWORD}");
        assertThat(p.render()).doesNotContain("hunter2");
    }

    @Test
    void serverSystemWithoutUrlIsRefused() throws IOException {
        String yaml = with("    url: jdbc:mariadb://erp-db:3306/erp\n", "");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "connector: mariadb"), "systems.erp", "'url' is missing",
                "add url: jdbc:mariadb://host:port/database");
    }

    @Test
    void pathIsOnlyForSqlite() throws IOException {
        String yaml = with("    user: sync\n", "    user: sync\n    path: erp.db\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "path: erp.db"), "systems.erp.path", "'path' is for sqlite systems", "use url: jdbc:mariadb://");
    }

    @Test
    void sqliteWithPathAndUrlKeepsOne() throws IOException {
        String yaml = with("path: shop.db", "path: shop.db\n    url: jdbc:sqlite:other.db");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "path: shop.db"), "systems.shop.path", "both 'path' and 'url' are set", "keep one");
    }

    @Test
    void sqliteWithoutPathNeedsTheFile() throws IOException {
        String yaml = with("connector: sqlite\n    path: shop.db\n", "connector: sqlite\n");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "connector: sqlite"), "systems.shop", "a sqlite system needs the database file", "add path: ./shop.db");
    }

    @Test
    void noSystemsAtAllIsReported() throws IOException {
        ConfigProblem p = problemsOf("systems: {}\nsyncs: {}\n").getFirst();
        assertProblem(p, 1, "systems", "no systems are configured", "add at least two systems");
    }

    // ---- placeholders --------------------------------------------------------------------------------------

    @Test
    void unsetEnvironmentVariableSaysWhatToExport() throws IOException {
        String yaml = with("${env:PG_PASSWORD}", "${env:NOPE}");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "${env:NOPE}"), "systems.crm.password",
                "environment variable NOPE is not set", "export NOPE=… before starting twoway");
    }

    @Test
    void unreadableFilePlaceholderNamesTheResolvedPath() throws IOException {
        String yaml = with("${file:secret.txt}", "${file:missing.txt}");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "${file:missing.txt}"), "systems.erp.password",
                "cannot read " + dir.toAbsolutePath().resolve("missing.txt") + " (NoSuchFileException)",
                "relative paths start at the config file's directory");
    }

    @Test
    void filePlaceholderWithAnAbsolutePathReadsThatFile() throws IOException {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere")).resolve("pw");
        Files.writeString(elsewhere, "from-elsewhere\r\n");
        TwowayConfig c = ConfigReader.read(FullConfig.write(dir, with("${file:secret.txt}", "${file:" + elsewhere + "}")), FullConfig.ENV::get);
        assertThat(c.systems().get("erp").password().reveal()).isEqualTo("from-elsewhere");
    }

    @Test
    void unknownPlaceholderKindIsRefused() throws IOException {
        String yaml = with("${file:secret.txt}", "${vault:erp}");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "${vault:erp}"), "systems.erp.password",
                "'${vault:erp}' holds a placeholder twoway does not know", "write ${env:NAME} or ${file:PATH}");
    }

    @Test
    void emptyValueIsRefused() throws IOException {
        String yaml = with("user: sync", "user: ~");
        assertProblem(onlyProblemOf(yaml), lineOf(yaml, "user: ~"), "systems.erp.user", "the value is empty", "write a value or remove the key");
    }

    // ---- YAML ----------------------------------------------------------------------------------------------

    @Test
    void duplicateKeyIsReportedOnItsSecondLineNamingTheFirst() throws IOException {
        String yaml = with("        schema: public\n", "        schema: public\n        schema: sales\n");
        ConfigProblem p = onlyProblemOf(yaml);
        assertProblem(p, lineOf(yaml, "schema: sales"), "syncs.customers.endpoints.crm.schema",
                "'schema' is set twice (first on line " + lineOf(yaml, "schema: public") + ")", "keep one of them");
    }

    @Test
    void tabIndentationIsAYamlErrorOnItsLine() throws IOException {
        String yaml = with("    user: sync\n", "\tuser: sync\n");
        ConfigProblem p = onlyProblemOf(yaml);
        assertThat(p.at().line()).isEqualTo(lineOf(yaml, "\tuser: sync"));
        assertThat(p.message()).startsWith("not valid YAML").contains("TAB");
        assertThat(p.fix()).contains("spaces, not tabs");
    }

    // ---- many problems -------------------------------------------------------------------------------------

    @Test
    void everyProblemIsReportedAtOnceInLineOrder() throws IOException {
        String yaml = FullConfig.YAML
                .replace("batch-size: 250", "batch-size: lots")
                .replace("${env:PG_PASSWORD}", "${env:NOPE}")
                .replace("table: customers\n", "tabel: customers\n")
                .replace("overlap: 3s", "overlap: soon")
                .replace("direction: target", "direction: sideways")
                .replace("match: [email]", "match: [emial]")
                .replace("email: { owner: crm }", "email: { owner: crmm }")
                .replace("customer_id: customers", "customer_id: custmers");
        List<ConfigProblem> problems = problemsOf(yaml);
        assertThat(problems).extracting(p -> p.at().line()).containsExactly(
                lineOf(yaml, "batch-size: lots"),
                lineOf(yaml, "${env:NOPE}"),
                lineOf(yaml, "tabel: customers"), lineOf(yaml, "tabel: customers"),
                lineOf(yaml, "overlap: soon"),
                lineOf(yaml, "direction: sideways"),
                lineOf(yaml, "match: [emial]"),
                lineOf(yaml, "owner: crmm"),
                lineOf(yaml, "customer_id: custmers"));
        assertThat(problems).extracting(ConfigProblem::path).containsExactly(
                "engine.batch-size",
                "systems.crm.password",
                "syncs.customers.endpoints.crm", "syncs.customers.endpoints.crm.tabel",
                "syncs.customers.endpoints.erp.overlap",
                "syncs.customers.endpoints.shop.direction",
                "syncs.customers.match[0]",
                "syncs.customers.conflicts.fields.email.owner",
                "syncs.orders.endpoints.crm.references.customer_id");
    }

    @Test
    void exceptionMessageCountsAndRendersEveryProblem() throws IOException {
        String yaml = with("overlap: 3s", "overlap: soon").replace("direction: target", "direction: sideways");
        Path file = FullConfig.write(dir, yaml);
        ConfigException e = refused(file);
        assertThat(e.getMessage()).startsWith("2 problems in the config:\n")
                .contains(file + ":" + lineOf(yaml, "overlap: soon") + ":" + (FullConfig.lineText(yaml, "overlap: soon").indexOf("soon") + 1)
                        + ": syncs.customers.endpoints.erp.overlap: 'soon' is not a duration")
                .contains("\n      fix: write e.g. 500ms");
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private List<ConfigProblem> problemsOf(String yaml) throws IOException {
        return refused(FullConfig.write(dir, yaml)).problems();
    }

    private ConfigProblem onlyProblemOf(String yaml) throws IOException {
        List<ConfigProblem> problems = problemsOf(yaml);
        assertThat(problems).as("problems").hasSize(1);
        return problems.getFirst();
    }

    private static ConfigException refused(Path file) {
        try {
            ConfigReader.read(file, FullConfig.ENV::get);
        } catch (ConfigException e) {
            return e;
        }
        return fail("the config was accepted");
    }

    private void assertThatReads(String yaml) throws IOException {
        Path file = FullConfig.write(dir, yaml);
        assertThat(ConfigReader.read(file, FullConfig.ENV::get).syncs()).isNotEmpty();
    }

    /** {@code message} and {@code fix} are parts of the problem's texts; a {@code null} fix is not checked. */
    private static void assertProblem(ConfigProblem p, int line, String path, String message, String fix) {
        assertThat(p.at().line()).as("line of %s", p).isEqualTo(line);
        assertThat(p.path()).as("path of %s", p).isEqualTo(path);
        assertThat(p.message()).as("message of %s", p).contains(message);
        if (fix != null) assertThat(p.fix()).as("fix of %s", p).contains(fix);
    }
}
