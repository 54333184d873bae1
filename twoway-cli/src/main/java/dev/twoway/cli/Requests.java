package dev.twoway.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.config.TwowayConfig;
import dev.twoway.store.StateStore;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/** Where an operator's request runs: in the running {@code twoway run} if there is one, else right here. */
final class Requests {
    private Requests() {
    }

    /** Runs {@code request} and returns its one-line outcome; a refused request is an {@link IllegalArgumentException}. */
    static String carryOut(TwowayConfig cfg, ObjectNode request) throws InterruptedException {
        Optional<RunLock> lock = RunLock.tryAcquire(cfg.stateDir());
        if (lock.isEmpty()) {
            try (StateStore store = openStore(cfg)) {
                String outcome = new ControlQueue(store).submit(request, Duration.ofSeconds(30)).orElseThrow(() -> new IllegalStateException(
                        "the running twoway (pid " + RunLock.holder(cfg.stateDir()) + ") did not answer within 30 s; is it stuck? see its log"));
                if (outcome.startsWith("error: ")) throw new IllegalArgumentException(outcome.substring(7));
                return outcome + " (by the running twoway, pid " + RunLock.holder(cfg.stateDir()) + ")";
            }
        }
        try (RunLock held = lock.get(); Deployment d = new Deployment(cfg)) {
            return Operations.execute(d, request) + "; the writes go out with the next twoway sync --once or twoway run";
        }
    }

    /** Reads the state store, which must exist. */
    static <T> T read(TwowayConfig cfg, Function<StateStore, T> work) {
        try (StateStore store = openStore(cfg)) {
            return work.apply(store);
        }
    }

    static StateStore openStore(TwowayConfig cfg) {
        if (!Files.exists(cfg.stateDir().resolve("state.db"))) {
            throw new IllegalArgumentException("no state store at " + cfg.stateDir() + " yet: nothing has run with this config (twoway sync --once or twoway run starts it)");
        }
        return SqliteStateStore.open(cfg.stateDir().resolve("state.db"));
    }
}
