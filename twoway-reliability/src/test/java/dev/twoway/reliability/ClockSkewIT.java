package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.twoway.jdbc.TestDatabase;
import dev.twoway.reliability.ShopAndErp.Customer;
import dev.twoway.reliability.ShopAndErp.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One system's clock is off by minutes: the ERP runs on a MariaDB server of the test's own whose clock libfaketime
 * puts five minutes ahead ({@link SkewedMariaDb}), so its trigger change log stamps every edit five minutes late
 * of the real moment; the shop's PostgreSQL keeps the machine's clock. twoway measures the offset and corrects the
 * ERP's source times, and last-write-wins must pick by the corrected order:
 * <ul>
 *   <li>random writers on both sides while twoway runs (conflicts decided live), then</li>
 *   <li>with twoway stopped, the same field of one record edited on both sides 2.5 s apart, in both orders: the
 *       later real edit wins, also when it is the shop's, whose stamp reads five minutes earlier than the ERP's;</li>
 *   <li>and edits a few milliseconds apart: within the skew window once corrected (five minutes apart
 *       uncorrected), so a tie decided by system priority (the shop, listed first) and flagged {@code tie} in the
 *       audit trail;</li>
 *   <li>last, the same as the first with {@code twoway sync --once} instead of {@code run}: the one-off pass corrects
 *       the skew too.</li>
 * </ul>
 * Then the usual checks: equal tables, nothing lost or duplicated, every conflict audited with its loser.
 */
class ClockSkewIT {
    static final Duration SKEW = Duration.ofMinutes(5);
    /** Far beyond the skew window (1 s) plus the measurement's uncertainty (milliseconds here). */
    static final Duration APART = Duration.ofMillis(2_500);
    static final int PER_GROUP = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** One planned edit: who wrote what, and when by the real clock (this JVM's, unskewed). */
    private record Edit(Side side, String email, String field, String value, Instant at) {
    }

    @Test
    void lastWriteWinsPicksByTheCorrectedOrderAndFlagsNearTies() throws Exception {
        Figures figures = new Figures("clock skew (ERP 5 min ahead)");
        long started = System.nanoTime();
        Soak soak = new Soak();
        while (soak.another()) {
            Path round = Scenario.workdir(tmp, soak.rounds());
            try (SkewedMariaDb server = new SkewedMariaDb(Files.createDirectories(round.resolve("mariadb")), SKEW)) {
                Duration seen = server.offset();
                System.out.println("clock skew: the ERP's server reads " + seen.toMillis() + " ms ahead of this machine");
                assertThat(seen).as("libfaketime moves the ERP server's clock (UTC_TIMESTAMP minus this JVM's clock)")
                        .isBetween(SKEW.minusSeconds(10), SKEW.plusSeconds(10));
                try (ShopAndErp dbs = new ShopAndErp(TestDatabase.create(TestDatabase.Kind.MARIADB, server.adminUrl()));
                     TwowayProcess twoway = new TwowayProcess(Files.createDirectories(round.resolve("twoway")))) {
                    oneRound(dbs, twoway, figures);
                }
            }
        }
        figures.add("rounds", soak.rounds()).add("seconds", (System.nanoTime() - started) / 1_000_000_000L).publish();
    }

    private void oneRound(ShopAndErp dbs, TwowayProcess twoway, Figures figures) throws Exception {
        dbs.writeConfig(twoway.dir(), dbs.erp.url);
        Ledger ledger = new Ledger();
        Scenario.seed(dbs, ledger, 100, 50, 50);
        // The records the ordered and simultaneous edits use, in both databases; kept from the random writers.
        List<String> later = seedFixed(dbs, ledger, "later", PER_GROUP);
        List<String> earlier = seedFixed(dbs, ledger, "earlier", PER_GROUP);
        List<String> together = seedFixed(dbs, ledger, "together", PER_GROUP);
        List<String> once = seedFixed(dbs, ledger, "once", PER_GROUP);
        Checker checker = new Checker(dbs, twoway);
        Metrics metrics = Metrics.enable(twoway);
        twoway.start();
        try {
            checker.awaitQuiescence(Duration.ofSeconds(90));
            assertThat(twoway.log()).as("twoway logs the ERP's measured clock offset")
                    .containsPattern("clock of 'erp' is (29\\d|30\\d)\\.\\d+ s ahead of this machine's");
            double offset = metrics.await("twoway_clock_offset_seconds", "system=\"erp\"", v -> Math.abs(v - SKEW.toSeconds()) < 10,
                    Duration.ofSeconds(30), "the ERP's measured clock offset in the metrics");
            System.out.println("clock skew: twoway measured the ERP's clock " + offset + " s ahead");
            try (RandomWriters writers = new RandomWriters(dbs, ledger, 20).start()) {
                Thread.sleep(6_000);
            }
            checker.awaitQuiescence(Duration.ofSeconds(90));
            // Both edits of a record must reach twoway before either is delivered, or the second simply overwrites
            // the first (no conflict to decide): stop twoway, edit, start it again. The triggers keep each edit's time.
            twoway.stop();
            List<Edit> edits = new ArrayList<>();
            try (Connection shop = dbs.shop.connect(); Connection erp = dbs.erp.connect()) {
                // "later": the ERP first, the shop 2.5 s later — by the stamps the ERP's edit is 5 minutes newer.
                for (String e : later) edits.add(update(erp, Side.ERP, e, "first_name", "later-erp-" + e, ledger));
                for (String e : earlier) edits.add(update(shop, Side.SHOP, e, "first_name", "earlier-shop-" + e, ledger));
                Thread.sleep(APART.toMillis());
                for (String e : later) edits.add(update(shop, Side.SHOP, e, "first_name", "later-shop-" + e, ledger));
                for (String e : earlier) edits.add(update(erp, Side.ERP, e, "first_name", "earlier-erp-" + e, ledger));
                // "together": milliseconds apart, each order half the time.
                for (int i = 0; i < together.size(); i++) {
                    String e = together.get(i);
                    for (Side side : i % 2 == 0 ? List.of(Side.ERP, Side.SHOP) : List.of(Side.SHOP, Side.ERP)) {
                        edits.add(update(side == Side.SHOP ? shop : erp, side, e, "last_name", "together-" + side.name().toLowerCase() + "-" + e, ledger));
                    }
                }
            }
            twoway.start();
            Verdict verdict = KillNineIT.converge(twoway, dbs, ledger, figures);
            figures.add("records written", ledger.writes());
            assertThat(verdict.examples()).as("findings with a skewed clock; twoway's log:%n%s", twoway.log()).isEmpty();
            assertThat(verdict.clean()).isTrue();

            Map<String, Customer> shopRows = single(dbs.read(Side.SHOP));
            for (String e : later) assertThat(shopRows.get(e).firstName()).as("the later real edit (the shop's) wins for %s", e).isEqualTo("later-shop-" + e);
            for (String e : earlier) assertThat(shopRows.get(e).firstName()).as("the later real edit (the ERP's) wins for %s", e).isEqualTo("earlier-erp-" + e);
            for (String e : together) assertThat(shopRows.get(e).lastName()).as("a near tie goes to the shop, first in priority, for %s", e).isEqualTo("together-shop-" + e);
            Map<String, JsonNode> decisions = conflicts(twoway);
            for (String e : later) decided(decisions, edits, "later-erp-" + e, "later-shop-" + e, false);
            for (String e : earlier) decided(decisions, edits, "earlier-shop-" + e, "earlier-erp-" + e, false);
            for (String e : together) decided(decisions, edits, "together-erp-" + e, "together-shop-" + e, true);
            System.out.println("clock skew: " + (later.size() + earlier.size()) + " conflicts 2.5 s apart decided by the corrected order, "
                    + together.size() + " near ties flagged");

            // The one-off command corrects the skew too: the ERP first, the shop 2.5 s later, then `twoway sync --once`.
            try (Connection shop = dbs.shop.connect(); Connection erp = dbs.erp.connect()) {
                for (String e : once) edits.add(update(erp, Side.ERP, e, "first_name", "once-erp-" + e, ledger));
                Thread.sleep(APART.toMillis());
                for (String e : once) edits.add(update(shop, Side.SHOP, e, "first_name", "once-shop-" + e, ledger));
            }
            TwowayProcess.Result pass = twoway.exec("sync", "--once");
            assertThat(pass.exit()).as("twoway sync --once: %s", pass.all()).isZero();
            Verdict after = checker.compare(ledger);
            assertThat(after.examples()).as("findings after twoway sync --once").isEmpty();
            Map<String, Customer> erpRows = single(dbs.read(Side.ERP));
            for (String e : once) assertThat(erpRows.get(e).firstName()).as("the later real edit (the shop's) wins in sync --once for %s", e).isEqualTo("once-shop-" + e);
            decisions = conflicts(twoway);
            for (String e : once) decided(decisions, edits, "once-erp-" + e, "once-shop-" + e, false);
            figures.add("conflicts", once.size()).add("records written", once.size() * 2L);
        } finally {
            twoway.stop();
        }
    }

    /** Every conflict decision in the audit trail, by its losing value (the values written here are unique). */
    private static Map<String, JsonNode> conflicts(TwowayProcess twoway) throws Exception {
        TwowayProcess.Result export = twoway.exec("audit", "export", "--format", "jsonl", "--unmasked");
        assertThat(export.exit()).as(export.all()).isZero();
        Map<String, JsonNode> byLoser = new HashMap<>();
        for (String line : export.out().lines().toList()) {
            JsonNode entry = JSON.readTree(line);
            if (!entry.path("action").asText().equals("conflict")) continue;
            JsonNode d = entry.path("detail").isTextual() ? JSON.readTree(entry.path("detail").asText()) : entry.path("detail");
            byLoser.put(d.path("loser").path("value").path("v").asText(), d);
        }
        return byLoser;
    }

    /** The decision with {@code loser} losing: the right winner, the tie flag, and both sides' times corrected. */
    private static void decided(Map<String, JsonNode> byLoser, List<Edit> edits, String loser, String winner, boolean tie) {
        Map<String, Edit> byValue = new HashMap<>();
        for (Edit e : edits) byValue.put(e.value(), e);
        JsonNode d = byLoser.get(loser);
        assertThat(d).as("a conflict decision in the audit trail with %s losing", loser).isNotNull();
        assertThat(d.path("winner").path("value").path("v").asText()).as("the winner over %s: %s", loser, d).isEqualTo(winner);
        assertThat(d.path("tie").asBoolean()).as("flagged tie: %s", d).isEqualTo(tie);
        // Each side's time in the decision is its source time on this machine's time line: the ERP's corrected by the
        // measured offset, so within a second of when the edit really happened, not five minutes after it.
        for (String side : List.of("winner", "loser")) {
            JsonNode s = d.path(side);
            Edit edit = byValue.get(s.path("value").path("v").asText());
            Instant decidedAt = Instant.parse(s.path("time").asText().replaceFirst("#.*$", ""));
            assertThat(Duration.between(edit.at(), decidedAt).abs()).as("the %s's time in %s against the real time of its edit %s", side, d, edit.at())
                    .isLessThan(Duration.ofSeconds(1));
        }
    }

    private static List<String> seedFixed(ShopAndErp dbs, Ledger ledger, String prefix, int n) throws Exception {
        List<Customer> customers = new ArrayList<>();
        for (int i = 0; i < n; i++) customers.add(RandomWriters.randomCustomer(prefix + i + "-" + RandomWriters.freshEmail(Side.SHOP)));
        dbs.seed(Side.SHOP, customers);
        dbs.seed(Side.ERP, customers);
        for (Customer c : customers) {
            ledger.inserted(Side.SHOP, c, false);
            ledger.inserted(Side.ERP, c, false);
        }
        return customers.stream().map(Customer::email).toList();
    }

    private static Edit update(Connection c, Side side, String email, String field, String value, Ledger ledger) throws Exception {
        String sql = "UPDATE %s SET %s = ? WHERE %s = ?".formatted(ShopAndErp.table(side), ShopAndErp.column(side, field), ShopAndErp.column(side, "email"));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            ps.setString(2, email);
            Instant before = Instant.now();
            assertThat(ps.executeUpdate()).as("%s %s", sql, email).isEqualTo(1);
            Instant after = Instant.now();
            ledger.updated(side, email, field, value);
            return new Edit(side, email, field, value, before.plus(Duration.between(before, after).dividedBy(2)));
        }
    }

    private static Map<String, Customer> single(Map<String, List<Customer>> rows) {
        Map<String, Customer> out = new HashMap<>();
        rows.forEach((k, v) -> out.put(k, v.getFirst()));
        return out;
    }
}
