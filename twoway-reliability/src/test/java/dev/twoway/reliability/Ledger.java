package dev.twoway.reliability;

import dev.twoway.reliability.ShopAndErp.Customer;
import dev.twoway.reliability.ShopAndErp.Side;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every write the test's writers made that COMMITTED (an update or delete counts only if it touched a row), per
 * email. This is what "nothing lost" is checked against: twoway's own writes are not in it.
 */
final class Ledger {
    /** What the writers did to one email. */
    static final class History {
        final Map<Side, Map<String, Object>> lastWritten = new EnumMap<>(Side.class);
        boolean deleted;
        int writes;
    }

    private final Map<String, History> byEmail = new LinkedHashMap<>();
    private final List<String> live = new ArrayList<>();
    private final Map<String, Integer> liveIndex = new HashMap<>();
    private long writes;

    synchronized void inserted(Side side, Customer c) {
        inserted(side, c, true);
    }

    /** {@code editable} false keeps the customer out of the writers' picks (a poison record must stay as it is). */
    synchronized void inserted(Side side, Customer c, boolean editable) {
        History h = byEmail.computeIfAbsent(c.email(), k -> new History());
        Map<String, Object> fields = h.lastWritten.computeIfAbsent(side, k -> new HashMap<>());
        for (String f : ShopAndErp.FIELDS) fields.put(f, c.field(f));
        h.writes++;
        writes++;
        if (editable && !liveIndex.containsKey(c.email())) {
            liveIndex.put(c.email(), live.size());
            live.add(c.email());
        }
    }

    synchronized void updated(Side side, String email, String field, Object value) {
        History h = byEmail.get(email);
        h.lastWritten.computeIfAbsent(side, k -> new HashMap<>()).put(field, value);
        h.writes++;
        writes++;
    }

    synchronized void deleted(String email) {
        byEmail.get(email).deleted = true;
        writes++;
        Integer i = liveIndex.remove(email);
        if (i == null) return;
        String last = live.removeLast();
        if (i < live.size()) {
            live.set(i, last);
            liveIndex.put(last, i);
        }
    }

    /** A random email not deleted by a writer (it may have been deleted by twoway's sync of a delete meanwhile). */
    synchronized String randomLive() {
        return live.isEmpty() ? null : live.get(ThreadLocalRandom.current().nextInt(live.size()));
    }

    synchronized Map<String, History> snapshot() {
        return Map.copyOf(byEmail);
    }

    synchronized long writes() {
        return writes;
    }

    synchronized Set<String> emails() {
        return Set.copyOf(byEmail.keySet());
    }
}
