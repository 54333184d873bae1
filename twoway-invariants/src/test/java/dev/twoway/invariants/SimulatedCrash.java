package dev.twoway.invariants;

/**
 * The process dying at this point. An {@link Error}, so that no {@code catch (RuntimeException)} in the engine
 * can mistake it for a failure to handle: like kill -9, nothing after it runs.
 */
final class SimulatedCrash extends Error {
    SimulatedCrash(String where) {
        super("simulated crash " + where);
    }
}
