package dev.twoway.reliability;

import dev.twoway.jdbc.TestDatabase;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The two systems every scenario syncs, as in docs/getting-started.md: PostgreSQL {@code shop.customers} ⇄ MariaDB
 * {@code erp.Customers}, different names, types and independent keys, matched by email. The ERP's Email is indexed
 * but deliberately not UNIQUE, so that a record inserted twice shows up as a duplicate instead of being refused.
 */
final class ShopAndErp implements AutoCloseable {
    enum Side { SHOP, ERP }

    /** One customer under the mapping, in canonical form (credit limit with two decimals). */
    record Customer(String email, String firstName, String lastName, String phone, String creditLimit) {
        Object field(String name) {
            return switch (name) {
                case "first_name" -> firstName;
                case "last_name" -> lastName;
                case "phone" -> phone;
                case "credit_limit" -> creditLimit;
                default -> throw new IllegalArgumentException(name);
            };
        }
    }

    static final List<String> FIELDS = List.of("first_name", "last_name", "phone", "credit_limit");

    final TestDatabase shop;
    final TestDatabase erp;

    ShopAndErp() {
        this(TestDatabase.create(TestDatabase.Kind.MARIADB));
    }

    /** With the ERP's database made by the caller (on a server of its own, say); closed with this. */
    ShopAndErp(TestDatabase erp) {
        this.erp = erp;
        this.shop = TestDatabase.create(TestDatabase.Kind.POSTGRES);
        shop.exec("CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, first_name text NOT NULL, last_name text NOT NULL,"
                + " phone text, credit_limit numeric(10,2), updated_at timestamptz NOT NULL DEFAULT now())");
        erp.exec("CREATE TABLE Customers (CustomerId INT AUTO_INCREMENT PRIMARY KEY, Email VARCHAR(200) NOT NULL, First_Name VARCHAR(100) NOT NULL,"
                + " Last_Name VARCHAR(100) NOT NULL, Phone VARCHAR(30), Credit_Limit DECIMAL(10,2), KEY by_email (Email))");
    }

    /** Writes twoway.yaml into {@code dir}; the ERP is reached at {@code erpUrl} (the database itself, or a proxy in front of it). */
    void writeConfig(Path dir, String erpUrl) throws java.io.IOException {
        writeConfig(dir, erpUrl, "", "");
    }

    /** As {@link #writeConfig(Path, String)}, with more systems and syncs (YAML lines indented under systems: and syncs:). */
    void writeConfig(Path dir, String erpUrl, String moreSystems, String moreSyncs) throws java.io.IOException {
        Files.writeString(dir.resolve("twoway.yaml"), """
                state: ./twoway-data
                server: { enabled: false }   # the API's default port 8080 may be taken; scenarios use the CLI
                systems:
                  shop: { connector: postgres, url: "%s", user: postgres }
                  erp: { connector: mariadb, url: "%s", user: root }
                %s
                syncs:
                  customers:
                    capture: triggers
                    schedule: realtime
                    endpoints:
                      shop: { table: customers }
                      erp: { table: Customers }
                    fields:
                      email: { shop: email, erp: Email, match: true }
                      first_name: { shop: first_name, erp: First_Name }
                      last_name: { shop: last_name, erp: Last_Name }
                      phone: { shop: phone, erp: Phone }
                      credit_limit: { shop: credit_limit, erp: Credit_Limit }
                    conflicts: { default: last-write-wins }
                    deletes: propagate
                %s
                """.formatted(shop.url, erpUrl, moreSystems.stripTrailing(), moreSyncs.stripTrailing()));
    }

    TestDatabase db(Side side) {
        return side == Side.SHOP ? shop : erp;
    }

    static String table(Side side) {
        return side == Side.SHOP ? "customers" : "Customers";
    }

    static String column(Side side, String field) {
        if (side == Side.SHOP) return field;
        return switch (field) {
            case "email" -> "Email";
            case "first_name" -> "First_Name";
            case "last_name" -> "Last_Name";
            case "phone" -> "Phone";
            case "credit_limit" -> "Credit_Limit";
            default -> throw new IllegalArgumentException(field);
        };
    }

    /** Every row of one side, grouped by email (a list longer than one is a duplicate). */
    Map<String, List<Customer>> read(Side side) throws SQLException {
        String sql = "SELECT %s, %s, %s, %s, %s FROM %s".formatted(column(side, "email"), column(side, "first_name"), column(side, "last_name"),
                column(side, "phone"), column(side, "credit_limit"), table(side));
        Map<String, List<Customer>> rows = new HashMap<>();
        try (Connection c = db(side).connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                Customer row = new Customer(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), money(rs.getBigDecimal(5)));
                rows.computeIfAbsent(row.email(), k -> new ArrayList<>()).add(row);
            }
        }
        return rows;
    }

    static String money(BigDecimal v) {
        return v == null ? null : v.setScale(2, java.math.RoundingMode.UNNECESSARY).toPlainString();
    }

    /** Inserts many customers in one transaction (the seed an initial sync has to carry). */
    void seed(Side side, List<Customer> customers) throws SQLException {
        String sql = "INSERT INTO %s (%s, %s, %s, %s, %s) VALUES (?, ?, ?, ?, ?)".formatted(table(side), column(side, "email"),
                column(side, "first_name"), column(side, "last_name"), column(side, "phone"), column(side, "credit_limit"));
        try (Connection c = db(side).connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(false);
            for (Customer cu : customers) {
                ps.setString(1, cu.email());
                ps.setString(2, cu.firstName());
                ps.setString(3, cu.lastName());
                ps.setString(4, cu.phone());
                ps.setBigDecimal(5, cu.creditLimit() == null ? null : new BigDecimal(cu.creditLimit()));
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        }
    }

    static boolean same(Customer a, Customer b) {
        return Objects.equals(a, b);
    }

    @Override
    public void close() {
        try {
            shop.close();
        } finally {
            erp.close();
        }
    }
}
