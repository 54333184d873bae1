package dev.twoway.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/configuration.md says what the code does: its reference is generated from it and its example is valid. */
class ConfigurationDocTest {
    static final Path DOC = Path.of("..", "docs", "configuration.md");
    static final String START = "<!-- reference:start -->\n";
    static final String END = "<!-- reference:end -->";

    @Test
    void theReferenceInTheDocsIsTheOneGeneratedFromTheCode() throws Exception {
        String doc = Files.readString(DOC);
        String inDoc = doc.substring(doc.indexOf(START) + START.length(), doc.indexOf(END));
        Path generated = Path.of("target", "configuration-reference.md");
        Files.createDirectories(generated.getParent());
        Files.writeString(generated, ConfigReference.markdown());
        assertThat(inDoc).as("docs/configuration.md is out of date: replace the text between the reference markers with "
                + generated.toAbsolutePath()).isEqualTo(ConfigReference.markdown());
    }

    @Test
    void theCompleteExampleInTheDocsIsAValidConfig(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("```yaml\n") + "```yaml\n".length();
        String yaml = doc.substring(start, doc.indexOf("```", start));
        Files.writeString(dir.resolve("erp-password.txt"), "s3cret\n");
        TwowayConfig cfg = ConfigReader.parse(dir.resolve("twoway.yaml"), yaml, Map.of("CRM_PASSWORD", "pw")::get);
        assertThat(cfg.syncs()).containsOnlyKeys("employees", "customers");
        assertThat(cfg.systems().get("erp").password().reveal()).isEqualTo("s3cret");
        assertThat(cfg.syncs().get("customers").match()).containsExactly("email");
        assertThat(cfg.syncs().get("customers").endpoints().get("erp").capture()).isEqualTo(TwowayConfig.Capture.POLL);
    }
}
