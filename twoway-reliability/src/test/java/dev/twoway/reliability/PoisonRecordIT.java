package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.twoway.reliability.ShopAndErp.Customer;
import dev.twoway.reliability.ShopAndErp.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Poison records: a shop customer whose phone is too long for the ERP's column, and one whose credit limit breaks
 * the ERP's CHECK constraint. Each goes to dead letters with its error while every other record keeps syncing; once
 * the ERP's table is fixed, twoway deadletters retry delivers them and nothing is lost.
 */
class PoisonRecordIT {
    @TempDir
    Path tmp;

    @Test
    void poisonRecordsGoToDeadLettersOthersKeepSyncingAndRetryDeliversThemAfterTheFix() throws Exception {
        Figures figures = new Figures("poison records");
        long started = System.nanoTime();
        Soak soak = new Soak();
        while (soak.another()) {
            try (ShopAndErp dbs = new ShopAndErp(); TwowayProcess twoway = new TwowayProcess(Scenario.workdir(tmp, soak.rounds()))) {
                dbs.erp.exec("ALTER TABLE Customers ADD CONSTRAINT credit_not_negative CHECK (Credit_Limit >= 0)");
                dbs.writeConfig(twoway.dir(), dbs.erp.url);
                Ledger ledger = new Ledger();
                Scenario.seed(dbs, ledger, 200, 100, 20);
                Checker checker = new Checker(dbs, twoway);
                twoway.start();
                checker.awaitQuiescence(Duration.ofSeconds(90));
                try (RandomWriters writers = new RandomWriters(dbs, ledger, 20).start()) {
                    String tag = Long.toString(System.nanoTime(), 36);
                    Customer tooLong = new Customer("poison-phone-" + tag + "@example.com", "Pat", "Long", "+1 555 0100 extension 4711 ask for Pat", "10.00");
                    Customer negative = new Customer("poison-credit-" + tag + "@example.com", "Neg", "Ative", "+1 555 0101", "-5.00");
                    Customer after = new Customer("after-poison-" + tag + "@example.com", "Aft", "Er", "+1 555 0102", "20.00");
                    for (Customer c : List.of(tooLong, negative)) {
                        dbs.seed(Side.SHOP, List.of(c));
                        ledger.inserted(Side.SHOP, c, false);
                    }
                    dbs.seed(Side.SHOP, List.of(after));
                    ledger.inserted(Side.SHOP, after, false);

                    Scenario.await("two dead letters", () -> deadLetters(twoway) == 2, twoway);
                    Scenario.await("the record inserted after the poison to reach the ERP", () -> dbs.read(Side.ERP).containsKey(after.email()), twoway);
                    TwowayProcess.Result list = twoway.exec("deadletters", "list");
                    assertThat(list.out()).as(list.all()).contains("customers → erp").contains("field 'phone'").contains("the column holds 30")
                            .containsIgnoringCase("credit_not_negative");
                    figures.add("dead letters raised", deadLetters(twoway));

                    dbs.erp.exec("ALTER TABLE Customers MODIFY Phone VARCHAR(60)", "ALTER TABLE Customers DROP CONSTRAINT credit_not_negative");
                    // A running twoway keeps the column limits it read at start (docs/troubleshooting.md): after an
                    // ALTER TABLE the operator restarts run, then retries.
                    twoway.stop();
                    twoway.start();
                    TwowayProcess.Result retry = twoway.exec("deadletters", "retry", "--all");
                    assertThat(retry.exit()).as(retry.all()).isZero();
                    Scenario.await("the retried records to reach the ERP", () -> {
                        var erp = dbs.read(Side.ERP);
                        return erp.containsKey(tooLong.email()) && erp.containsKey(negative.email());
                    }, twoway);
                }
                Verdict verdict = KillNineIT.converge(twoway, dbs, ledger, figures);
                figures.add("records written", ledger.writes());
                assertThat(verdict.examples()).as("findings; twoway's log:%n%s", twoway.log()).isEmpty();
                assertThat(verdict.clean()).isTrue();
            }
        }
        figures.add("rounds", soak.rounds()).add("seconds", (System.nanoTime() - started) / 1_000_000_000L).publish();
    }

    private static long deadLetters(TwowayProcess twoway) throws Exception {
        return Scenario.deadLetters(twoway.status());
    }

}
