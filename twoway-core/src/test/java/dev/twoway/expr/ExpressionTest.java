package dev.twoway.expr;

import dev.twoway.mapping.CelRecordFilter;
import dev.twoway.merge.ConflictRule;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExpressionTest {
    private static final Instant T = Instant.parse("2026-05-01T12:00:00Z");

    @Test
    void filterSeesTheRecordsFieldsWithTheirTypes() {
        CelRecordFilter active = new CelRecordFilter("record.status == 'active' && record.credit > 100 && has(record.email)");
        assertThat(active.accepts(Row.of("status", "active", "credit", 150L, "email", "a@x"))).isTrue();
        assertThat(active.accepts(Row.of("status", "active", "credit", 50L, "email", "a@x"))).isFalse();
        assertThat(active.accepts(Row.of("status", "active", "credit", 150L))).isFalse();
    }

    @Test
    void decimalsDatesAndTimestampsCanBeCompared() {
        CelRecordFilter f = new CelRecordFilter("record.price >= 9.99 && record.since < '2026-01-01' && record.at > timestamp('2026-04-01T00:00:00Z')");
        assertThat(f.accepts(Row.of("price", new BigDecimal("10.00"), "since", LocalDate.of(2025, 3, 1), "at", T))).isTrue();
        assertThat(f.accepts(Row.of("price", new BigDecimal("9.98"), "since", LocalDate.of(2025, 3, 1), "at", T))).isFalse();
    }

    @Test
    void bytesAndJsonAreUsable() {
        CelRecordFilter f = new CelRecordFilter("size(record.photo) == 3 && record.meta.tags[0] == 'vip' && record.meta.n == 2");
        assertThat(f.accepts(Row.of("photo", new byte[]{1, 2, 3}, "meta", Value.Json.parse("{\"tags\":[\"vip\"],\"n\":2}")))).isTrue();
    }

    @Test
    void aFilterThatIsNotBooleanIsRejectedAtCompileTime() {
        assertThatThrownBy(() -> new CelRecordFilter("'active'")).isInstanceOf(ExpressionException.class)
                .hasMessageContaining("''active''").hasMessageContaining("does not compile");
        // A field's type is only known at run time: a non-boolean result is refused then, naming the filter.
        CelRecordFilter untyped = new CelRecordFilter("record.name");
        assertThatThrownBy(() -> untyped.accepts(Row.of("name", "Ada"))).isInstanceOf(ExpressionException.class)
                .hasMessageContaining("'record.name'");
    }

    @Test
    void compileErrorsNameTheExpressionThePositionAndTheVariables() {
        assertThatThrownBy(() -> Expression.compile("record.a +", Map.of("record", VarType.MAP), VarType.DYN))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("'record.a +'").hasMessageContaining("line 1").hasMessageContaining("variables available: record");
        assertThatThrownBy(() -> Expression.compile("rec.a", Map.of("record", VarType.MAP), VarType.DYN))
                .hasMessageContaining("rec");
    }

    @Test
    void evaluationErrorsNameTheExpression() {
        Expression e = Expression.compile("record.a / record.b", Map.of("record", VarType.MAP), VarType.DYN);
        assertThatThrownBy(() -> e.evaluate(Map.of("record", Row.of("a", 1L, "b", 0L))))
                .isInstanceOf(ExpressionException.class).hasMessageContaining("'record.a / record.b' failed");
    }

    @Test
    void stringExtensionsAreAvailableForComputedFields() {
        Expression first = Expression.compile("record.full_name.split(' ')[0]", Map.of("record", VarType.MAP), VarType.STRING);
        assertThat(first.evaluate(Map.of("record", Row.of("full_name", "Ada Lovelace")))).isEqualTo(Value.str("Ada"));
        Expression full = Expression.compile("row.first + ' ' + row.last", Map.of("row", VarType.MAP), VarType.STRING);
        assertThat(full.evaluate(Map.of("row", Row.of("first", "Ada", "last", "Lovelace")))).isEqualTo(Value.str("Ada Lovelace"));
    }

    @Test
    void conflictRuleKeepsTheLargerNumber() {
        CelConflictRule max = new CelConflictRule("incoming.value > current.value ? incoming.value : current.value");
        assertThat(max.decide(input(Value.integer(7), "crm", Value.integer(9), "erp"))).isEqualTo(Value.integer(9));
        assertThat(max.decide(input(Value.integer(12), "crm", Value.integer(9), "erp"))).isEqualTo(Value.integer(12));
    }

    @Test
    void conflictRuleCanPreferASystem() {
        CelConflictRule crmFirst = new CelConflictRule("current.system == 'crm' ? current.value : incoming.value");
        assertThat(crmFirst.decide(input(Value.str("erp-value"), "erp", Value.str("crm-value"), "crm"))).isEqualTo(Value.str("crm-value"));
        assertThat(crmFirst.decide(input(Value.str("crm-value"), "crm", Value.str("erp-value"), "erp"))).isEqualTo(Value.str("crm-value"));
    }

    @Test
    void conflictRuleOnDecimalsReturnsTheExactSideNotADoubleApproximation() {
        CelConflictRule max = new CelConflictRule("incoming.value > current.value ? incoming.value : current.value");
        Value exact = new Value.Dec(new BigDecimal("12345678.123456789"));
        assertThat(max.decide(input(exact, "crm", new Value.Dec(BigDecimal.ONE), "erp"))).isEqualTo(exact);
    }

    @Test
    void comprehensionsAreBounded() {
        Expression huge = Expression.compile("[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, true)))))",
                Map.of(), VarType.BOOL);
        assertThatThrownBy(() -> huge.evaluate(Map.of())).isInstanceOf(ExpressionException.class);
    }

    private static ConflictRule.Input input(Value incoming, String inSystem, Value current, String curSystem) {
        return new ConflictRule.Input("f", Value.NULL, new ConflictRule.Side(current, curSystem, T), new ConflictRule.Side(incoming, inSystem, T.plusSeconds(1)));
    }
}
