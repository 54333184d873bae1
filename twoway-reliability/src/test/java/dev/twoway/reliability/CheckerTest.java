package dev.twoway.reliability;

import dev.twoway.reliability.ShopAndErp.Customer;
import dev.twoway.reliability.ShopAndErp.Side;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The checker finds what the suite claims it finds: faults made by hand in two databases, without twoway. */
class CheckerTest {
    private static Customer customer(String email, String phone) {
        return new Customer(email, "Ada", "Lovelace", phone, "10.00");
    }

    @Test
    void aRowMissingOnOneSideALostUpdateADuplicateAndAPhantomAreEachCounted() throws Exception {
        try (ShopAndErp dbs = new ShopAndErp()) {
            Ledger ledger = new Ledger();
            List<Customer> synced = List.of(customer("a@x", "1"), customer("b@x", "2"), customer("c@x", "3"), customer("d@x", "4"));
            dbs.seed(Side.SHOP, synced);
            dbs.seed(Side.ERP, synced);
            for (Customer c : synced) ledger.inserted(Side.SHOP, c);
            Checker checker = new Checker(dbs, new TwowayProcess(Path.of(".")));
            assertThat(checker.compare(ledger).clean()).as("identical tables matching the ledger").isTrue();

            dbs.erp.exec("DELETE FROM Customers WHERE Email = 'c@x'");                           // never deleted by a writer
            dbs.shop.exec("UPDATE customers SET phone = '99' WHERE email = 'b@x'");              // no writer wrote 99
            dbs.erp.exec("UPDATE Customers SET Phone = '99' WHERE Email = 'b@x'");
            dbs.erp.exec("INSERT INTO Customers (Email, First_Name, Last_Name, Phone, Credit_Limit) VALUES ('a@x', 'Ada', 'Lovelace', '1', 10)");
            dbs.shop.exec("INSERT INTO customers (email, first_name, last_name) VALUES ('z@x', 'Zed', 'Phantom')");
            Verdict v = checker.compare(ledger);
            assertThat(v.lost()).as(v.examples().toString()).isEqualTo(1 + 2); // c@x missing in the ERP; b@x.phone on both sides
            assertThat(v.duplicates()).isEqualTo(1);
            assertThat(v.phantoms()).isEqualTo(1);
            assertThat(v.mismatched()).as("a@x (two rows), c@x, z@x").isEqualTo(3);

            // A delete a writer committed explains the absence; the last write on either side explains a value.
            ledger.deleted("c@x");
            ledger.updated(Side.ERP, "b@x", "phone", "99");
            Verdict explained = checker.compare(ledger);
            assertThat(explained.lost()).as(explained.examples().toString()).isZero();
        }
    }
}
