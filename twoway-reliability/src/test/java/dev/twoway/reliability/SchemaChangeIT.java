package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.twoway.reliability.ShopAndErp.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A schema change in one database while {@code twoway run} syncs it (docs/reliability.md, scenario 7):
 * <ol>
 *   <li>a column added to the ERP's table (not mapped): syncing goes on untouched;</li>
 *   <li>a mapped column renamed in the ERP ({@code Phone} → {@code PhoneNumber}): writes to the ERP go to dead letters
 *       naming the column, the ERP's capture fails naming it (status), and nothing is written anywhere with a
 *       wrong or missing value — never silent data loss;</li>
 *   <li>the mapping corrected, twoway restarted, the dead letters retried: both edits made meanwhile arrive;</li>
 *   <li>a mapped column dropped in the ERP ({@code Credit_Limit}): the same clear errors, and the shop's values are
 *       never emptied — neither while the mapping still names the column, nor after the operator removes the ERP
 *       from that field's mapping, restarts and retries (then the other fields flow again).</li>
 * </ol>
 */
class SchemaChangeIT {
    @TempDir
    Path tmp;

    @Test
    void aRenamedColumnStopsItsWritesWithAClearErrorAndNothingIsLostOnceTheMappingFollows() throws Exception {
        Figures figures = new Figures("schema change (column added, renamed, dropped)");
        long started = System.nanoTime();
        Soak soak = new Soak();
        while (soak.another()) {
            try (ShopAndErp dbs = new ShopAndErp(); TwowayProcess twoway = new TwowayProcess(Scenario.workdir(tmp, soak.rounds()))) {
                dbs.writeConfig(twoway.dir(), dbs.erp.url);
                Ledger ledger = new Ledger();
                Scenario.seed(dbs, ledger, 40, 40, 10);
                Checker checker = new Checker(dbs, twoway);
                twoway.start();
                checker.awaitQuiescence(Duration.ofSeconds(90));
                List<String> emails = new ArrayList<>(dbs.read(Side.SHOP).keySet());
                String a = emails.get(0), b = emails.get(1), c = emails.get(2);

                // 1. An added column that nothing maps: the next edit syncs as before.
                dbs.erp.exec("ALTER TABLE Customers ADD COLUMN Loyalty_Tier VARCHAR(20) NULL");
                update(dbs, Side.SHOP, "phone", "+1 555 0001", a);
                Scenario.await("an edit after an added column to reach the ERP", () -> "+1 555 0001".equals(erpPhone(dbs, "Phone", a)), twoway);

                // 2. The mapped column renamed under twoway's feet, then one edit on each side.
                dbs.erp.exec("ALTER TABLE Customers RENAME COLUMN Phone TO PhoneNumber");
                String erpBefore = erpPhone(dbs, "PhoneNumber", b);
                String shopBefore = shopPhone(dbs, c);
                update(dbs, Side.SHOP, "phone", "+1 555 0002", b);
                try (Connection con = dbs.erp.connect(); PreparedStatement ps = con.prepareStatement("UPDATE Customers SET PhoneNumber = ? WHERE Email = ?")) {
                    ps.setString(1, "+1 555 0003");
                    ps.setString(2, c);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                Scenario.await("the write to the renamed column in dead letters", () -> Scenario.deadLetters(twoway.status()) >= 1, twoway);
                TwowayProcess.Result letters = twoway.exec("deadletters", "list");
                assertThat(letters.out()).as(letters.all()).contains("customers → erp").containsIgnoringCase("Phone");
                Scenario.await("the ERP's capture to fail naming the column", () -> captureError(twoway.status()).contains("Phone"), twoway);
                figures.add("dead letters raised", Scenario.deadLetters(twoway.status()));
                // Never silent: no side got a wrong or an empty value meanwhile.
                assertThat(erpPhone(dbs, "PhoneNumber", b)).as("the ERP row twoway could not write keeps its value").isEqualTo(erpBefore);
                assertThat(shopPhone(dbs, c)).as("the ERP's edit twoway could not read has not reached the shop yet").isEqualTo(shopBefore);
                assertThat(dbs.read(Side.SHOP)).as("no shop row lost").hasSize(emails.size());

                // 3. The operator follows the rename in the mapping, restarts run and retries.
                twoway.stop();
                Path yaml = twoway.dir().resolve("twoway.yaml");
                Files.writeString(yaml, Files.readString(yaml).replace("phone: { shop: phone, erp: Phone }", "phone: { shop: phone, erp: PhoneNumber }"));
                twoway.start();
                TwowayProcess.Result retry = twoway.exec("deadletters", "retry", "--all");
                assertThat(retry.exit()).as(retry.all()).isZero();
                Scenario.await("the shop's edit to reach the renamed column", () -> "+1 555 0002".equals(erpPhone(dbs, "PhoneNumber", b)), twoway);
                Scenario.await("the ERP's edit to reach the shop", () -> "+1 555 0003".equals(shopPhone(dbs, c)), twoway);
                Scenario.await("every row equal on both sides", () -> sameEverywhere(dbs), twoway);
                JsonNode status = twoway.status();
                assertThat(Scenario.deadLetters(status)).as("dead letters after the retry: %s", status).isZero();
                assertThat(captureError(status)).as("capture works again").isEmpty();

                // 4. A mapped column dropped in the ERP (Credit_Limit), then an edit on each side.
                String d = emails.get(3), e = emails.get(4);
                java.util.Map<String, String> limitsBefore = shopLimits(dbs);
                dbs.erp.exec("ALTER TABLE Customers DROP COLUMN Credit_Limit");
                try (Connection con = dbs.shop.connect(); PreparedStatement ps = con.prepareStatement("UPDATE customers SET credit_limit = 4321 WHERE email = ?")) {
                    ps.setString(1, d);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                try (Connection con = dbs.erp.connect(); PreparedStatement ps = con.prepareStatement("UPDATE Customers SET PhoneNumber = ? WHERE Email = ?")) {
                    ps.setString(1, "+1 555 0004");
                    ps.setString(2, e);
                    assertThat(ps.executeUpdate()).as("the application's writes to the ERP still work (the triggers log keys only)").isEqualTo(1);
                }
                Scenario.await("the write to the dropped column in dead letters", () -> Scenario.deadLetters(twoway.status()) >= 1, twoway);
                Scenario.await("the ERP's capture to fail naming the dropped column", () -> captureError(twoway.status()).contains("Credit_Limit"), twoway);
                assertThat(twoway.exec("deadletters", "list").out()).contains("Credit_Limit");
                figures.add("dead letters raised", Scenario.deadLetters(twoway.status()));
                java.util.Map<String, String> expected = new java.util.HashMap<>(limitsBefore);
                expected.put(d, ShopAndErp.money(new java.math.BigDecimal("4321")));
                assertThat(shopLimits(dbs)).as("no credit limit in the shop touched by the drop in the ERP").isEqualTo(expected);

                // The documented adaptation: the ERP no longer has the field, so the mapping drops it there; the shop
                // keeps its values (a field mapped in one system only is never emptied because another lost it).
                twoway.stop();
                Files.writeString(yaml, Files.readString(yaml).replace("credit_limit: { shop: credit_limit, erp: Credit_Limit }", "credit_limit: { shop: credit_limit }"));
                TwowayProcess.Result valid = twoway.exec("validate");
                assertThat(valid.exit()).as(valid.all()).isZero();
                twoway.start();
                retry = twoway.exec("deadletters", "retry", "--all");
                assertThat(retry.exit()).as(retry.all()).isZero();
                Scenario.await("the ERP's edit after the drop to reach the shop", () -> "+1 555 0004".equals(shopPhone(dbs, e)), twoway);
                Scenario.await("no dead letters and capture working", () -> Scenario.deadLetters(twoway.status()) == 0 && captureError(twoway.status()).isEmpty(), twoway);
                Scenario.await("every row's names and phone equal on both sides", () -> samePhonesAndNames(dbs), twoway);
                assertThat(shopLimits(dbs)).as("the shop's credit limits after the ERP dropped the column and the mapping followed").isEqualTo(expected);
                figures.add("records written", ledger.writes() + 5);
                twoway.stop();
            }
        }
        figures.add("rounds", soak.rounds()).add("seconds", (System.nanoTime() - started) / 1_000_000_000L).publish();
    }

    private static void update(ShopAndErp dbs, Side side, String field, String value, String email) throws Exception {
        try (Connection con = dbs.db(side).connect(); PreparedStatement ps = con.prepareStatement("UPDATE %s SET %s = ? WHERE %s = ?"
                .formatted(ShopAndErp.table(side), ShopAndErp.column(side, field), ShopAndErp.column(side, "email")))) {
            ps.setString(1, value);
            ps.setString(2, email);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static String erpPhone(ShopAndErp dbs, String column, String email) throws Exception {
        return one(dbs, Side.ERP, "SELECT " + column + " FROM Customers WHERE Email = ?", email);
    }

    private static String shopPhone(ShopAndErp dbs, String email) throws Exception {
        return one(dbs, Side.SHOP, "SELECT phone FROM customers WHERE email = ?", email);
    }

    private static String one(ShopAndErp dbs, Side side, String sql, String email) throws Exception {
        try (Connection con = dbs.db(side).connect(); PreparedStatement ps = con.prepareStatement(sql)) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Every customer with the same names, phone and credit limit on both sides (the ERP's phone now in PhoneNumber). */
    private static boolean sameEverywhere(ShopAndErp dbs) throws Exception {
        String shopSql = "SELECT email, first_name, last_name, phone, credit_limit FROM customers ORDER BY email";
        String erpSql = "SELECT Email, First_Name, Last_Name, PhoneNumber, Credit_Limit FROM Customers ORDER BY Email";
        return rows(dbs, Side.SHOP, shopSql).equals(rows(dbs, Side.ERP, erpSql));
    }

    /** Names and phone of every customer equal on both sides (after the ERP dropped Credit_Limit). */
    private static boolean samePhonesAndNames(ShopAndErp dbs) throws Exception {
        String shopSql = "SELECT email, first_name, last_name, phone FROM customers ORDER BY email";
        String erpSql = "SELECT Email, First_Name, Last_Name, PhoneNumber FROM Customers ORDER BY Email";
        return strings(dbs, Side.SHOP, shopSql).equals(strings(dbs, Side.ERP, erpSql));
    }

    private static List<List<String>> strings(ShopAndErp dbs, Side side, String sql) throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (Connection con = dbs.db(side).connect(); PreparedStatement ps = con.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(List.of(rs.getString(1), rs.getString(2), rs.getString(3), Objects.toString(rs.getString(4))));
        }
        out.sort(java.util.Comparator.comparing(r -> r.getFirst()));
        return out;
    }

    /** The shop's credit limit per email. */
    private static java.util.Map<String, String> shopLimits(ShopAndErp dbs) throws Exception {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        try (Connection con = dbs.shop.connect(); PreparedStatement ps = con.prepareStatement("SELECT email, credit_limit FROM customers"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.put(rs.getString(1), Objects.toString(ShopAndErp.money(rs.getBigDecimal(2))));
        }
        return out;
    }

    private static List<List<String>> rows(ShopAndErp dbs, Side side, String sql) throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (Connection con = dbs.db(side).connect(); PreparedStatement ps = con.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(List.of(rs.getString(1), rs.getString(2), rs.getString(3), Objects.toString(rs.getString(4)),
                        Objects.toString(ShopAndErp.money(rs.getBigDecimal(5)))));
            }
        }
        // Both sides sorted by the same collation-free key.
        out.sort(java.util.Comparator.comparing(r -> r.getFirst()));
        return out;
    }

    private static String captureError(JsonNode status) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode s : status.path("syncs")) for (JsonNode e : s.path("endpoints")) sb.append(e.path("captureError").asText(""));
        return sb.toString();
    }

}
