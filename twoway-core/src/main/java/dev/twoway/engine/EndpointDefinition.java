package dev.twoway.engine;

import dev.twoway.mapping.EndpointMapping;
import dev.twoway.mapping.RecordFilter;

import java.util.Objects;

/**
 * One entity taking part in one sync.
 *
 * @param name      the endpoint's name in the sync: its system's name (one entity per system per sync)
 * @param entity    the table or API resource, e.g. {@code customer}
 * @param direction which way it takes part
 * @param mapping   native rows ⇄ canonical records
 * @param filter    records outside the filter are not created in this endpoint
 */
public record EndpointDefinition(String name, String entity, Direction direction, EndpointMapping mapping,
                                 RecordFilter filter) {
    public EndpointDefinition {
        Objects.requireNonNull(name);
        Objects.requireNonNull(entity);
        Objects.requireNonNull(direction);
        Objects.requireNonNull(mapping);
        filter = filter == null ? RecordFilter.ALL : filter;
    }
}
