package dev.twoway.expr;

/** An expression that does not compile, or failed while evaluating. The message quotes the expression. */
public class ExpressionException extends RuntimeException {
    public ExpressionException(String message) {
        super(message);
    }

    public ExpressionException(String message, Throwable cause) {
        super(message, cause);
    }
}
