package dev.twoway.store;

import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditQuery;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The engine's durable memory: links and bases (record states), the outbox, capture checkpoints, conflicts,
 * dead letters and the audit trail. The embedded default keeps it all in one SQLite file; a PostgreSQL store
 * serves several engine processes.
 *
 * <h2>Transactions</h2>
 * All reads and writes happen inside {@link #inTransaction}: the work sees a consistent snapshot and its
 * writes commit together or not at all. If the work throws, nothing it wrote is kept and the exception
 * propagates. The engine's correctness rests on this: a capture position is committed in the same transaction
 * as the record states, outbox entries and audit entries derived from the changes before it.
 *
 * <h2>Threading</h2>
 * Implementations are thread-safe; transactions may be serialized (the embedded store has one writer).
 * A transaction object must not be used after its work returns, nor from another thread.
 *
 * <h2>Failures</h2>
 * A store that cannot write (disk full, file read-only, database down) throws {@link StateStoreException}
 * naming the store and the cause; the engine stops capturing and delivering rather than go on without memory.
 */
public interface StateStore extends AutoCloseable {

    /** Runs {@code work} in one transaction and returns its result. */
    <T> T inTransaction(Function<StateTransaction, T> work);

    default void run(Consumer<StateTransaction> work) {
        inTransaction(tx -> {
            work.accept(tx);
            return null;
        });
    }

    /**
     * The audit entries after {@code query.afterSeq()} that pass its conditions, in order, read {@code query.limit()}
     * at a time, each page in its own transaction: bounded memory for a trail of any length (verification, exports).
     */
    default Iterable<AuditEntry> auditTrail(AuditQuery query) {
        return () -> new java.util.Iterator<>() {
            long after = query.afterSeq();
            java.util.Iterator<AuditEntry> page = java.util.Collections.emptyIterator();
            boolean last;

            @Override
            public boolean hasNext() {
                if (page.hasNext()) return true;
                if (last) return false;
                AuditQuery next = new AuditQuery(query.from(), query.to(), query.sync(), query.recordId(), query.system(), query.actor(),
                        query.action(), after, query.limit());
                List<AuditEntry> entries = inTransaction(tx -> tx.audit(next));
                last = entries.size() < query.limit();
                if (entries.isEmpty()) return false;
                after = entries.getLast().seq();
                page = entries.iterator();
                return true;
            }

            @Override
            public AuditEntry next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                return page.next();
            }
        };
    }

    /** A human-readable description for messages: {@code sqlite:/var/lib/twoway/state.db}. */
    String describe();

    @Override
    void close();
}
