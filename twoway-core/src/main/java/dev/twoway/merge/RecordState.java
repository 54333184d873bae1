package dev.twoway.merge;

import dev.twoway.model.RecordId;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything the engine keeps about one record of one sync: its base, what each endpoint holds (the shadows,
 * which are also the links), and the fields held by open manual conflicts ({@link #RECORD} holds the whole
 * record: a delete waiting for confirmation or a delete/update conflict waiting for a person).
 */
public record RecordState(RecordId id, Base base, Map<String, Shadow> shadows, Set<String> held) {

    /** The pseudo-field that holds the whole record (delete confirmations, delete/update conflicts). */
    public static final String RECORD = "__record__";

    public RecordState {
        Objects.requireNonNull(id);
        shadows = Map.copyOf(shadows);
        held = Set.copyOf(held);
    }

    public static RecordState fresh(RecordId id) {
        return new RecordState(id, null, Map.of(), Set.of());
    }

    public Shadow shadow(String endpoint) {
        return shadows.get(endpoint);
    }

    public RecordState withBase(Base b) {
        return new RecordState(id, b, shadows, held);
    }

    public RecordState withShadow(String endpoint, Shadow s) {
        Map<String, Shadow> m = new HashMap<>(shadows);
        m.put(endpoint, s);
        return new RecordState(id, base, m, held);
    }

    public RecordState hold(String field) {
        Set<String> h = new TreeSet<>(held);
        h.add(field);
        return new RecordState(id, base, shadows, h);
    }

    public RecordState release(String field) {
        Set<String> h = new TreeSet<>(held);
        h.remove(field);
        return new RecordState(id, base, shadows, h);
    }

    public boolean isHeld(String field) {
        return held.contains(field);
    }

    public boolean hasBase() {
        return base != null;
    }

    public boolean alive() {
        return base != null && !base.deleted();
    }
}
