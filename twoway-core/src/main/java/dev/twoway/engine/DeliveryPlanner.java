package dev.twoway.engine;

import dev.twoway.mapping.EndpointMapping;
import dev.twoway.merge.DeletePolicy;
import dev.twoway.merge.RecordState;
import dev.twoway.merge.Shadow;
import dev.twoway.model.Row;
import dev.twoway.spi.Write;

import dev.twoway.store.StateTransaction;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Computes the write one endpoint needs so that it holds the record's base: the difference between the base
 * (as the endpoint sees it: its fields, held fields left as they are) and the endpoint's shadow. Because the
 * write is derived from the state at delivery time, any number of changes queued for the same record collapse
 * into one write holding the latest values.
 */
final class DeliveryPlanner {
    private final SyncDefinition sync;

    DeliveryPlanner(SyncDefinition sync) {
        this.sync = sync;
    }

    /** A write and the shadow the endpoint will have once it is applied. */
    record Planned(Write write, Shadow after) {
    }

    Optional<Planned> plan(StateTransaction tx, EndpointDefinition target, RecordState state) {
        EndpointMapping mapping = References.mapping(tx, target);
        if (!target.direction().written() || !state.hasBase()) return Optional.empty();
        Shadow shadow = state.shadow(target.name());
        if (shadow != null && shadow.status() == Shadow.Status.DETACHED) return Optional.empty();
        return state.base().deleted() ? planDelete(mapping, state, shadow) : planUpsert(target, mapping, state, shadow);
    }

    private Optional<Planned> planDelete(EndpointMapping mapping, RecordState state, Shadow shadow) {
        if (shadow == null || !shadow.holdsRow() || state.isHeld(RecordState.RECORD)) return Optional.empty();
        String label = label(state);
        Row expected = mapping.toNative(label, shadow.values());
        return switch (sync.conflicts().deletes()) {
            case DeletePolicy.Soft soft -> {
                if (shadow.status() == Shadow.Status.SOFT_DELETED
                        || !mapping.canonicalFields().contains(soft.field())) yield Optional.empty();
                Row softened = shadow.values().with(soft.field(), soft.value());
                yield update(mapping, state, shadow, softened, Shadow.Status.SOFT_DELETED);
            }
            case DeletePolicy.Archive a -> Optional.of(new Planned(
                    new Write.Delete(state.id(), shadow.key(), expected, true), shadow.withStatus(Shadow.Status.GONE)));
            default -> Optional.of(new Planned(
                    new Write.Delete(state.id(), shadow.key(), expected, false), shadow.withStatus(Shadow.Status.GONE)));
        };
    }

    private Optional<Planned> planUpsert(EndpointDefinition target, EndpointMapping mapping, RecordState state, Shadow shadow) {
        Row view = viewOf(target, state, shadow);
        if (shadow == null || shadow.status() == Shadow.Status.GONE) {
            if (state.isHeld(RecordState.RECORD) || !target.filter().accepts(state.base().values())) return Optional.empty();
            Row values = mapping.toNative(label(state), view);
            Row match = sync.matchFields().isEmpty() ? Row.empty()
                    : mapping.toNative(label(state), view.only(sync.matchFields()));
            long confirmed = shadow == null ? 0 : shadow.confirmedSeq();
            return Optional.of(new Planned(new Write.Insert(state.id(), values, match),
                    new Shadow(null, Shadow.Status.PRESENT, view, confirmed)));
        }
        return update(mapping, state, shadow, view, Shadow.Status.PRESENT);
    }

    private Optional<Planned> update(EndpointMapping mapping, RecordState state, Shadow shadow, Row desired,
                                     Shadow.Status statusAfter) {
        // The common case (every save of a synced record asks each endpoint): the endpoint holds the values already.
        if (shadow.status() == statusAfter && desired.equals(shadow.values())) return Optional.empty();
        String label = label(state);
        Row wanted = mapping.toNative(label, desired);
        Row known = mapping.toNative(label, shadow.values());
        List<String> columns = new ArrayList<>();
        for (String c : wanted.names()) {
            if (!known.has(c) || !known.get(c).equals(wanted.get(c))) columns.add(c);
        }
        if (columns.isEmpty()) {
            if (shadow.status() != statusAfter) {
                // Nothing to write, but the row's role changed (e.g. soft-deleted row revived with equal values).
                return Optional.of(new Planned(new Write.Update(state.id(), shadow.key(), Row.empty(), Row.empty()),
                        new Shadow(shadow.key(), statusAfter, desired, shadow.confirmedSeq())));
            }
            return Optional.empty();
        }
        Row expected = known.only(columns);
        return Optional.of(new Planned(new Write.Update(state.id(), shadow.key(), wanted.only(columns), expected),
                new Shadow(shadow.key(), statusAfter, desired, shadow.confirmedSeq())));
    }

    /**
     * The base as this endpoint should hold it: only its canonical fields; a field held by an open manual
     * conflict keeps the endpoint's own value (nothing is written for it until a person decides).
     */
    private static Row viewOf(EndpointDefinition target, RecordState state, Shadow shadow) {
        Row view = state.base().values().only(target.mapping().canonicalFields());
        for (String held : state.held()) {
            if (!view.has(held)) continue;
            view = shadow != null && shadow.values().has(held) ? view.with(held, shadow.values().get(held)) : view.without(held);
        }
        return view;
    }

    static String label(RecordState state) {
        return state.id().value();
    }

    static boolean isNoop(Write w) {
        return w instanceof Write.Update u && u.values().size() == 0;
    }
}
