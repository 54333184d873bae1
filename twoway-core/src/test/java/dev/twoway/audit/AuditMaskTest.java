package dev.twoway.audit;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Sensitive values leave no trace in any shape of audit detail the engine writes; everything else is kept. */
class AuditMaskTest {
    private final AuditMask mask = new AuditMask(Map.of("customers", Set.of("phone", "Phone")));

    private String masked(String sync, String detail) {
        return mask.detail(new AuditEntry(1, Instant.now(), sync, "r1", "crm", "capture", "x", detail, "0", "1"));
    }

    @Test
    void capturedValuesAndChangesOfTheSensitiveFieldAreMasked() {
        assertThat(masked("customers", "{\"values\":{\"phone\":{\"t\":\"str\",\"v\":\"+44 1\"},\"name\":{\"t\":\"str\",\"v\":\"Ada\"}}}"))
                .isEqualTo("{\"values\":{\"phone\":\"***\",\"name\":{\"t\":\"str\",\"v\":\"Ada\"}}}");
        assertThat(masked("customers", "{\"fields\":{\"phone\":{\"old\":{\"t\":\"str\",\"v\":\"+44 1\"},\"new\":{\"t\":\"str\",\"v\":\"+44 2\"}}}}"))
                .doesNotContain("+44").contains("\"phone\":\"***\"");
        assertThat(masked("customers", "{\"fields\":[\"phone\",\"name\"]}")).as("a list of field names is not a value").isEqualTo("{\"fields\":[\"phone\",\"name\"]}");
    }

    @Test
    void writesNameNativeColumnsAndTheirPreconditionsAreMaskedToo() {
        String d = masked("customers", "{\"values\":{\"Phone\":{\"t\":\"str\",\"v\":\"+44 2\"}},\"expected\":{\"Phone\":{\"t\":\"str\",\"v\":\"+44 1\"}},\"key\":\"7\"}");
        assertThat(d).doesNotContain("+44").contains("\"key\":\"7\"");
    }

    @Test
    void decisionsAboutTheSensitiveFieldKeepWhoAndHowButNotTheValues() {
        String conflict = masked("customers", "{\"field\":\"phone\",\"policy\":\"last-write-wins\",\"tie\":false,"
                + "\"winner\":{\"system\":\"erp\",\"time\":\"t\",\"value\":{\"t\":\"str\",\"v\":\"+44 2\"}},"
                + "\"loser\":{\"system\":\"crm\",\"time\":\"t\",\"value\":{\"t\":\"str\",\"v\":\"+44 1\"}}}");
        assertThat(conflict).doesNotContain("+44").contains("\"system\":\"erp\"").contains("last-write-wins");
        String parked = masked("customers", "{\"field\":\"phone\",\"kind\":\"field\",\"base\":{\"t\":\"str\",\"v\":\"+44 0\"},"
                + "\"versions\":{\"crm\":{\"t\":\"str\",\"v\":\"+44 1\"},\"erp\":{\"t\":\"str\",\"v\":\"+44 2\"}}}");
        assertThat(parked).doesNotContain("+44").contains("\"versions\":{\"crm\":\"***\",\"erp\":\"***\"}");
        String decided = masked("customers", "{\"field\":\"phone\",\"chosen\":{\"t\":\"str\",\"v\":\"+44 2\"},\"comment\":\"called\"}");
        assertThat(decided).doesNotContain("+44").contains("called");
    }

    @Test
    void otherFieldsAndOtherSyncsAreUntouched() {
        String other = "{\"field\":\"name\",\"chosen\":{\"t\":\"str\",\"v\":\"Ada\"}}";
        assertThat(masked("customers", other)).isEqualTo(other);
        String otherSync = "{\"values\":{\"phone\":{\"t\":\"str\",\"v\":\"+44 1\"}}}";
        assertThat(masked("orders", otherSync)).isEqualTo(otherSync);
        assertThat(AuditMask.none().masksAnything()).isFalse();
        assertThat(masked("customers", "not json")).doesNotContain("not json");
    }

    @Test
    void errorTextsThatNameASensitiveFieldOrColumnAreCutAfterTheName() {
        String e = mask.error("customers", "record r1, field 'phone': '+44 20 7946 0001' is 16 characters, the column holds 10: widen the column");
        assertThat(e).doesNotContain("+44").startsWith("record r1, field 'phone").contains("***").contains("twoway deadletters list");
        assertThat(mask.error("customers", "ERROR: duplicate key value violates unique constraint; Key (Phone)=(+44 1) already exists"))
                .doesNotContain("+44 1");
        assertThat(mask.error("customers", "field 'telephone_type': 'mobile' is not one of the enum values"))
                .as("a name inside a longer name is not a mention").isEqualTo("field 'telephone_type': 'mobile' is not one of the enum values");
        assertThat(mask.error("orders", "field 'phone': +44 1")).as("other syncs have no sensitive fields").isEqualTo("field 'phone': +44 1");
        assertThat(masked("customers", "{\"error\":\"field 'phone': +44 20 too long\"}")).doesNotContain("+44");
    }
}
