package dev.twoway.engine;

import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.NativeKey;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hints of which rows a capture must read again are kept only for a capture in flight, and boundedly: an initial sync
 * run by {@code sync --once} delivers every row between two captures and must not keep a key per row.
 */
class ResolverHintsTest {
    private final SyncDefinition sync = new SyncDefinition("s", List.of(
            new EndpointDefinition("crm", "customers", Direction.BOTH, EndpointMapping.identity(Set.of("id")), null),
            new EndpointDefinition("erp", "customers", Direction.BOTH, EndpointMapping.identity(Set.of("id")), null)),
            ConflictSettings.lastWriteWins(List.of("crm", "erp")), List.of("id"));
    private final Resolver resolver = new Resolver(sync, Map.of(), EngineOptions.defaults(), null, Map.of(), new AtomicLong(), null);

    private static List<NativeKey> keys(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> new NativeKey(Integer.toString(i))).toList();
    }

    @Test
    void deliveriesWithNoCaptureInFlightLeaveNoHints() {
        resolver.recorded("erp", keys(0, 1_000), 5);
        assertThat(resolver.hints("erp")).isZero();
    }

    @Test
    void hintsAreKeptWhileACaptureIsInFlightBoundedAndDroppedWhenItEnds() {
        resolver.captureStarted("erp");
        resolver.recorded("erp", keys(0, 10), 5);
        assertThat(resolver.hints("erp")).isEqualTo(10);

        resolver.recorded("erp", keys(10, Resolver.MAX_HINTS + 5_000), 6);
        assertThat(resolver.hints("erp")).isEqualTo(Resolver.MAX_HINTS);

        resolver.captureEnded("erp");
        assertThat(resolver.hints("erp")).isZero();
    }

    @Test
    void anOverlappingCaptureKeepsTheHintsUntilTheLastOneEnds() {
        resolver.captureStarted("erp");
        resolver.captureStarted("erp");
        resolver.recorded("erp", keys(0, 3), 5);
        resolver.captureEnded("erp");
        assertThat(resolver.hints("erp")).isEqualTo(3);
        resolver.captureEnded("erp");
        assertThat(resolver.hints("erp")).isZero();
    }
}
