package dev.twoway.merge;

import dev.twoway.clock.HlcTimestamp;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;

import java.util.Objects;

/**
 * A change as the merge sees it: canonical values from one endpoint, stamped with its corrected time.
 *
 * @param values the canonical values the endpoint now holds, or {@code null} when its row is gone
 */
public record Incoming(String endpoint, NativeKey key, Row values, HlcTimestamp time) {
    public Incoming {
        Objects.requireNonNull(endpoint);
        Objects.requireNonNull(key);
        Objects.requireNonNull(time);
    }

    public boolean deleted() {
        return values == null;
    }

    FieldVersion version() {
        return new FieldVersion(time, endpoint);
    }
}
