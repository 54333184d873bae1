package dev.twoway.server.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Objects;

/**
 * One event to tell the webhooks about.
 *
 * @param id      the delivery id ({@code X-Twoway-Delivery}): the same for every attempt and, for events from the state
 *                store, across restarts, so a receiver can drop duplicates
 * @param type    what happened
 * @param time    when it happened
 * @param data    the event's fields (see docs/notifications.md); sensitive values already masked
 * @param values  the conflicting values for {@code conflict.waiting} (masked where sensitive), sent only to webhooks with
 *                {@code include-values}; null for other events
 */
public record Notification(String id, EventType type, Instant time, ObjectNode data, ObjectNode values) {
    public Notification {
        Objects.requireNonNull(id);
        Objects.requireNonNull(type);
        Objects.requireNonNull(time);
        Objects.requireNonNull(data);
    }
}
