package dev.twoway.jdbc;

import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.EndpointMapping;
import dev.twoway.mapping.FieldMapping;
import dev.twoway.mapping.FieldMappingSpec;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.ValueType;
import dev.twoway.store.DeadLetter;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL (snake_case, generated keys, enum, timestamptz, boolean, varchar points) ⇄ MariaDB (PascalCase, its own
 * generated keys, text tier, DATETIME(6), TINYINT, INT points), with a foreign key from customer to employee in
 * both databases; values that do not fit the other side go to dead letters instead of being truncated.
 */
class NamingAndTypesSyncTest {

    @Test
    void differentNamesAndTypesWithAForeignKey() throws Exception {
        try (TestDatabase pg = TestDatabase.create(TestDatabase.Kind.POSTGRES); TestDatabase my = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
            pg.exec("CREATE TYPE tier AS ENUM ('gold', 'silver', 'bronze')",
                    "CREATE TABLE employee (employee_id integer PRIMARY KEY, full_name varchar(80) NOT NULL)",
                    "CREATE TABLE customer (customer_id serial PRIMARY KEY, full_name varchar(80) NOT NULL, email varchar(100) UNIQUE,"
                            + " loyalty_points varchar(12), signed_up timestamptz, active boolean NOT NULL, tier tier, balance numeric(10,2),"
                            + " support_rep_id integer REFERENCES employee (employee_id))",
                    "INSERT INTO employee VALUES (1, 'Eve Example'), (2, 'Mallory Example')",
                    "INSERT INTO customer (full_name, email, loyalty_points, signed_up, active, tier, balance, support_rep_id)"
                            + " VALUES ('Ada Lovelace', 'ada@example.com', '120', '2026-01-02T03:04:05.123456Z', true, 'gold', 12.50, 1)");
            my.exec("CREATE TABLE Employee (EmployeeId INT AUTO_INCREMENT PRIMARY KEY, FullName VARCHAR(80) NOT NULL UNIQUE)",
                    "ALTER TABLE Employee AUTO_INCREMENT = 900",
                    "CREATE TABLE Customer (CustomerId INT AUTO_INCREMENT PRIMARY KEY, FullName VARCHAR(40) NOT NULL, Email VARCHAR(100) UNIQUE,"
                            + " LoyaltyPoints INT, SignedUp DATETIME(6), Active TINYINT NOT NULL, Tier VARCHAR(10), Balance DECIMAL(10,2),"
                            + " SupportRepId INT, CONSTRAINT fk_rep FOREIGN KEY (SupportRepId) REFERENCES Employee (EmployeeId))",
                    "ALTER TABLE Customer AUTO_INCREMENT = 500");

            // Employees: independent keys (PostgreSQL's are given, MariaDB's generated from 900), matched by name.
            SqlConnector pgConn = new SqlConnector(pg.database("pg"), Map.of("employee", TableConfig.of("employee"), "customer", TableConfig.of("customer")),
                    Files.createTempDirectory("tw"));
            SqlConnector myConn = new SqlConnector(my.database("my"), Map.of("Employee", TableConfig.of("Employee"), "Customer", TableConfig.of("Customer")),
                    Files.createTempDirectory("tw"));
            Map<String, ValueType> empFields = Map.of("name", ValueType.STRING);
            FieldMapping pgEmp = FieldMapping.build("pg", empFields, List.of(
                    FieldMappingSpec.Direct.of("name", "full_name", pgConn.table("employee").require("full_name").columnType())));
            FieldMapping myEmp = FieldMapping.build("my", empFields, List.of(
                    FieldMappingSpec.Direct.of("name", "FullName", myConn.table("Employee").require("FullName").columnType())));

            // Customers: independent keys, matched by email; every field has another name and most another type.
            Map<String, ValueType> fields = new LinkedHashMap<>();
            fields.put("name", ValueType.STRING);
            fields.put("email", ValueType.STRING);
            fields.put("points", ValueType.INTEGER);
            fields.put("signedUp", ValueType.TIMESTAMP);
            fields.put("active", ValueType.BOOLEAN);
            fields.put("tier", ValueType.STRING);
            fields.put("balance", ValueType.DECIMAL);
            fields.put("rep", ValueType.STRING); // a reference: canonically the employee's record id
            Table pgCustomer = pgConn.table("customer");
            Table myCustomer = myConn.table("Customer");
            assertThat(pgCustomer.foreignKeys()).singleElement().satisfies(fk -> assertThat(fk.refTable()).isEqualTo("employee"));
            assertThat(myCustomer.foreignKeys()).singleElement().satisfies(fk -> assertThat(fk.refColumns()).containsExactly("EmployeeId"));
            EndpointMapping pgMap = FieldMapping.build("pg", fields, specs(pgCustomer, List.of("full_name", "email", "loyalty_points", "signed_up",
                    "active", "tier", "balance", "support_rep_id"), fields));
            EndpointMapping myMap = FieldMapping.build("my", fields, specs(myCustomer, List.of("FullName", "Email", "LoyaltyPoints", "SignedUp",
                    "Active", "Tier", "Balance", "SupportRepId"), fields));

            ConflictSettings lww = ConflictSettings.lastWriteWins(List.of("pg", "my"));
            try (SqlSyncHarness customers = new SqlSyncHarness(List.of(
                    // Customers first: their capture meets references to employees not captured yet, and waits for them.
                    new SqlSyncHarness.Sync("customers", List.of(
                            new SqlSyncHarness.Side("pg", pg, TableConfig.of("customer"), pgMap, Map.of("support_rep_id", "employees")),
                            new SqlSyncHarness.Side("my", my, TableConfig.of("Customer"), myMap, Map.of("SupportRepId", "employees"))), lww, List.of("email")),
                    new SqlSyncHarness.Sync("employees", List.of(
                            new SqlSyncHarness.Side("pg", pg, TableConfig.of("employee"), pgEmp),
                            new SqlSyncHarness.Side("my", my, TableConfig.of("Employee"), myEmp)), lww, List.of("name"))), Duration.ZERO)) {
                customers.syncUntilQuiet();
                assertThat(customers.captureErrors).anySatisfy(e -> assertThat(e).contains("has not captured yet"));
                assertThat(query(my, "SELECT EmployeeId FROM Employee WHERE FullName = 'Mallory Example'")).containsExactly("901");
                my.exec("INSERT INTO Customer (FullName, Email, LoyaltyPoints, SignedUp, Active, Tier, Balance, SupportRepId)"
                        + " VALUES ('Alan Turing', 'alan@example.com', 7, '2026-02-03 04:05:06.5', 0, 'silver', 0.10, 901)");
                customers.syncUntilQuiet();

                assertThat(query(my, "SELECT FullName, LoyaltyPoints, DATE_FORMAT(SignedUp, '%Y-%m-%dT%H:%i:%s.%f'), Active, Tier, Balance, SupportRepId,"
                        + " CustomerId >= 500 FROM Customer WHERE Email = 'ada@example.com'"))
                        .containsExactly("Ada Lovelace", "120", "2026-01-02T03:04:05.123456", "1", "gold", "12.50", "900", "1");
                assertThat(query(pg, "SELECT full_name, loyalty_points, to_char(signed_up AT TIME ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), active::text,"
                        + " tier::text, balance::text, support_rep_id FROM customer WHERE email = 'alan@example.com'"))
                        .containsExactly("Alan Turing", "7", "2026-02-03T04:05:06.500000", "false", "silver", "0.10", "2");

                // A new employee and a customer of theirs, in one transaction: the foreign key is translated and the
                // employee is written to MariaDB before the customer that references it (MariaDB enforces the key).
                pg.exec("BEGIN; INSERT INTO employee VALUES (3, 'Trent Example');"
                        + " INSERT INTO customer (full_name, email, active, support_rep_id) VALUES ('Grace Hopper', 'grace@example.com', true, 3); COMMIT");
                customers.syncUntilQuiet();
                assertThat(query(my, "SELECT e.FullName, e.EmployeeId FROM Customer c JOIN Employee e ON e.EmployeeId = c.SupportRepId"
                        + " WHERE c.Email = 'grace@example.com'")).containsExactly("Trent Example", "902");

                // Edits flow back with their conversions.
                my.exec("UPDATE Customer SET Tier = 'bronze', LoyaltyPoints = 130, Active = 0 WHERE Email = 'ada@example.com'");
                customers.syncUntilQuiet();
                assertThat(query(pg, "SELECT tier::text, loyalty_points, active::text FROM customer WHERE email = 'ada@example.com'"))
                        .containsExactly("bronze", "130", "false");

                // Values that do not fit: an enum label PostgreSQL does not have, a name longer than MariaDB's column.
                // Each goes to dead letters with the reason; other writes keep syncing; nothing is truncated.
                my.exec("UPDATE Customer SET Tier = 'platinum' WHERE Email = 'ada@example.com'");
                pg.exec("UPDATE customer SET full_name = 'Alan Mathison Turing, Fellow of the Royal Society' WHERE email = 'alan@example.com'",
                        "UPDATE customer SET balance = 99.99 WHERE email = 'ada@example.com'");
                customers.syncUntilQuiet();
                List<DeadLetter> letters = customers.store.inTransaction(tx -> tx.deadLetters("customers", 10));
                assertThat(letters).extracting(DeadLetter::error).anySatisfy(e -> assertThat(e).contains("platinum").contains("gold"))
                        .anySatisfy(e -> assertThat(e).contains("40"));
                assertThat(query(pg, "SELECT tier::text FROM customer WHERE email = 'ada@example.com'")).containsExactly("bronze");
                assertThat(query(my, "SELECT FullName FROM Customer WHERE Email = 'alan@example.com'")).containsExactly("Alan Turing");
                assertThat(query(my, "SELECT Balance, Tier FROM Customer WHERE Email = 'ada@example.com'")).containsExactly("99.99", "platinum");
            }
        }
    }

    private static List<FieldMappingSpec> specs(Table t, List<String> columns, Map<String, ValueType> fields) {
        List<FieldMappingSpec> out = new ArrayList<>();
        List<String> names = new ArrayList<>(fields.keySet());
        for (int i = 0; i < columns.size(); i++) {
            ColumnType type = fields.get(names.get(i)) == ValueType.STRING && t.require(columns.get(i)).kind() == SqlKind.INTEGER
                    ? ColumnType.of(ValueType.STRING) // a reference column carries the record id through the mapping
                    : t.require(columns.get(i)).columnType();
            out.add(FieldMappingSpec.Direct.of(names.get(i), columns.get(i), type));
        }
        return out;
    }

    static List<String> query(TestDatabase db, String sql) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            assertThat(rs.next()).as("a row for " + sql).isTrue();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) out.add(rs.getString(i));
            return out;
        }
    }
}
