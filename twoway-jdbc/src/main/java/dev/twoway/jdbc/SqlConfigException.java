package dev.twoway.jdbc;

/**
 * The configuration of a SQL system or table does not match the database: a table or column that does not exist,
 * a table without a key, a capture mode the table cannot support. The message names the problem and the fix.
 */
public class SqlConfigException extends RuntimeException {
    public SqlConfigException(String message) {
        super(message);
    }

    public SqlConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
