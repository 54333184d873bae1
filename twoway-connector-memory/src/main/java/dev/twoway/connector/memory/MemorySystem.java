package dev.twoway.connector.memory;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.Connector;
import dev.twoway.spi.RecordSink;
import dev.twoway.spi.SystemUnavailableException;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A system whose tables live in memory: the reference connector. It behaves like a small database with a
 * trigger-maintained change log: every insert, update and delete (including the engine's own writes, unless
 * {@link #tagOwnWrites}) appends the row's key to the table's log, and capture reads each logged row's
 * current state. Its clock may be skewed against the engine's, and it can be made unavailable, so tests can
 * exercise clock correction and offline queueing.
 *
 * <p>Thread-safe. Survives any number of engine restarts: it is the "external" system.
 */
public final class MemorySystem implements Connector {
    private final String name;
    private final InstantSource clock;
    private final Map<String, MemoryTable> tables = new ConcurrentHashMap<>();
    private volatile Duration skew = Duration.ZERO;
    private volatile boolean available = true;
    private volatile boolean tagOwnWrites;
    private volatile WriteFaults faults = WriteFaults.NONE;

    public MemorySystem(String name, InstantSource clock) {
        this.name = name;
        this.clock = clock;
    }

    @Override
    public String system() {
        return name;
    }

    /** The table {@code entity}, created empty on first use. */
    public MemoryTable table(String entity) {
        return tables.computeIfAbsent(entity, e -> new MemoryTable(this, e));
    }

    @Override
    public ChangeSource source(String entity) {
        return new MemorySource(table(entity));
    }

    @Override
    public RecordSink sink(String entity) {
        return new MemorySink(table(entity));
    }

    @Override
    public Optional<Instant> currentTime() {
        checkAvailable();
        return Optional.of(now());
    }

    /** This system's clock: the shared clock plus its skew. */
    public Instant now() {
        return clock.instant().plus(skew);
    }

    public void setSkew(Duration skew) {
        this.skew = skew;
    }

    public void setAvailable(boolean available) {
        this.available = available;
    }

    public boolean available() {
        return available;
    }

    /** When set, the engine's writes are not logged (like a PostgreSQL session tag): nothing echoes back. */
    public void setTagOwnWrites(boolean tag) {
        this.tagOwnWrites = tag;
    }

    boolean tagOwnWrites() {
        return tagOwnWrites;
    }

    public void setFaults(WriteFaults faults) {
        this.faults = faults == null ? WriteFaults.NONE : faults;
    }

    WriteFaults faults() {
        return faults;
    }

    void checkAvailable() {
        if (!available) throw new SystemUnavailableException(name, "connection refused (simulated outage)");
    }

    /** Convenience for tests: the rows of a table by key. */
    public Map<NativeKey, Row> rows(String entity) {
        return table(entity).snapshot();
    }
}
