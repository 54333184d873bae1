package dev.twoway.mapping;

import dev.twoway.expr.Expression;
import dev.twoway.expr.ExpressionException;
import dev.twoway.expr.VarType;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An endpoint's mapping built from {@link FieldMappingSpec}s: renames, conversions (see {@link TypeConversion}),
 * value maps, defaults and computed fields in both directions. Validated when built; immutable and thread-safe.
 */
public final class FieldMapping implements EndpointMapping {

    private sealed interface Compiled permits DirectField, ComputedField {
    }

    private record DirectField(FieldMappingSpec.Direct spec, ValueType type, Map<String, String> toCanonicalText) implements Compiled {
    }

    private record ComputedField(FieldMappingSpec.Computed spec, ValueType type, Expression fromNative,
                                 Map<String, Expression> toNative) implements Compiled {
    }

    private final String endpoint;
    private final List<Compiled> fields;
    private final Set<String> columns;
    private final Set<String> canonical;

    private FieldMapping(String endpoint, List<Compiled> fields) {
        this.endpoint = endpoint;
        this.fields = List.copyOf(fields);
        Set<String> cols = new LinkedHashSet<>();
        Set<String> can = new LinkedHashSet<>();
        for (Compiled c : fields) {
            switch (c) {
                case DirectField d -> cols.add(d.spec().column());
                case ComputedField x -> cols.addAll(x.spec().toNative().keySet());
            }
            can.add(c instanceof DirectField d ? d.spec().field() : ((ComputedField) c).spec().field());
        }
        this.columns = Set.copyOf(cols);
        this.canonical = Set.copyOf(can);
    }

    /**
     * Builds and validates a mapping. {@code types} are the sync's canonical fields and their types.
     *
     * @throws MappingConfigException listing every problem found
     */
    public static FieldMapping build(String endpoint, Map<String, ValueType> types, List<FieldMappingSpec> specs) {
        List<String> problems = new ArrayList<>();
        List<Compiled> compiled = new ArrayList<>();
        Set<String> seenColumns = new HashSet<>();
        for (FieldMappingSpec spec : specs) {
            ValueType type = types.get(spec.field());
            if (type == null) {
                problems.add("field '" + spec.field() + "' is not a field of the sync (known: " + String.join(", ", types.keySet()) + ")");
                continue;
            }
            switch (spec) {
                case FieldMappingSpec.Direct d -> {
                    if (!seenColumns.add(d.column())) problems.add("field '" + d.field() + "': column '" + d.column() + "' is mapped twice");
                    Map<String, String> reverse = new HashMap<>();
                    d.valueMap().forEach((can, nat) -> {
                        if (reverse.put(nat, can) != null) {
                            problems.add("field '" + d.field() + "': value map sends two values to '" + nat + "'; it must be one-to-one");
                        }
                    });
                    compiled.add(new DirectField(d, type, reverse));
                }
                case FieldMappingSpec.Computed c -> {
                    try {
                        Expression from = Expression.compile(c.fromNative(), Map.of("row", VarType.MAP), VarType.DYN);
                        Map<String, Expression> to = new LinkedHashMap<>();
                        c.toNative().forEach((col, src) -> {
                            if (!seenColumns.add(col)) problems.add("field '" + c.field() + "': column '" + col + "' is mapped twice");
                            if (!c.columnTypes().containsKey(col)) problems.add("field '" + c.field() + "': column '" + col + "' has no type");
                            to.put(col, Expression.compile(src, Map.of("record", VarType.MAP), VarType.DYN));
                        });
                        if (to.isEmpty()) problems.add("field '" + c.field() + "': a computed field needs an expression per column to write it back");
                        compiled.add(new ComputedField(c, type, from, to));
                    } catch (ExpressionException e) {
                        problems.add("field '" + c.field() + "': " + e.getMessage());
                    }
                }
            }
        }
        if (!problems.isEmpty()) throw new MappingConfigException(endpoint, problems);
        return new FieldMapping(endpoint, compiled);
    }

    @Override
    public Row toCanonical(NativeKey key, Row row) {
        String label = endpoint + ":" + key;
        Map<String, Value> out = new LinkedHashMap<>();
        for (Compiled c : fields) {
            switch (c) {
                case DirectField d -> readDirect(d, row, label).ifPresent(v -> out.put(d.spec().field(), v));
                case ComputedField x -> {
                    if (!row.names().containsAll(x.toNative().keySet())) continue;
                    Value v = evaluate(x.fromNative(), "row", row, label, x.spec().field());
                    out.put(x.spec().field(), TypeConversion.toCanonical(v, x.type(), ColumnType.of(x.type()), label, x.spec().field()));
                }
            }
        }
        return Row.of(out);
    }

    private static java.util.Optional<Value> readDirect(DirectField d, Row row, String label) {
        FieldMappingSpec.Direct s = d.spec();
        Value v = row.has(s.column()) ? row.get(s.column()) : null;
        if ((v == null || v.isNull()) && s.defaultValue() != null) return java.util.Optional.of(s.defaultValue());
        if (v == null) return java.util.Optional.empty();
        if (!s.valueMap().isEmpty() && !v.isNull()) {
            String nativeText = TypeConversion.convert(v, ValueType.STRING, s.columnType(), label, s.field()) instanceof Value.Str t ? t.value() : v.display();
            String canonicalText = d.toCanonicalText().get(nativeText);
            if (canonicalText == null) {
                if (s.fallback() == null) {
                    throw new MappingException(label, s.field(), "value '" + nativeText + "' of column '" + s.column()
                            + "' is not in the value map (known: " + String.join(", ", d.toCanonicalText().keySet()) + "): add it to the map or set a fallback");
                }
                canonicalText = s.fallback();
            }
            v = Value.str(canonicalText);
        }
        return java.util.Optional.of(TypeConversion.toCanonical(v, d.type(), s.columnType(), label, s.field()));
    }

    @Override
    public Row toNative(String recordLabel, Row canonical) {
        String label = recordLabel;
        Map<String, Value> out = new LinkedHashMap<>();
        for (Compiled c : fields) {
            switch (c) {
                case DirectField d -> writeDirect(d, canonical, label, out);
                case ComputedField x -> writeComputed(x, canonical, label, out);
            }
        }
        return Row.of(out);
    }

    private static void writeDirect(DirectField d, Row canonical, String label, Map<String, Value> out) {
        FieldMappingSpec.Direct s = d.spec();
        if (!canonical.has(s.field()) && s.defaultValue() == null) return;
        Value v = canonical.has(s.field()) ? canonical.get(s.field()) : Value.NULL;
        if (v.isNull() && s.defaultValue() != null) v = s.defaultValue();
        if (!s.valueMap().isEmpty() && !v.isNull()) {
            String nativeText = s.valueMap().get(v.display());
            if (nativeText == null) {
                throw new MappingException(label, s.field(), "value '" + v.display() + "' is not in the value map for column '" + s.column()
                        + "' (known: " + String.join(", ", s.valueMap().keySet()) + "): add it to the map");
            }
            v = Value.str(nativeText);
        }
        out.put(s.column(), TypeConversion.toNative(v, s.columnType(), label, s.field()));
    }

    private static void writeComputed(ComputedField x, Row canonical, String label, Map<String, Value> out) {
        String field = x.spec().field();
        if (!canonical.has(field)) return;
        Value wanted = canonical.get(field);
        Map<String, Value> produced = new LinkedHashMap<>();
        for (var e : x.toNative().entrySet()) {
            Value v = evaluate(e.getValue(), "record", canonical, label, field);
            produced.put(e.getKey(), TypeConversion.toNative(v, x.spec().columnTypes().get(e.getKey()), label, field));
        }
        Value back = TypeConversion.toCanonical(evaluate(x.fromNative(), "row", Row.of(produced), label, field), x.type(), ColumnType.of(x.type()), label, field);
        if (!back.equals(wanted)) {
            throw new MappingException(label, field, "'" + wanted.display() + "' does not come back the same from columns "
                    + produced.keySet() + " (it would be stored as " + Row.of(produced) + " and read as '" + back.display()
                    + "'): correct the value in the source or change the computed field's expressions");
        }
        out.putAll(produced);
    }

    private static Value evaluate(Expression e, String var, Row row, String label, String field) {
        try {
            return e.evaluate(Map.of(var, row));
        } catch (ExpressionException ex) {
            throw new MappingException(label, field, ex.getMessage(), ex);
        }
    }

    @Override
    public Set<String> nativeColumns() {
        return columns;
    }

    @Override
    public Set<String> canonicalFields() {
        return canonical;
    }
}
