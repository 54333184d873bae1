package dev.twoway.mapping;

/**
 * A value that cannot be converted between an endpoint and the canonical record. The message names the
 * record, the field and the value, and says what would fix it. It is a validation error of one record:
 * the engine sends that record's write to dead letters and goes on with the others.
 */
public class MappingException extends RuntimeException {
    private final String record;
    private final String field;

    public MappingException(String record, String field, String message) {
        super("record " + record + ", field '" + field + "': " + message);
        this.record = record;
        this.field = field;
    }

    public MappingException(String record, String field, String message, Throwable cause) {
        super("record " + record + ", field '" + field + "': " + message, cause);
        this.record = record;
        this.field = field;
    }

    public String record() {
        return record;
    }

    public String field() {
        return field;
    }
}
