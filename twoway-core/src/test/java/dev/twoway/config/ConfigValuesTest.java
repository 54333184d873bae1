package dev.twoway.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigValuesTest {

    @Test
    void durationsInShortFormWithEveryUnit() {
        assertThat(ConfigValues.duration("500ms")).contains(Duration.ofMillis(500));
        assertThat(ConfigValues.duration("2s")).contains(Duration.ofSeconds(2));
        assertThat(ConfigValues.duration("5m")).contains(Duration.ofMinutes(5));
        assertThat(ConfigValues.duration("1h")).contains(Duration.ofHours(1));
        assertThat(ConfigValues.duration("1d")).contains(Duration.ofDays(1));
        assertThat(ConfigValues.duration("0s")).contains(Duration.ZERO);
    }

    @Test
    void durationsToleranceForSpacesAndCase() {
        assertThat(ConfigValues.duration(" 2 s ")).contains(Duration.ofSeconds(2));
        assertThat(ConfigValues.duration("10M")).contains(Duration.ofMinutes(10));
    }

    @Test
    void durationsInIso8601() {
        assertThat(ConfigValues.duration("PT2S")).contains(Duration.ofSeconds(2));
        assertThat(ConfigValues.duration("PT1H30M")).contains(Duration.ofMinutes(90));
    }

    @Test
    void textThatIsNoDurationGivesNone() {
        for (String bad : List.of("", "2", "1.5s", "2 seconds", "s", "2w", "soon", "-2s")) {
            assertThat(ConfigValues.duration(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void durationTooLargeForJavaGivesNoneInsteadOfFailing() {
        assertThat(ConfigValues.duration("99999999999999999999s")).isEmpty();
        assertThat(ConfigValues.duration("9223372036854775807d")).isEmpty();
    }

    @Test
    void closestSuggestsATypoOfAKnownName() {
        assertThat(ConfigValues.closest("tabel", List.of("table", "schema", "key"))).contains("table");
        assertThat(ConfigValues.closest("crmm", List.of("crm", "erp"))).contains("crm");
        assertThat(ConfigValues.closest("Schema", List.of("table", "schema"))).as("case does not count").contains("schema");
    }

    @Test
    void closestSuggestsNothingWhenEveryNameIsFar() {
        assertThat(ConfigValues.closest("warehouse", List.of("crm", "erp"))).isEmpty();
        assertThat(ConfigValues.closest("x", List.of())).isEmpty();
    }

    @Test
    void longerNamesTolerateMoreEdits() {
        // up to a third of the length (here 3 edits), at least 2
        assertThat(ConfigValues.closest("extrnl-idd", List.of("external-id"))).contains("external-id");
        assertThat(ConfigValues.closest("ab", List.of("xyz"))).isEmpty();
    }

    @Test
    void suggestionIsAQuestionOrNothing() {
        assertThat(ConfigValues.suggestion("tabel", List.of("table"))).isEqualTo("did you mean 'table'?");
        assertThat(ConfigValues.suggestion("colour", List.of("table"))).isNull();
    }

    @Test
    void distanceCountsInsertionsDeletionsAndSubstitutions() {
        assertThat(ConfigValues.distance("table", "table")).isZero();
        assertThat(ConfigValues.distance("tabel", "table")).isEqualTo(2);
        assertThat(ConfigValues.distance("", "abc")).isEqualTo(3);
        assertThat(ConfigValues.distance("kitten", "sitting")).isEqualTo(3);
    }
}
