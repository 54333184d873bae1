package dev.twoway.invariants;

import dev.twoway.store.StateStore;
import dev.twoway.store.StateTransaction;

import java.util.function.Function;

/**
 * Wraps the real state store and, when armed, dies inside the n-th next transaction after its work ran and
 * before it commits: the crash during a state-store commit.
 */
final class CrashingStore implements StateStore {
    private final StateStore delegate;
    private int countdown = -1;

    CrashingStore(StateStore delegate) {
        this.delegate = delegate;
    }

    void crashAfter(int transactions) {
        countdown = transactions;
    }

    @Override
    public <T> T inTransaction(Function<StateTransaction, T> work) {
        return delegate.inTransaction(tx -> {
            T result = work.apply(tx);
            if (countdown > 0 && --countdown == 0) {
                countdown = -1;
                throw new SimulatedCrash("before a state-store commit");
            }
            return result;
        });
    }

    @Override
    public String describe() {
        return "crashing " + delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
