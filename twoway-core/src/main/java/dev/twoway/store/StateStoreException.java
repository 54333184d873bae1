package dev.twoway.store;

/** The state store cannot be read or written. The message names the store and the cause and what to do. */
public class StateStoreException extends RuntimeException {
    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StateStoreException(String message) {
        super(message);
    }
}
