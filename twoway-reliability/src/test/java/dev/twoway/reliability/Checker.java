package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.reliability.ShopAndErp.Customer;
import dev.twoway.reliability.ShopAndErp.Side;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Waits for quiescence, then checks DESIGN.md's invariants against the {@link Ledger} and the audit trail. */
final class Checker {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ShopAndErp dbs;
    private final TwowayProcess twoway;

    Checker(ShopAndErp dbs, TwowayProcess twoway) {
        this.dbs = dbs;
        this.twoway = twoway;
    }

    /**
     * With the writers stopped: waits until twoway status shows nothing queued and no lag, and the two tables read
     * the same twice in a row. Fails after {@code limit} with what still differs.
     */
    Duration awaitQuiescence(Duration limit) throws Exception {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        Map<String, List<Customer>> previous = null;
        String why = "";
        while (System.nanoTime() < deadline) {
            if (!twoway.alive()) throw new AssertionError("twoway run is not running; its log:\n" + twoway.log());
            JsonNode status = twoway.status();
            long queued = status.path("noState").asBoolean() ? 1 : 0;
            long lag = 0;
            for (JsonNode s : status.path("syncs")) {
                for (JsonNode e : s.path("endpoints")) {
                    queued += e.path("queued").asLong();
                    lag += e.path("lagSeconds").asLong();
                }
            }
            Map<String, List<Customer>> shop = dbs.read(Side.SHOP);
            Map<String, List<Customer>> erp = dbs.read(Side.ERP);
            boolean equal = shop.equals(erp);
            if (queued == 0 && lag == 0 && equal && shop.equals(previous)) return Duration.ofNanos(System.nanoTime() - start);
            previous = equal ? shop : null;
            why = "queued " + queued + ", lag " + lag + "s, tables " + (equal ? "equal" : "differ: " + differences(shop, erp, 5));
            Thread.sleep(300);
        }
        throw new AssertionError("no quiescence within " + limit.toSeconds() + " s (" + why + "); twoway's log:\n" + twoway.log());
    }

    private static String differences(Map<String, List<Customer>> shop, Map<String, List<Customer>> erp, int max) {
        List<String> out = new ArrayList<>();
        Set<String> emails = new HashSet<>(shop.keySet());
        emails.addAll(erp.keySet());
        for (String e : emails) {
            if (!Objects.equals(shop.get(e), erp.get(e))) out.add(e + " shop=" + shop.get(e) + " erp=" + erp.get(e));
            if (out.size() >= max) break;
        }
        return out.size() + " shown: " + out;
    }

    /** Compares the tables row by row under the mapping and against what the writers committed; reads the audit trail. */
    Verdict check(Ledger ledger) throws Exception {
        Verdict v = compare(ledger);
        List<String> examples = new ArrayList<>(v.examples());
        long conflicts = auditedConflicts(examples);
        return new Verdict(v.lost(), v.duplicates(), v.mismatched(), v.phantoms(), conflicts, List.copyOf(examples));
    }

    /** The row-by-row half of {@link #check}: lost, duplicated, mismatched and phantom records (no audit trail). */
    Verdict compare(Ledger ledger) throws java.sql.SQLException {
        Map<String, List<Customer>> shop = dbs.read(Side.SHOP);
        Map<String, List<Customer>> erp = dbs.read(Side.ERP);
        List<String> examples = new ArrayList<>();
        long duplicates = 0;
        for (Map<String, List<Customer>> side : List.of(shop, erp)) {
            for (List<Customer> rows : side.values()) {
                if (rows.size() > 1) {
                    duplicates += rows.size() - 1;
                    note(examples, "duplicate: " + rows);
                }
            }
        }
        Set<String> emails = new HashSet<>(shop.keySet());
        emails.addAll(erp.keySet());
        long mismatched = 0;
        long phantoms = 0;
        Map<String, Ledger.History> histories = ledger.snapshot();
        for (String e : emails) {
            if (!Objects.equals(shop.get(e), erp.get(e))) {
                mismatched++;
                note(examples, "differs: " + e + " shop=" + shop.get(e) + " erp=" + erp.get(e));
            }
            if (!histories.containsKey(e)) {
                phantoms++;
                note(examples, "phantom: " + e);
            }
        }
        long lost = 0;
        for (Map.Entry<String, Ledger.History> h : histories.entrySet()) {
            String email = h.getKey();
            Ledger.History history = h.getValue();
            for (Side side : Side.values()) {
                List<Customer> rows = (side == Side.SHOP ? shop : erp).get(email);
                if (rows == null) {
                    // Absence is explained only by a delete some writer committed (delete-wins or propagate).
                    if (!history.deleted) {
                        lost++;
                        note(examples, "lost: " + email + " (written " + history.writes + " times, never deleted) is missing in " + side);
                    }
                    continue;
                }
                Customer row = rows.getFirst();
                for (String field : ShopAndErp.FIELDS) {
                    Set<Object> explained = new HashSet<>();
                    for (Map<String, Object> written : history.lastWritten.values()) if (written.containsKey(field)) explained.add(written.get(field));
                    if (!explained.contains(row.field(field))) {
                        lost++;
                        note(examples, "lost update: " + email + "." + field + " is " + row.field(field) + " in " + side + ", but the last values written were " + explained);
                    }
                }
            }
        }
        return new Verdict(lost, duplicates, mismatched, phantoms, 0, List.copyOf(examples));
    }

    /**
     * Every conflict decision in the audit trail keeps the losing side (its value, values, or the delete that lost);
     * the hash chain verifies. Returns the number of conflict decisions.
     */
    long auditedConflicts(List<String> examples) throws Exception {
        TwowayProcess.Result verify = twoway.exec("audit", "verify");
        if (verify.exit() != 0) throw new AssertionError("twoway audit verify failed: " + verify.all());
        TwowayProcess.Result export = twoway.exec("audit", "export", "--format", "jsonl", "--unmasked");
        if (export.exit() != 0) throw new AssertionError("twoway audit export failed: " + export.all());
        long conflicts = 0;
        for (String line : export.out().lines().toList()) {
            JsonNode entry = JSON.readTree(line);
            if (!entry.path("action").asText().equals("conflict")) continue;
            conflicts++;
            JsonNode detail = entry.path("detail");
            if (detail.isTextual()) detail = JSON.readTree(detail.asText());
            boolean keepsLoser = detail.has("loser") || detail.path("resurrected").asBoolean();
            if (!keepsLoser) throw new AssertionError("a conflict decision without its losing value in the audit trail: " + line);
        }
        return conflicts;
    }

    private static void note(List<String> examples, String s) {
        if (examples.size() < 20) examples.add(s);
    }
}
