package dev.twoway.engine;

import dev.twoway.merge.ConflictSettings;

import java.util.List;
import java.util.Objects;

/**
 * One business object kept consistent across N endpoints (two is not special).
 *
 * @param matchFields canonical fields that identify the same record in different systems when they were not
 *                    linked by the engine (initial sync, an insert retried after a crash); empty: none
 */
public record SyncDefinition(String name, List<EndpointDefinition> endpoints, ConflictSettings conflicts,
                             List<String> matchFields) {
    public SyncDefinition {
        Objects.requireNonNull(name);
        endpoints = List.copyOf(endpoints);
        Objects.requireNonNull(conflicts);
        matchFields = List.copyOf(matchFields);
        if (endpoints.size() < 2) throw new IllegalArgumentException("sync '" + name + "' needs at least two endpoints");
        if (endpoints.stream().map(EndpointDefinition::name).distinct().count() != endpoints.size()) {
            throw new IllegalArgumentException("sync '" + name + "' names an endpoint twice");
        }
    }

    public EndpointDefinition endpoint(String endpointName) {
        return endpoints.stream().filter(e -> e.name().equals(endpointName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("sync '" + name + "' has no endpoint '" + endpointName + "'"));
    }
}
