package dev.twoway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** Passwords reach the driver and nothing else: not a log line, not a config problem. */
class ConfigSecretsTest {
    private static final String VALUE = "Tr0ub4dor&3-correct-horse";

    @TempDir
    Path dir;

    @Test
    void secretNeverShowsItsValueAsText() {
        Secret s = new Secret(VALUE);
        assertThat(s.toString()).isEqualTo("***");
        assertThat(String.valueOf(s)).doesNotContain(VALUE);
        assertThat("password=" + s).isEqualTo("password=***");
        assertThat(s.reveal()).isEqualTo(VALUE);
    }

    @Test
    void recordsHoldingASecretDoNotShowIt() {
        var system = new TwowayConfig.SystemConfig("crm", TwowayConfig.Connector.POSTGRES, "jdbc:postgresql://db/crm", "twoway",
                new Secret(VALUE), java.time.ZoneOffset.UTC);
        assertThat(system.toString()).contains("password=***").doesNotContain(VALUE);
    }

    @Test
    void secretMustHaveAValue() {
        assertThatThrownBy(() -> new Secret(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void boundConfigDoesNotShowThePasswordFromTheEnvironment() throws IOException {
        TwowayConfig config = ConfigReader.read(FullConfig.write(dir, FullConfig.YAML), Map.of("PG_PASSWORD", VALUE)::get);
        assertThat(config.systems().get("crm").password().reveal()).isEqualTo(VALUE);
        assertThat(config.toString()).doesNotContain(VALUE).doesNotContain(FullConfig.ERP_PASSWORD);
    }

    @Test
    void problemsOfASystemWhosePasswordComesFromTheEnvironmentNeverContainIt() throws IOException {
        String yaml = """
                systems:
                  crm:
                    connector: postgres
                    url: jdbc:mysql://db/crm
                    user: twoway
                    password: ${env:PW}
                    zone: Mars/Olympus
                  erp:
                    connector: postgres
                    url: jdbc:postgresql://db/erp?user=sync&password=${env:PW}
                    password: ${env:PW}
                    passwrd: ${env:PW}
                syncs:
                  s:
                    endpoints: { crm: { table: t }, erp: { table: t } }
                    fields: { id: { crm: id, erp: id } }
                """;
        ConfigException e = refused(yaml, Map.of("PW", VALUE));
        assertThat(e.problems()).extracting(ConfigProblem::path)
                .contains("systems.crm.url", "systems.crm.zone", "systems.erp.url", "systems.erp.passwrd");
        assertThat(e.getMessage()).doesNotContain(VALUE);
        assertThat(e.problems()).allSatisfy(p -> assertThat(p.render()).doesNotContain(VALUE));
    }

    private ConfigException refused(String yaml, Map<String, String> env) throws IOException {
        try {
            ConfigReader.read(FullConfig.write(dir, yaml), env::get);
        } catch (ConfigException e) {
            return e;
        }
        return fail("the config was accepted");
    }
}
