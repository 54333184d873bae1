package dev.twoway.expr;

import dev.twoway.merge.ConflictRule;
import dev.twoway.model.Value;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A conflict rule written as an expression. Variables: {@code field} (string), {@code base} (the last agreed
 * value), {@code current} and {@code incoming} (maps with {@code value}, {@code system}, {@code time}). The result
 * is the value to keep, e.g. {@code incoming.value > current.value ? incoming.value : current.value}.
 */
public final class CelConflictRule implements ConflictRule {
    private final Expression expression;

    public CelConflictRule(String source) {
        this.expression = Expression.compile(source, Map.of("field", VarType.STRING, "base", VarType.DYN,
                "current", VarType.MAP, "incoming", VarType.MAP), VarType.DYN);
    }

    @Override
    public Value decide(Input in) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("field", Value.str(in.field()));
        vars.put("base", in.base());
        vars.put("current", side(in.current()));
        vars.put("incoming", side(in.incoming()));
        Value chosen = expression.evaluate(vars);
        // A decimal field compared as doubles comes back as the double's decimal; keep the side it equals.
        for (Value side : new Value[]{in.incoming().value(), in.current().value()}) {
            if (side instanceof Value.Dec d && chosen instanceof Value.Dec c && d.value().doubleValue() == c.value().doubleValue()) return side;
            if (side instanceof Value.Date d && chosen instanceof Value.Str s && d.value().toString().equals(s.value())) return side;
        }
        return chosen;
    }

    private static Map<String, Object> side(Side s) {
        Map<String, Object> m = new HashMap<>();
        m.put("value", CelValues.toCel(s.value()));
        m.put("system", s.system());
        Instant t = s.time();
        m.put("time", CelValues.toCel(new Value.Timestamp(t)));
        return m;
    }

    @Override
    public String toString() {
        return expression.source();
    }
}
