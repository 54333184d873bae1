package dev.twoway.spi;

/**
 * The system cannot be reached at all (connection refused, authentication server down, DNS). The engine keeps
 * the endpoint's writes queued and tries again later; it does not count an attempt against any record.
 */
public class SystemUnavailableException extends RuntimeException {
    private final String system;

    public SystemUnavailableException(String system, String message, Throwable cause) {
        super("system '" + system + "' is unavailable: " + message, cause);
        this.system = system;
    }

    public SystemUnavailableException(String system, String message) {
        this(system, message, null);
    }

    public String system() {
        return system;
    }
}
