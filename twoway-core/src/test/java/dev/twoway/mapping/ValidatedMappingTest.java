package dev.twoway.mapping;

import dev.twoway.expr.ExpressionException;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ValidatedMappingTest {
    private static final NativeKey KEY = NativeKey.of(42);

    /** An ERP table whose columns are renamed to the canonical fields, so rules must use the canonical names. */
    private static final EndpointMapping ERP = FieldMapping.build("erp", Map.of("email", ValueType.STRING, "tier", ValueType.INTEGER), List.of(
            FieldMappingSpec.Direct.of("email", "Email", ColumnType.of(ValueType.STRING)),
            FieldMappingSpec.Direct.of("tier", "Tier", ColumnType.of(ValueType.STRING))));

    private static final ValidatedMapping.Rule HAS_AT = new ValidatedMapping.Rule("record.email.contains('@')", "an email needs an @");
    private static final ValidatedMapping.Rule TIER_POSITIVE = new ValidatedMapping.Rule("record.tier > 0", "tiers start at 1");

    private static ValidatedMapping validated(ValidatedMapping.Rule... rules) {
        return new ValidatedMapping("erp", ERP, List.of(rules));
    }

    @Test
    void recordPassingEveryRuleConvertsAsWithoutRules() {
        Row nativeRow = Row.of("Email", "ann@example.com", "Tier", "2");
        Row record = validated(HAS_AT, TIER_POSITIVE).toCanonical(KEY, nativeRow);
        assertThat(record).isEqualTo(ERP.toCanonical(KEY, nativeRow));
        assertThat(record).isEqualTo(Row.of("email", "ann@example.com", "tier", 2L));
    }

    @Test
    void recordBreakingARuleIsRefusedWithTheRulesMessage() {
        MappingException e = catchThrowableOfType(MappingException.class,
                () -> validated(HAS_AT).toCanonical(KEY, Row.of("Email", "ann.example.com", "Tier", "2")));
        assertThat(e.record()).isEqualTo("erp:42");
        assertThat(e.field()).isEqualTo("(validation)");
        assertThat(e.getMessage()).isEqualTo("record erp:42, field '(validation)': an email needs an @ (rule: record.email.contains('@')): "
                + "correct the record in erp, then retry its dead letter");
    }

    @Test
    void firstRuleBrokenIsTheOneReported() {
        Row bad = Row.of("Email", "ann.example.com", "Tier", "0");
        assertThatThrownBy(() -> validated(TIER_POSITIVE, HAS_AT).toCanonical(KEY, bad)).hasMessageContaining("tiers start at 1");
        assertThatThrownBy(() -> validated(HAS_AT, TIER_POSITIVE).toCanonical(KEY, bad)).hasMessageContaining("an email needs an @");
    }

    @Test
    void rulesSeeTheCanonicalRecordNotTheNativeRow() {
        ValidatedMapping onNativeName = validated(new ValidatedMapping.Rule("has(record.Email)", "native name"));
        assertThatThrownBy(() -> onNativeName.toCanonical(KEY, Row.of("Email", "ann@example.com", "Tier", "1")))
                .isInstanceOf(MappingException.class).hasMessageContaining("native name");
        ValidatedMapping onCanonicalName = validated(new ValidatedMapping.Rule("record.tier == 1", "canonical type"));
        assertThat(onCanonicalName.toCanonical(KEY, Row.of("Email", "ann@example.com", "Tier", "1")).get("tier")).isEqualTo(Value.integer(1));
    }

    @Test
    void ruleThatCannotBeEvaluatedRefusesTheRecordSayingSo() {
        Row withoutEmail = Row.of("Tier", "1");
        assertThatThrownBy(() -> validated(HAS_AT).toCanonical(KEY, withoutEmail))
                .isInstanceOf(MappingException.class)
                .hasMessageStartingWith("record erp:42, field '(validation)': an email needs an @ — the rule could not be evaluated: ");
    }

    @Test
    void ruleGivingSomethingOtherThanTrueRefusesTheRecord() {
        ValidatedMapping mapping = validated(new ValidatedMapping.Rule("record.email", "email as a rule"));
        assertThatThrownBy(() -> mapping.toCanonical(KEY, Row.of("Email", "ann@example.com", "Tier", "1")))
                .isInstanceOf(MappingException.class).hasMessageContaining("email as a rule");
    }

    @Test
    void mappingWithoutRulesLetsEveryRecordThrough() {
        Row odd = Row.of("Email", "no-at", "Tier", "0");
        assertThat(validated().toCanonical(KEY, odd)).isEqualTo(ERP.toCanonical(KEY, odd));
    }

    @Test
    void writesAreNotValidatedSoARecordInBreachCanBeCorrected() {
        Row canonical = Row.of("email", "no-at", "tier", 0L);
        assertThat(validated(HAS_AT, TIER_POSITIVE).toNative("customers:1", canonical)).isEqualTo(ERP.toNative("customers:1", canonical));
    }

    @Test
    void columnsAndFieldsAreTheInnerMappings() {
        ValidatedMapping mapping = validated(HAS_AT);
        assertThat(mapping.nativeColumns()).isEqualTo(Set.of("Email", "Tier"));
        assertThat(mapping.canonicalFields()).isEqualTo(Set.of("email", "tier"));
    }

    @Test
    void ruleWithASyntaxErrorIsRefusedWhenTheMappingIsBuilt() {
        assertThatThrownBy(() -> validated(HAS_AT, new ValidatedMapping.Rule("record.email.contains(", "broken")))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("expression 'record.email.contains(' does not compile");
    }

    @Test
    void ruleThatIsNotABooleanExpressionIsRefusedWhenTheMappingIsBuilt() {
        assertThatThrownBy(() -> validated(new ValidatedMapping.Rule("1 + 2", "sum")))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("expected type 'bool' but found 'int'");
    }

    @Test
    void ruleNamingAnUnknownVariableIsRefusedWhenTheMappingIsBuilt() {
        assertThatThrownBy(() -> validated(new ValidatedMapping.Rule("row.Email != ''", "native")))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("variables available: record");
    }
}
