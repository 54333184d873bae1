package dev.twoway.expr;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.extensions.CelExtensions;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.twoway.model.Value;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * A compiled expression in CEL (the Common Expression Language): safe by construction — no loops beyond bounded
 * comprehensions, no side effects, no access to the JVM. Compiled once against declared variables, evaluated
 * many times; thread-safe.
 *
 * <p>Available: the CEL standard library and its string extension ({@code split}, {@code join},
 * {@code lowerAscii}, {@code trim}, {@code substring}…). Values: see {@link CelValues} for how canonical values
 * appear inside expressions.
 */
public final class Expression {
    private static final CelOptions OPTIONS = CelOptions.current()
            .comprehensionMaxIterations(10_000)
            .enableHeterogeneousNumericComparisons(true)
            .build();

    private final String source;
    private final CelRuntime.Program program;

    private Expression(String source, CelRuntime.Program program) {
        this.source = source;
        this.program = program;
    }

    /**
     * Compiles {@code source} with the given variables; {@code result} is the type the expression must produce
     * ({@link VarType#DYN} for any).
     *
     * @throws ExpressionException naming the expression, each problem with its line and column, and a hint
     */
    public static Expression compile(String source, Map<String, VarType> variables, VarType result) {
        if (source == null || source.isBlank()) throw new ExpressionException("empty expression: write one, e.g. record.email != ''");
        CelBuilder builder = CelFactory.standardCelBuilder().setOptions(OPTIONS)
                .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
                .addCompilerLibraries(CelExtensions.strings()).addRuntimeLibraries(CelExtensions.strings());
        variables.forEach((name, type) -> builder.addVar(name, type.cel));
        if (result != VarType.DYN) builder.setResultType(result.cel);
        Cel cel = builder.build();
        CelValidationResult compiled = cel.compile(source);
        if (compiled.hasError()) {
            String issues = compiled.getErrors().stream().map(Expression::describe).collect(Collectors.joining("; "));
            throw new ExpressionException("expression '" + source + "' does not compile: " + issues
                    + " (variables available: " + String.join(", ", variables.keySet()) + ")");
        }
        try {
            CelAbstractSyntaxTree ast = compiled.getAst();
            return new Expression(source, cel.createProgram(ast));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new ExpressionException("expression '" + source + "' cannot be prepared: " + e.getMessage(), e);
        }
    }

    private static String describe(CelIssue issue) {
        var loc = issue.getSourceLocation();
        String where = loc.getLine() > 0 ? "at line " + loc.getLine() + ", column " + (loc.getColumn() + 1) + ": " : "";
        return where + issue.getMessage();
    }

    /** Evaluates with the given variables (canonical values or rows, converted for CEL). */
    public Value evaluate(Map<String, ?> variables) {
        Map<String, Object> cel = new java.util.HashMap<>();
        variables.forEach((k, v) -> cel.put(k, switch (v) {
            case Value value -> CelValues.toCel(value);
            case dev.twoway.model.Row row -> CelValues.toCel(row);
            case Map<?, ?> m -> m;
            case null -> com.google.protobuf.NullValue.NULL_VALUE;
            default -> v;
        }));
        try {
            return CelValues.fromCel(program.eval(cel));
        } catch (CelEvaluationException e) {
            throw new ExpressionException("expression '" + source + "' failed: " + e.getMessage(), e);
        }
    }

    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return source;
    }
}
