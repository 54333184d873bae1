package dev.twoway.spi;

import java.time.Instant;
import java.util.Optional;

/**
 * The code that talks to one system (one database, one HTTP application). A new kind of system is one new
 * module implementing this interface; nothing in the engine changes.
 *
 * <h2>Lifecycle</h2>
 * <ol>
 *   <li>The runtime creates one connector per configured system.</li>
 *   <li>The engine asks it for a {@link ChangeSource} and a {@link RecordSink} per endpoint (entity) it syncs.</li>
 *   <li>The engine calls {@link #currentTime()} now and then to measure the system's clock offset.</li>
 *   <li>{@link #close()} releases connections once every source and sink is closed.</li>
 * </ol>
 */
public interface Connector extends AutoCloseable {

    /** The system name from the configuration, e.g. {@code crm}. */
    String system();

    /** A change source for one entity. */
    ChangeSource source(String entity);

    /** A record sink for one entity. */
    RecordSink sink(String entity);

    /**
     * The system's own clock, read now ({@code SELECT now()}, an HTTP Date header). Empty if the system has no
     * readable clock; the engine then assumes it agrees with the local clock.
     */
    default Optional<Instant> currentTime() {
        return Optional.empty();
    }

    @Override
    default void close() {
    }
}
