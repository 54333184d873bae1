package dev.twoway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class YamlFileTest {
    private static final Path FILE = Path.of("twoway.yaml");

    @TempDir
    Path dir;

    @Test
    void everyNodeKnowsItsLineAndColumn() {
        ConfigNode.Mapping root = (ConfigNode.Mapping) YamlFile.parse(FILE, """
                name: crm
                tables:
                  customers: [id, email]
                """);
        assertThat(root.at()).isEqualTo(new Location(FILE, 1, 1));
        ConfigNode.Entry name = root.entry("name").orElseThrow();
        assertThat(name.keyAt()).isEqualTo(new Location(FILE, 1, 1));
        assertThat(name.value()).isEqualTo(new ConfigNode.Scalar("crm", new Location(FILE, 1, 7)));

        ConfigNode.Mapping tables = (ConfigNode.Mapping) root.entry("tables").orElseThrow().value();
        assertThat(tables.at()).isEqualTo(new Location(FILE, 3, 3));
        ConfigNode.Entry customers = tables.entry("customers").orElseThrow();
        assertThat(customers.keyAt()).isEqualTo(new Location(FILE, 3, 3));
        ConfigNode.Sequence columns = (ConfigNode.Sequence) customers.value();
        assertThat(columns.at()).isEqualTo(new Location(FILE, 3, 14));
        assertThat(columns.items()).containsExactly(new ConfigNode.Scalar("id", new Location(FILE, 3, 15)),
                new ConfigNode.Scalar("email", new Location(FILE, 3, 19)));
    }

    @Test
    void entriesKeepTheirFileOrder() {
        ConfigNode.Mapping root = (ConfigNode.Mapping) YamlFile.parse(FILE, "zeta: 1\nalpha: 2\nmid: 3\n");
        assertThat(root.entries()).extracting(ConfigNode.Entry::key).containsExactly("zeta", "alpha", "mid");
    }

    @Test
    void valuesKeepTheirTextAsWritten() {
        ConfigNode.Mapping root = (ConfigNode.Mapping) YamlFile.parse(FILE, "a: yes\nb: 007\nc: 1.50\nd: 'null'\ne: 2026-03-01\n");
        assertThat(root.entries()).extracting(e -> ((ConfigNode.Scalar) e.value()).text())
                .containsExactly("yes", "007", "1.50", "null", "2026-03-01");
    }

    @Test
    void nullTildeAndNothingAreEmptyValues() {
        ConfigNode.Mapping root = (ConfigNode.Mapping) YamlFile.parse(FILE, "a: ~\nb:\nc: null\n");
        assertThat(root.entries()).allSatisfy(e -> {
            assertThat(((ConfigNode.Scalar) e.value()).text()).isNull();
            assertThat(e.value().kind()).isEqualTo("empty");
        });
    }

    @Test
    void kindsNameWhatANodeIsForMessages() {
        ConfigNode.Mapping root = (ConfigNode.Mapping) YamlFile.parse(FILE, "a: x\nb: [x]\nc: {x: 1}\n");
        assertThat(root.entries()).extracting(e -> e.value().kind()).containsExactly("a value", "a list", "a section");
    }

    @Test
    void aliasesOfSectionsAreRead() {
        ConfigNode.Mapping root = (ConfigNode.Mapping) YamlFile.parse(FILE, "a: &base {x: 1}\nb: *base\n");
        assertThat(((ConfigNode.Mapping) root.entry("b").orElseThrow().value()).entry("x")).isPresent();
    }

    @Test
    void emptyTextIsAnEmptySectionAtTheFirstLine() {
        assertThat(YamlFile.parse(FILE, "")).isEqualTo(new ConfigNode.Mapping(List.of(), new Location(FILE, 1, 1)));
        assertThat(YamlFile.parse(FILE, "# only a comment\n")).isEqualTo(new ConfigNode.Mapping(List.of(), new Location(FILE, 1, 1)));
    }

    @Test
    void duplicateKeyIsReportedAtTheSecondWithTheFirstsLine() {
        ConfigProblem p = onlyProblem("""
                systems:
                  crm:
                    connector: postgres
                    url: jdbc:postgresql://a/b
                    connector: mariadb
                """);
        assertThat(p.at()).isEqualTo(new Location(FILE, 5, 5));
        assertThat(p.path()).isEqualTo("systems.crm.connector");
        assertThat(p.message()).isEqualTo("'connector' is set twice (first on line 3)");
        assertThat(p.fix()).isEqualTo("keep one of them");
    }

    @Test
    void everyDuplicateKeyIsReported() {
        List<ConfigProblem> problems = problems("a: 1\nb:\n  x: 1\n  x: 2\na: 3\n");
        assertThat(problems).extracting(p -> p.at().line()).containsExactly(4, 5);
        assertThat(problems).extracting(ConfigProblem::path).containsExactly("b.x", "a");
    }

    @Test
    void tabIndentationIsReportedOnItsLine() {
        ConfigProblem p = onlyProblem("systems:\n  crm:\n\tconnector: postgres\n");
        assertThat(p.at().line()).isEqualTo(3);
        assertThat(p.message()).startsWith("not valid YAML: ").contains("TAB");
        assertThat(p.fix()).contains("spaces, not tabs");
    }

    @Test
    void valueContainingColonSpaceIsReportedOnItsLine() {
        ConfigProblem p = onlyProblem("systems:\n  crm:\n    url: jdbc: postgresql\n");
        assertThat(p.at()).isEqualTo(new Location(FILE, 3, 14));
        assertThat(p.message()).isEqualTo("not valid YAML: mapping values are not allowed here");
        assertThat(p.fix()).contains("quote values that contain ': '");
    }

    @Test
    void badIndentationIsReportedOnItsLine() {
        ConfigProblem p = onlyProblem("systems:\n    crm: a\n  erp: b\n");
        assertThat(p.at().line()).isEqualTo(3);
        assertThat(p.message()).startsWith("not valid YAML: ");
    }

    @Test
    void unclosedListIsReported() {
        ConfigProblem p = onlyProblem("key: [id, email\nother: 1\n");
        assertThat(p.at().line()).isGreaterThanOrEqualTo(2);
        assertThat(p.message()).startsWith("not valid YAML: ").contains("flow sequence");
    }

    @Test
    void customTagIsRefused() {
        ConfigProblem p = onlyProblem("a: 1\npassword: !vault crm\n");
        assertThat(p.at()).isEqualTo(new Location(FILE, 2, 11));
        assertThat(p.path()).isEqualTo("password");
        assertThat(p.message()).isEqualTo("YAML tag !vault is not supported");
        assertThat(p.fix()).isEqualTo("remove the tag");
    }

    @Test
    void standardTagOutsidePlainValuesIsRefused() {
        ConfigProblem p = onlyProblem("photo: !!binary aGk=\n");
        assertThat(p.at()).isEqualTo(new Location(FILE, 1, 8));
        assertThat(p.message()).isEqualTo("YAML tag tag:yaml.org,2002:binary is not supported");
    }

    @Test
    void explicitPlainTagsAndMergeKeyTextAreAccepted() {
        ConfigNode.Mapping root = (ConfigNode.Mapping) YamlFile.parse(FILE, "a: !!str 10\nb: !!int 7\nc: <<\n");
        assertThat(root.entries()).extracting(e -> ((ConfigNode.Scalar) e.value()).text()).containsExactly("10", "7", "<<");
    }

    @Test
    void keyThatIsAListIsRefused() {
        ConfigProblem p = onlyProblem("? [a, b]\n: v\n");
        assertThat(p.at().line()).isEqualTo(1);
        assertThat(p.message()).isEqualTo("a key must be a plain name");
    }

    @Test
    void manyAliasesOfSectionsAreRefused() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 0; i < 30; i++) yaml.append("k").append(i).append(": *a\n");
        assertThat(problems(yaml.toString()).getFirst().message()).startsWith("not valid YAML: ");
    }

    @Test
    void readsAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("twoway.yaml"), "a: 1\n");
        ConfigNode.Mapping root = (ConfigNode.Mapping) YamlFile.read(file);
        assertThat(root.entry("a").orElseThrow().value().at()).isEqualTo(new Location(file, 1, 4));
    }

    @Test
    void missingFileSaysHowToGetOne() {
        ConfigProblem p = onlyProblemReading(dir.resolve("nope.yaml"));
        assertThat(p.message()).isEqualTo("no such file");
        assertThat(p.fix()).contains("twoway init").contains("--config FILE");
        assertThat(p.at()).isEqualTo(new Location(dir.resolve("nope.yaml"), 0, 0));
        assertThat(p.render()).startsWith(dir.resolve("nope.yaml") + ": no such file");
    }

    @Test
    void fileThatIsNotUtf8IsRefused() throws IOException {
        Path file = Files.write(dir.resolve("twoway.yaml"), new byte[]{'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'});
        ConfigProblem p = onlyProblemReading(file);
        assertThat(p.message()).isEqualTo("the file is not UTF-8 text");
        assertThat(p.fix()).isEqualTo("save it as UTF-8");
    }

    @Test
    void hugeFileIsNotAConfig() throws IOException {
        Path file = Files.writeString(dir.resolve("big.yaml"), "#".repeat(YamlFile.MAX_BYTES + 1));
        ConfigProblem p = onlyProblemReading(file);
        assertThat(p.message()).isEqualTo("the file is " + (YamlFile.MAX_BYTES + 1) + " bytes; a config is at most " + YamlFile.MAX_BYTES);
    }

    @Test
    void directoryIsNotReadable() {
        ConfigProblem p = onlyProblemReading(dir);
        assertThat(p.message()).startsWith("cannot read the file");
    }

    private static List<ConfigProblem> problems(String yaml) {
        try {
            YamlFile.parse(FILE, yaml);
        } catch (ConfigException e) {
            return e.problems();
        }
        return fail("the YAML was accepted");
    }

    private static ConfigProblem onlyProblem(String yaml) {
        List<ConfigProblem> problems = problems(yaml);
        assertThat(problems).hasSize(1);
        return problems.getFirst();
    }

    private static ConfigProblem onlyProblemReading(Path file) {
        try {
            YamlFile.read(file);
        } catch (ConfigException e) {
            assertThat(e.problems()).hasSize(1);
            return e.problems().getFirst();
        }
        return fail("the file was accepted");
    }
}
