package dev.twoway.merge;

import dev.twoway.clock.HlcTimestamp;
import dev.twoway.model.Row;
import dev.twoway.model.Value;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Three-way merge of one change into one record, field by field.
 *
 * <p>The ancestor of a change from endpoint E is E's shadow: what E held when the engine last saw it or last
 * wrote to it. A field E did not change since (value equal to the shadow) is left alone, so a change never
 * undoes another system's edit that E simply has not received yet. A field E changed is applied to the base
 * if nobody else changed it since E's shadow; if someone did, it is a conflict and the field's policy decides.
 * A change equal to the base (the engine's own write coming back) decides nothing: that is echo suppression.
 *
 * <p>Pure function of its inputs: no I/O, no clock; safe to call from any thread.
 */
public final class Merger {
    private final ConflictSettings settings;
    private final BiFunction<String, String, Duration> uncertainty;

    /**
     * @param uncertainty the clock-measurement uncertainty between two systems, added to the skew window
     */
    public Merger(ConflictSettings settings, BiFunction<String, String, Duration> uncertainty) {
        this.settings = settings;
        this.uncertainty = uncertainty;
    }

    public Merger(ConflictSettings settings) {
        this(settings, (a, b) -> Duration.ZERO);
    }

    public MergeOutcome merge(RecordState state, Incoming in) {
        List<Decision> decisions = new ArrayList<>();
        Shadow shadow = state.shadow(in.endpoint());
        if (shadow != null && shadow.status() == Shadow.Status.DETACHED) {
            return new MergeOutcome(state, decisions);
        }
        RecordState next;
        if (in.deleted()) {
            next = mergeDelete(state, shadow, in, decisions);
        } else if (!state.hasBase()) {
            decisions.add(new Decision.Created(in.endpoint(), in.values()));
            Shadow seen = shadow == null ? Shadow.present(in.key(), in.values(), 0) : shadow.seen(in.key(), in.values());
            next = state.withBase(Base.created(in.values(), in.version())).withShadow(in.endpoint(), seen);
        } else if (state.base().deleted()) {
            next = mergeIntoTombstone(state, shadow, in, decisions);
        } else {
            next = mergeFields(state, shadow, in, decisions);
        }
        return new MergeOutcome(next, decisions);
    }

    // ---- updates of a live record ------------------------------------------------------------------------

    private RecordState mergeFields(RecordState state, Shadow shadow, Incoming in, List<Decision> decisions) {
        Row ancestor = shadow != null && shadow.holdsRow() ? shadow.values() : null;
        Base base = state.base();
        Map<String, Value[]> applied = new LinkedHashMap<>();
        List<String> agreed = new ArrayList<>();
        for (String f : in.values().names()) {
            Value mine = in.values().get(f);
            boolean ancestorKnows = ancestor != null && ancestor.has(f);
            if (ancestorKnows && mine.equals(ancestor.get(f))) continue; // not changed in this endpoint
            if (state.isHeld(f)) {
                decisions.add(new Decision.HeldUpdated(f, in.endpoint(), mine));
                continue;
            }
            boolean baseKnows = base.values().has(f);
            Value current = base.values().get(f);
            if (baseKnows && mine.equals(current)) {
                agreed.add(f);
                continue;
            }
            ConflictPolicy policy = settings.policyFor(f);
            if (policy instanceof ConflictPolicy.Owner owner && !owner.system().equals(in.endpoint())) {
                if (baseKnows) {
                    decisions.add(new Decision.Reverted(f, in.endpoint(), mine, owner.system()));
                    continue;
                }
            }
            boolean concurrent = baseKnows && (!ancestorKnows || !current.equals(ancestor.get(f)));
            if (!concurrent) {
                applied.put(f, new Value[]{current, mine});
                base = base.withField(f, mine, in.version());
                continue;
            }
            FieldVersion currentVersion = versionOf(base, f);
            Decision.Side cur = new Decision.Side(currentVersion.origin(), current, currentVersion.time());
            Decision.Side inc = new Decision.Side(in.endpoint(), mine, in.time());
            if (policy instanceof ConflictPolicy.Manual) {
                Map<String, Value> versions = new LinkedHashMap<>();
                versions.put(cur.system(), current);
                versions.put(inc.system(), mine);
                decisions.add(new Decision.Parked(f, "field", ancestorKnows ? ancestor.get(f) : Value.NULL, versions));
                state = state.hold(f);
                continue;
            }
            Verdict v = decide(policy, f, ancestorKnows ? ancestor.get(f) : Value.NULL, cur, inc);
            decisions.add(new Decision.ConflictDecided(f, policy.name(), v.winner(), v.loser(), v.tie()));
            if (!v.winner().value().equals(current)) {
                FieldVersion winnerVersion = v.winner() == inc ? in.version()
                        : v.winner() == cur ? currentVersion : new FieldVersion(in.time(), "rule");
                base = base.withField(f, v.winner().value(), winnerVersion);
            }
        }
        if (!applied.isEmpty()) decisions.add(0, new Decision.FieldsChanged(in.endpoint(), applied));
        if (!agreed.isEmpty()) decisions.add(new Decision.Agreed(in.endpoint(), agreed));
        Shadow seen = shadow == null ? Shadow.present(in.key(), in.values(), 0) : shadow.seen(in.key(), in.values());
        return state.withBase(base).withShadow(in.endpoint(), seen);
    }

    private static FieldVersion versionOf(Base base, String f) {
        FieldVersion v = base.version(f);
        return v != null ? v : new FieldVersion(HlcTimestamp.ZERO, "unknown");
    }

    private record Verdict(Decision.Side winner, Decision.Side loser, boolean tie) {
    }

    private Verdict decide(ConflictPolicy policy, String field, Value ancestor, Decision.Side cur, Decision.Side inc) {
        return switch (policy) {
            case ConflictPolicy.LastWriteWins lww -> lastWriteWins(cur, inc);
            case ConflictPolicy.Priority p -> byPriority(p, cur, inc);
            case ConflictPolicy.Owner o -> o.system().equals(inc.system()) ? new Verdict(inc, cur, false) : new Verdict(cur, inc, false);
            case ConflictPolicy.Rule r -> byRule(r, field, ancestor, cur, inc);
            case ConflictPolicy.Manual m -> throw new IllegalStateException("manual conflicts are parked, not decided");
        };
    }

    private Verdict lastWriteWins(Decision.Side cur, Decision.Side inc) {
        long window = settings.skewWindow().plus(uncertainty.apply(cur.system(), inc.system())).toNanos() / 1_000;
        long delta = inc.time().wallMicros() - cur.time().wallMicros();
        if (Math.abs(delta) <= window) {
            boolean incWins = settings.rank(inc.system()) < settings.rank(cur.system())
                    || (settings.rank(inc.system()) == settings.rank(cur.system()) && inc.time().isAfter(cur.time()));
            return incWins ? new Verdict(inc, cur, true) : new Verdict(cur, inc, true);
        }
        return delta > 0 ? new Verdict(inc, cur, false) : new Verdict(cur, inc, false);
    }

    private Verdict byPriority(ConflictPolicy.Priority p, Decision.Side cur, Decision.Side inc) {
        int ri = rankIn(p, inc.system()), rc = rankIn(p, cur.system());
        if (ri == rc) return lastWriteWins(cur, inc);
        return ri < rc ? new Verdict(inc, cur, false) : new Verdict(cur, inc, false);
    }

    private static int rankIn(ConflictPolicy.Priority p, String system) {
        int i = p.systems().indexOf(system);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    private Verdict byRule(ConflictPolicy.Rule r, String field, Value ancestor, Decision.Side cur, Decision.Side inc) {
        Value chosen = r.rule().decide(new ConflictRule.Input(field, ancestor,
                new ConflictRule.Side(cur.value(), cur.system(), cur.time().instant()),
                new ConflictRule.Side(inc.value(), inc.system(), inc.time().instant())));
        if (chosen.equals(inc.value())) return new Verdict(inc, cur, false);
        if (chosen.equals(cur.value())) return new Verdict(cur, inc, false);
        // The rule computed a new value: both sides lose; the audit shows the incoming one as the loser
        // next to the current one in the winner's place, with the computed value recorded as the rule's.
        return new Verdict(new Decision.Side("rule", chosen, inc.time()), inc, false);
    }

    // ---- deletes ---------------------------------------------------------------------------------------

    private RecordState mergeDelete(RecordState state, Shadow shadow, Incoming in, List<Decision> decisions) {
        if (shadow == null || !shadow.holdsRow()) return state; // a row we never had, or already gone
        RecordState gone = state.withShadow(in.endpoint(), shadow.withStatus(Shadow.Status.GONE));
        if (!state.alive()) {
            // The row is gone as agreed: our own delete seen before its delivery was recorded, or a twin delete.
            if (state.hasBase()) decisions.add(new Decision.Agreed(in.endpoint(), List.of(RecordState.RECORD)));
            return gone;
        }
        if (state.isHeld(RecordState.RECORD)) {
            decisions.add(new Decision.HeldUpdated(RecordState.RECORD, in.endpoint(), Value.NULL));
            return gone;
        }
        if (updatedSince(state, shadow)) {
            return switch (settings.deleteVsUpdate()) {
                case DELETE_WINS -> {
                    decisions.add(new Decision.ConflictDecided(RecordState.RECORD, "delete-wins",
                            new Decision.Side(in.endpoint(), Value.NULL, in.time()),
                            new Decision.Side("base", Value.Json.parse("{\"updated\":true}"), latest(state.base())), false));
                    yield applyDelete(gone, in, decisions);
                }
                case UPDATE_WINS -> {
                    decisions.add(new Decision.DeleteLostToUpdate(in.endpoint()));
                    yield gone; // live base + GONE shadow: delivery re-creates the row there
                }
                case MANUAL -> {
                    decisions.add(new Decision.Parked(RecordState.RECORD, "delete-update", Value.NULL,
                            deleteVersions(state, in.endpoint())));
                    yield gone.hold(RecordState.RECORD);
                }
            };
        }
        return applyDelete(gone, in, decisions);
    }

    private RecordState applyDelete(RecordState gone, Incoming in, List<Decision> decisions) {
        return switch (settings.deletes()) {
            case DeletePolicy.Confirm c -> {
                decisions.add(new Decision.Parked(RecordState.RECORD, "delete-confirm", Value.NULL,
                        deleteVersions(gone, in.endpoint())));
                yield gone.hold(RecordState.RECORD);
            }
            case DeletePolicy.Ignore i -> {
                decisions.add(new Decision.Detached(in.endpoint()));
                yield gone.withShadow(in.endpoint(), gone.shadow(in.endpoint()).withStatus(Shadow.Status.DETACHED));
            }
            default -> {
                decisions.add(new Decision.Deleted(in.endpoint(), settings.deletes().name()));
                yield gone.withBase(gone.base().tombstone(in.version()));
            }
        };
    }

    /** Did other systems change the record since {@code shadow}'s endpoint last saw it? Held fields do not count. */
    private static boolean updatedSince(RecordState state, Shadow shadow) {
        for (String f : shadow.values().names()) {
            if (state.isHeld(f) || !state.base().values().has(f)) continue;
            if (!state.base().values().get(f).equals(shadow.values().get(f))) return true;
        }
        return false;
    }

    private static HlcTimestamp latest(Base base) {
        return base.versions().values().stream().map(FieldVersion::time).max(HlcTimestamp::compareTo).orElse(HlcTimestamp.ZERO);
    }

    private static Map<String, Value> deleteVersions(RecordState state, String deleter) {
        Map<String, Value> versions = new LinkedHashMap<>();
        versions.put(deleter, Value.NULL);
        versions.put("base", Value.Json.of(dev.twoway.model.ValueJson.encode(state.base().values())));
        return versions;
    }

    // ---- changes meeting a tombstone -------------------------------------------------------------------

    private RecordState mergeIntoTombstone(RecordState state, Shadow shadow, Incoming in, List<Decision> decisions) {
        boolean unchanged = shadow != null && shadow.holdsRow()
                && in.values().equals(shadow.values().only(in.values().names()))
                && shadow.values().names().containsAll(in.values().names());
        if (unchanged) return state; // the row still holds what it held before the delete: delivery removes it
        Shadow present = shadow == null ? Shadow.present(in.key(), in.values(), 0) : shadow.seen(in.key(), in.values());
        if (state.isHeld(RecordState.RECORD)) {
            decisions.add(new Decision.HeldUpdated(RecordState.RECORD, in.endpoint(),
                    Value.Json.of(dev.twoway.model.ValueJson.encode(in.values()))));
            return state.withShadow(in.endpoint(), present);
        }
        return switch (settings.deleteVsUpdate()) {
            case DELETE_WINS -> {
                decisions.add(new Decision.UpdateLostToDelete(in.endpoint(), in.values()));
                yield state.withShadow(in.endpoint(), present); // delivery deletes (or soft-deletes) it again
            }
            case UPDATE_WINS -> {
                decisions.add(new Decision.Resurrected(in.endpoint(), in.values()));
                Base revived = state.base().revived();
                for (String f : in.values().names()) revived = revived.withField(f, in.values().get(f), in.version());
                yield state.withBase(revived).withShadow(in.endpoint(), present);
            }
            case MANUAL -> {
                Map<String, Value> versions = new LinkedHashMap<>();
                versions.put(in.endpoint(), Value.Json.of(dev.twoway.model.ValueJson.encode(in.values())));
                versions.put("base", Value.NULL);
                decisions.add(new Decision.Parked(RecordState.RECORD, "delete-update", Value.NULL, versions));
                yield state.withShadow(in.endpoint(), present).hold(RecordState.RECORD);
            }
        };
    }
}
