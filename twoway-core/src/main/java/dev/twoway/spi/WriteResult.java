package dev.twoway.spi;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;

import java.util.Objects;
import java.util.Optional;

/** The outcome of one {@link Write}, in the same order as the writes given to {@link RecordSink#apply}. */
public sealed interface WriteResult {

    /**
     * The write took effect (or, for an insert, a matching row already existed).
     *
     * @param key     the row's native key (the generated key of a new row)
     * @param existed for an insert: a matching row was found and nothing was inserted
     * @param current the row as the target now holds it, if the sink knows it cheaply (else empty); lets the
     *                engine record generated or defaulted values without a second read
     */
    record Applied(NativeKey key, boolean existed, Optional<Row> current) implements WriteResult {
        public Applied {
            Objects.requireNonNull(key);
            current = current == null ? Optional.empty() : current;
        }

        public static Applied of(NativeKey key) {
            return new Applied(key, false, Optional.empty());
        }
    }

    /** The row changed since the engine last saw it; {@code current} is its state now (empty: it is gone). */
    record PreconditionFailed(Optional<Row> current) implements WriteResult {
        public PreconditionFailed {
            Objects.requireNonNull(current);
        }
    }

    /**
     * The target refused this write and will refuse it again (constraint violation, value out of range,
     * HTTP 4xx): the engine sends it to dead letters with {@code reason}. Other writes of the batch go on.
     */
    record Rejected(String reason) implements WriteResult {
        public Rejected {
            Objects.requireNonNull(reason);
        }
    }

    /** This write failed for a passing reason (deadlock, timeout, HTTP 5xx): retry it later with backoff. */
    record Failed(String reason) implements WriteResult {
        public Failed {
            Objects.requireNonNull(reason);
        }
    }
}
