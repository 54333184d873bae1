package dev.twoway.mapping;

import dev.twoway.expr.Expression;
import dev.twoway.expr.ExpressionException;
import dev.twoway.expr.VarType;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mapping whose records must pass validation rules when they are read from the endpoint: a record that breaks a
 * rule is a {@link MappingException} naming the rule, so it goes to dead letters with that message and is not
 * synced until it is fixed in its system (then the next change of it is read again). Rules are checked on read,
 * not on write, so a row already stored in breach of a rule never blocks the write that would correct it.
 */
public final class ValidatedMapping implements EndpointMapping {

    /** A rule over {@code record} (the canonical record read from the endpoint) and its message. */
    public record Rule(String source, String message) {
    }

    private record Compiled(Rule rule, Expression expression) {
    }

    private final String endpoint;
    private final EndpointMapping inner;
    private final List<Compiled> rules;

    /** @throws ExpressionException if a rule does not compile to a boolean expression */
    public ValidatedMapping(String endpoint, EndpointMapping inner, List<Rule> rules) {
        this.endpoint = endpoint;
        this.inner = inner;
        this.rules = rules.stream().map(r -> new Compiled(r, Expression.compile(r.source(), Map.of("record", VarType.MAP), VarType.BOOL))).toList();
    }

    @Override
    public Row toCanonical(NativeKey key, Row nativeRow) {
        Row record = inner.toCanonical(key, nativeRow);
        for (Compiled c : rules) {
            Value ok;
            try {
                ok = c.expression().evaluate(Map.of("record", record));
            } catch (ExpressionException e) {
                throw new MappingException(endpoint + ":" + key, "(validation)", c.rule().message() + " — the rule could not be evaluated: " + e.getMessage());
            }
            if (!(ok instanceof Value.Bool b) || !b.value()) {
                throw new MappingException(endpoint + ":" + key, "(validation)", c.rule().message()
                        + " (rule: " + c.rule().source() + "): correct the record in " + endpoint + ", then retry its dead letter");
            }
        }
        return record;
    }

    @Override
    public Row toNative(String recordLabel, Row canonical) {
        return inner.toNative(recordLabel, canonical);
    }

    @Override
    public Set<String> nativeColumns() {
        return inner.nativeColumns();
    }

    @Override
    public Set<String> canonicalFields() {
        return inner.canonicalFields();
    }
}
