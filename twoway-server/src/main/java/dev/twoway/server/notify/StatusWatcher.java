package dev.twoway.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Turns successive status reports ({@code twoway status --json}) into transitions: a system going down or coming
 * back, a sync starting or stopping to fail. A state counts once it is seen in {@value #STABLE} reports in a row, so
 * one failed attempt that the next retry fixes does not page anyone. The first report publishes what is already
 * down or failing (news to whoever watches), never an "up".
 *
 * <p>A system is down when an endpoint of it is unavailable in any sync. A sync fails when one of its endpoints
 * reports a capture error or a last delivery error and is not simply down (that is {@code system.down}'s news).
 */
final class StatusWatcher {
    static final int STABLE = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Failing(String stage, String endpoint, String error) {
    }

    private final Map<String, String> down = new HashMap<>();          // system -> reason, as published
    private final Map<String, Instant> downSince = new HashMap<>();
    private final Map<String, Failing> failing = new HashMap<>();      // sync -> first error, as published
    private final Map<String, Instant> failingSince = new HashMap<>();
    private final Map<String, Integer> seen = new HashMap<>();         // "kind/name/state" -> reports in a row
    private final Map<String, Instant> streakStart = new HashMap<>();  // "kind/name/state" -> the first of those reports

    /** The transitions {@code status} shows, stamped {@code now}. */
    List<Notification> observe(JsonNode status, Instant now) {
        Map<String, String> downNow = new LinkedHashMap<>();
        Map<String, List<String>> syncsOfSystem = new LinkedHashMap<>();
        Map<String, Failing> failingNow = new LinkedHashMap<>();
        Set<String> reportedSyncs = new LinkedHashSet<>();
        Set<String> reportedSystems = new LinkedHashSet<>();
        for (JsonNode s : status.path("syncs")) {
            String sync = s.path("sync").asText();
            for (JsonNode e : s.path("endpoints")) {
                if (!e.has("unavailable")) continue; // no report from a running engine: nothing known, nothing changes
                reportedSyncs.add(sync);
                String system = e.path("endpoint").asText();
                reportedSystems.add(system);
                String error = e.hasNonNull("captureError") ? e.path("captureError").asText() : e.path("lastError").asText(null);
                if (e.path("unavailable").asBoolean()) {
                    downNow.putIfAbsent(system, error == null ? "unreachable" : error);
                    syncsOfSystem.computeIfAbsent(system, k -> new ArrayList<>()).add(sync);
                } else if (error != null && !failingNow.containsKey(sync)) {
                    failingNow.put(sync, new Failing(e.hasNonNull("captureError") ? "capture" : "delivery", system, error));
                }
            }
        }
        List<Notification> out = new ArrayList<>();
        for (String system : reportedSystems) {
            boolean isDown = downNow.containsKey(system);
            if (!stable("system/" + system + "/" + isDown, now)) continue;
            if (isDown && !down.containsKey(system)) {
                down.put(system, downNow.get(system));
                downSince.put(system, streakStart.get("system/" + system + "/true"));
                ObjectNode data = JSON.createObjectNode().put("system", system).put("reason", downNow.get(system));
                syncsOfSystem.getOrDefault(system, List.of()).forEach(data.putArray("syncs")::add);
                out.add(event(EventType.SYSTEM_DOWN, now, data));
            } else if (!isDown && down.containsKey(system)) {
                down.remove(system);
                Instant since = downSince.remove(system);
                out.add(event(EventType.SYSTEM_UP, now, JSON.createObjectNode().put("system", system).put("downSince", Objects.toString(since))));
            }
        }
        for (String sync : reportedSyncs) {
            Failing f = failingNow.get(sync);
            if (!stable("sync/" + sync + "/" + (f != null), now)) continue;
            if (f != null && !failing.containsKey(sync)) {
                failing.put(sync, f);
                Instant since = streakStart.get("sync/" + sync + "/true");
                failingSince.put(sync, since);
                out.add(event(EventType.SYNC_FAILING, now, JSON.createObjectNode().put("sync", sync).put("stage", f.stage())
                        .put("endpoint", f.endpoint()).put("error", f.error()).put("since", since.toString())));
            } else if (f == null && failing.containsKey(sync)) {
                failing.remove(sync);
                Instant since = failingSince.remove(sync);
                out.add(event(EventType.SYNC_RECOVERED, now, JSON.createObjectNode().put("sync", sync).put("failingSince", Objects.toString(since))));
            }
        }
        return out;
    }

    /** Counts this state's reports in a row (forgetting the opposite state's); true once it reached {@link #STABLE}. */
    private boolean stable(String key, Instant now) {
        String opposite = key.endsWith("/true") ? key.substring(0, key.length() - 4) + "false" : key.substring(0, key.length() - 5) + "true";
        seen.remove(opposite);
        streakStart.remove(opposite);
        streakStart.putIfAbsent(key, now);
        return seen.merge(key, 1, Integer::sum) >= STABLE;
    }

    private static Notification event(EventType type, Instant now, ObjectNode data) {
        // No durable source: a new id each time; the same transition is only ever published once by this process.
        return new Notification("evt_" + UUID.randomUUID().toString().replace("-", ""), type, now, data, null);
    }
}
