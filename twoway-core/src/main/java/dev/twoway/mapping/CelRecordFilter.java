package dev.twoway.mapping;

import dev.twoway.expr.Expression;
import dev.twoway.expr.ExpressionException;
import dev.twoway.expr.VarType;
import dev.twoway.model.Row;
import dev.twoway.model.Value;

import java.util.Map;

/** A filter written as a boolean expression over {@code record}, e.g. {@code record.status == 'active'}. */
public final class CelRecordFilter implements RecordFilter {
    private final Expression expression;

    public CelRecordFilter(String source) {
        this.expression = Expression.compile(source, Map.of("record", VarType.MAP), VarType.BOOL);
    }

    @Override
    public boolean accepts(Row canonical) {
        Value v = expression.evaluate(Map.of("record", canonical));
        if (v instanceof Value.Bool b) return b.value();
        throw new ExpressionException("filter '" + expression.source() + "' gave " + v.display() + ", not true or false");
    }

    @Override
    public String toString() {
        return expression.source();
    }
}
