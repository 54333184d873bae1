package dev.twoway.server.notify;

import java.util.Arrays;
import java.util.Optional;

/** What a notification is about; {@link #wireName()} is its name in the config, the payload and {@code X-Twoway-Event}. */
public enum EventType {
    /** A conflict was parked under the manual policy (or a delete waits for confirmation): a person must decide. */
    CONFLICT_WAITING("conflict.waiting"),
    /** A write or a captured row was parked as a dead letter after failing or being refused. */
    DEADLETTER_CREATED("deadletter.created"),
    /** A sync's capture or delivery keeps reporting an error. */
    SYNC_FAILING("sync.failing"),
    /** A failing sync works again. */
    SYNC_RECOVERED("sync.recovered"),
    /** A system cannot be reached; its writes are queued. */
    SYSTEM_DOWN("system.down"),
    /** A system that was down is reachable again. */
    SYSTEM_UP("system.up");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<EventType> of(String wireName) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(wireName)).findFirst();
    }
}
