package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.twoway.reliability.ShopAndErp.Customer;
import dev.twoway.reliability.ShopAndErp.Side;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What every scenario shares: a seeded pair of databases, a ledger, a twoway working directory. */
final class Scenario {
    private Scenario() {
    }

    /**
     * Seeds {@code shopOnly} customers only in the shop, {@code erpOnly} only in the ERP and {@code both} in both with
     * equal values (initial sync links those by email instead of copying them).
     */
    static void seed(ShopAndErp dbs, Ledger ledger, int shopOnly, int erpOnly, int both) throws Exception {
        List<Customer> shop = new ArrayList<>();
        List<Customer> erp = new ArrayList<>();
        for (int i = 0; i < shopOnly; i++) shop.add(RandomWriters.randomCustomer(RandomWriters.freshEmail(Side.SHOP)));
        for (int i = 0; i < erpOnly; i++) erp.add(RandomWriters.randomCustomer(RandomWriters.freshEmail(Side.ERP)));
        for (int i = 0; i < both; i++) {
            Customer c = RandomWriters.randomCustomer("both" + RandomWriters.freshEmail(Side.SHOP));
            shop.add(c);
            erp.add(c);
        }
        dbs.seed(Side.SHOP, shop);
        dbs.seed(Side.ERP, erp);
        for (Customer c : shop) ledger.inserted(Side.SHOP, c);
        for (Customer c : erp) ledger.inserted(Side.ERP, c);
    }

    static Path workdir(Path parent, int round) throws java.io.IOException {
        return Files.createDirectories(parent.resolve("round-" + round));
    }

    /** Dead letters across all syncs in twoway status. */
    static long deadLetters(JsonNode status) {
        long n = 0;
        for (JsonNode s : status.path("syncs")) n += s.path("deadLetters").asLong();
        return n;
    }

    static long openConflicts(JsonNode status) {
        long n = 0;
        for (JsonNode s : status.path("syncs")) n += s.path("openConflicts").asLong();
        return n;
    }

    /** A condition checked until it holds. */
    interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits (60 s at most, checking every 300 ms) for {@code condition}; fails with twoway's status, dead letters and log. */
    static void await(String what, Condition condition, TwowayProcess twoway) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within 60 s; status: " + twoway.exec("status").all()
                        + "\ndead letters: " + twoway.exec("deadletters", "list").all() + "\ntwoway's log:\n" + twoway.log());
            }
            Thread.sleep(300);
        }
    }
}
