package dev.twoway.engine;

import dev.twoway.store.StateStore;
import dev.twoway.store.StateTransaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Hands engine events to the {@link EngineListener}, keeping its contract: an event raised inside a state-store
 * transaction opened through {@link #inTransaction} is held until that transaction committed (and dropped if it
 * rolled back), and a listener that throws never breaks the engine.
 */
final class EngineEvents {
    private static final Logger log = LoggerFactory.getLogger(EngineEvents.class);

    private final EngineListener listener;
    /** The events held for the transaction open on this thread (a store runs a transaction on its caller's thread). */
    private final ThreadLocal<List<Consumer<EngineListener>>> held = new ThreadLocal<>();

    EngineEvents(EngineListener listener) {
        this.listener = listener;
    }

    /** Tells the listener now, or once the transaction open on this thread committed. */
    void tell(Consumer<EngineListener> event) {
        if (listener == EngineListener.NONE) return;
        List<Consumer<EngineListener>> open = held.get();
        if (open != null) open.add(event);
        else fire(event);
    }

    /** {@link StateStore#inTransaction}, telling the events raised by {@code work} after the commit. */
    <T> T inTransaction(StateStore store, Function<StateTransaction, T> work) {
        if (listener == EngineListener.NONE) return store.inTransaction(work);
        List<Consumer<EngineListener>> events = new ArrayList<>();
        List<Consumer<EngineListener>> outer = held.get();
        held.set(events);
        T result;
        try {
            result = store.inTransaction(work);
        } finally {
            if (outer == null) held.remove();
            else held.set(outer);
        }
        events.forEach(this::fire);
        return result;
    }

    void run(StateStore store, Consumer<StateTransaction> work) {
        inTransaction(store, tx -> {
            work.accept(tx);
            return null;
        });
    }

    private void fire(Consumer<EngineListener> event) {
        try {
            event.accept(listener);
        } catch (RuntimeException e) {
            // Metrics must never stop a sync; a broken listener shows up in the debug log only.
            log.debug("engine listener {} failed: {}", listener.getClass().getName(), e.toString());
        }
    }
}
