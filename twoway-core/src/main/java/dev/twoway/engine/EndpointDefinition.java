package dev.twoway.engine;

import dev.twoway.mapping.EndpointMapping;
import dev.twoway.mapping.RecordFilter;

import java.util.Map;
import java.util.Objects;

/**
 * One entity taking part in one sync.
 *
 * @param name      the endpoint's name in the sync: its system's name (one entity per system per sync)
 * @param entity    the table or API resource, e.g. {@code customer}
 * @param direction which way it takes part
 * @param mapping   native rows ⇄ canonical records
 * @param filter    records outside the filter are not created in this endpoint
 * @param references native column → the sync whose records it references by native key (a foreign key, e.g.
 *                   {@code support_rep_id → employees}); translated through the links, so each endpoint holds its own
 *                   key of the referenced record. The column's mapping must be text on both sides (it carries the
 *                   record id canonically).
 */
public record EndpointDefinition(String name, String entity, Direction direction, EndpointMapping mapping,
                                 RecordFilter filter, Map<String, String> references) {
    public EndpointDefinition {
        Objects.requireNonNull(name);
        Objects.requireNonNull(entity);
        Objects.requireNonNull(direction);
        Objects.requireNonNull(mapping);
        filter = filter == null ? RecordFilter.ALL : filter;
        references = references == null ? Map.of() : Map.copyOf(references);
    }

    public EndpointDefinition(String name, String entity, Direction direction, EndpointMapping mapping, RecordFilter filter) {
        this(name, entity, direction, mapping, filter, Map.of());
    }
}
