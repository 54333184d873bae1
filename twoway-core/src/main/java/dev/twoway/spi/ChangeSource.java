package dev.twoway.spi;

import java.time.Duration;

/**
 * Reads the changes of one entity (a table, an API resource) of one system.
 *
 * <h2>Lifecycle</h2>
 * <ol>
 *   <li>The connector creates the source; the engine calls {@link #poll} repeatedly from one thread.</li>
 *   <li>The first call for an endpoint passes {@code afterPosition = null}: the source starts with a snapshot
 *       of every existing row (as {@link Change.Kind#UPSERT} changes, in pages) and then continues with
 *       the changes made since the snapshot began. Positions encode snapshot progress too, so an interrupted
 *       snapshot resumes.</li>
 *   <li>{@link #close} is called once when the engine stops.</li>
 * </ol>
 *
 * <h2>Positions</h2>
 * Positions are opaque strings owned by the source. <b>The engine, not the source, commits them</b>: it stores
 * a batch's position in the same state-store transaction that resolved the batch's changes, and passes it back
 * on the next call (also after a crash). A source must therefore tolerate being asked again for changes it has
 * already returned (at-least-once); the engine makes repeated changes harmless.
 *
 * <h2>Failures</h2>
 * {@link SystemUnavailableException} means the system cannot be reached: the engine backs off and tries
 * again. Any other exception is reported as a capture error of the endpoint and retried with backoff.
 */
public interface ChangeSource extends AutoCloseable {

    /**
     * Returns up to {@code maxChanges} changes after {@code afterPosition}.
     *
     * @param afterPosition the position returned with the previous batch, or {@code null} to start with a snapshot
     */
    ChangeBatch poll(String afterPosition, int maxChanges);

    /**
     * Blocks until the source has been told of new changes (a database notification, a webhook) or until the
     * timeout passes. Sources without a wake-up signal keep the default, which just waits.
     *
     * @return {@code true} if woken by a signal, {@code false} on timeout
     */
    default boolean awaitChanges(Duration timeout) throws InterruptedException {
        Thread.sleep(timeout);
        return false;
    }

    @Override
    default void close() {
    }
}
