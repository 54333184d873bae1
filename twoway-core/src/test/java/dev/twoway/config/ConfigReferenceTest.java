package dev.twoway.config;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigReferenceTest {

    @Test
    void markdownHasATableRowForEveryKeyInItsSection() {
        String md = ConfigReference.markdown();
        for (ConfigReference.Section s : ConfigReference.ALL) {
            String table = sectionText(md, s);
            for (ConfigReference.Key k : s.keys()) {
                String row = "| `" + k.name() + "` | " + k.takes().replace("|", "\\|") + " | "
                        + (k.required() ? "**required**" : k.defaultValue() == null ? "—" : k.defaultValue().replace("|", "\\|"))
                        + " | " + k.description().replace("|", "\\|") + " |";
                assertThat(table.lines()).as("%s → %s", s.path(), k.name()).contains(row);
            }
        }
    }

    @Test
    void everyTableRowHasFourColumnsBecausePipesInsideAreEscaped() {
        List<String> rows = ConfigReference.markdown().lines().filter(l -> l.startsWith("| `")).toList();
        assertThat(rows).hasSize(ConfigReference.ALL.stream().mapToInt(s -> s.keys().size()).sum());
        for (String row : rows) {
            long unescapedPipes = Arrays.stream(row.replace("\\|", "").split("")).filter("|"::equals).count();
            assertThat(unescapedPipes).as(row).isEqualTo(5);
        }
    }

    @Test
    void everySectionHasAHeadingAndItsDescription() {
        String md = ConfigReference.markdown();
        for (ConfigReference.Section s : ConfigReference.ALL) {
            assertThat(md).contains("### `" + s.path() + "`\n\n" + s.description() + "\n\n| key | takes | default | what it does |");
        }
    }

    @Test
    void keyNamesAreUniqueWithinASectionAndRequiredKeysHaveNoDefault() {
        for (ConfigReference.Section s : ConfigReference.ALL) {
            assertThat(s.names()).as(s.path()).doesNotHaveDuplicates();
            assertThat(s.keys()).filteredOn(ConfigReference.Key::required).allSatisfy(k -> assertThat(k.defaultValue()).isNull());
        }
    }

    @Test
    void sectionFindsItsKeysByName() {
        assertThat(ConfigReference.SYSTEM.key("connector")).hasValueSatisfying(k -> assertThat(k.required()).isTrue());
        assertThat(ConfigReference.ENDPOINT.key("overlap")).hasValueSatisfying(k -> assertThat(k.defaultValue()).isEqualTo("2s"));
        assertThat(ConfigReference.ENDPOINT.key("tabel")).isEmpty();
    }

    /** The text of one section of the markdown, from its heading to the next. */
    private static String sectionText(String md, ConfigReference.Section s) {
        int start = md.indexOf("### `" + s.path() + "`");
        assertThat(start).as("heading of %s", s.path()).isNotNegative();
        int end = md.indexOf("### `", start + 1);
        return md.substring(start, end < 0 ? md.length() : end);
    }
}
