package dev.twoway.cli;

import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.config.ConfigReader;
import dev.twoway.config.TwowayConfig;
import dev.twoway.engine.SyncEngine;
import dev.twoway.engine.SyncPass;
import dev.twoway.store.ConflictRecord;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo: two SQLite databases, a CRM and an ERP with different schemas, that already share one customer; a
 * config file like a user would write; an initial sync, edits on both sides (one of them a conflict for a person to
 * decide), a delete, and the audit trail. Everything goes through the same config reader, deployment and engine
 * as {@code twoway run}; the files stay in the demo directory to look at afterwards.
 */
final class Demo {
    static final String CONFIG = """
            # The demo's config: a CRM and an ERP that keep their customers in different shapes.
            state: ./state
            systems:
              crm: { connector: sqlite, path: crm.db }
              erp: { connector: sqlite, path: erp.db }
            syncs:
              customers:
                capture: triggers
                endpoints:
                  crm: { table: contact }
                  erp: { table: Customer }
                fields:
                  name:                     # one field in the ERP, two columns in the CRM
                    crm:
                      from: "row.first_name + ' ' + row.last_name"
                      to: { first_name: "record.name.split(' ')[0]", last_name: "record.name.split(' ')[1]" }
                    erp: FullName
                  email: { crm: email, erp: Email, match: true }
                  phone: { crm: phone, erp: Phone }
                  tier:                     # text in the CRM, a number in the ERP
                    type: string
                    crm: tier
                    erp: { column: TierCode, values: { gold: 1, silver: 2 } }
                conflicts:
                  default: last-write-wins
                  priority: [crm, erp]
                  fields: { phone: manual }   # a phone number changed on both sides waits for a person
                deletes: propagate
                validate:
                  - rule: "record.email.contains('@')"
                    message: "an email address needs an @"
            """;

    private final Path dir;
    private final PrintStream out;

    Demo(Path dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
    }

    void run() throws InterruptedException {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("twoway.yaml"), CONFIG);
            createDatabases();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo files in " + dir + ": " + e.getMessage(), e);
        }
        TwowayConfig config = ConfigReader.read(dir.resolve("twoway.yaml"));
        out.println("twoway demo: a CRM and an ERP (two SQLite databases) kept in sync both ways");
        out.println("files: " + dir.resolve("twoway.yaml") + ", crm.db, erp.db, state/");
        out.println("The CRM's contact table has first_name, last_name, email, phone, tier ('gold'/'silver');");
        out.println("the ERP's Customer table has FullName, Email, Phone, TierCode (1 = gold, 2 = silver) and CreditLimit (ERP only).");
        try (Deployment d = new Deployment(config)) {
            SyncEngine engine = d.engine("customers");

            step("1. Initial sync: the CRM has 3 contacts, the ERP 2 customers; Ada is in both (matched by email)");
            pass(engine);
            tables();

            step("2. A sales rep changes Alan's phone in the CRM");
            crm("UPDATE contact SET phone = '+44 20 9999' WHERE email = 'alan@example.com'");
            pass(engine);
            tables();

            step("3. At the same time: the CRM renames Ada, the ERP moves her to the silver tier (different fields: both kept)");
            crm("UPDATE contact SET last_name = 'King' WHERE email = 'ada@example.com'");
            erp("UPDATE Customer SET TierCode = 2 WHERE Email = 'ada@example.com'");
            pass(engine);
            tables();

            step("4. Conflict: both change Ada's phone; the phone policy is manual, so it waits for a person");
            crm("UPDATE contact SET phone = '+44 20 5555' WHERE email = 'ada@example.com'");
            erp("UPDATE Customer SET Phone = '+44 20 6666' WHERE Email = 'ada@example.com'");
            pass(engine);
            tables();
            List<ConflictRecord> open = engine.openConflicts();
            for (ConflictRecord c : open) {
                out.printf("  open conflict %d on field '%s': %s%n", c.id(), c.field(), ConflictsCommand.candidates(c).path("versions").properties().stream()
                        .map(e -> e.getKey() + " says " + ConflictsCommand.display(e.getValue())).toList());
            }
            out.println("  a person decides (twoway conflicts resolve " + open.getFirst().id() + " --take erp --comment \"customer confirmed\"):");
            out.println("  " + Operations.execute(d, Operations.resolve(open.getFirst().id(), "erp", null, false, false, "demo-user", "customer confirmed")));
            pass(engine);
            tables();

            step("5. Grace is deleted in the ERP: the delete propagates to the CRM; a contact without an @ is refused");
            erp("DELETE FROM Customer WHERE Email = 'grace@example.com'");
            crm("INSERT INTO contact (first_name, last_name, email, phone, tier) VALUES ('Bad', 'Row', 'not-an-email', '0', 'gold')");
            pass(engine);
            tables();
            d.store().inTransaction(tx -> tx.deadLetters("customers", 10)).forEach(l -> out.println("  dead letter " + l.id() + ": " + l.error()));

            step("6. The audit trail: every change, write and decision, hash-chained");
            List<AuditEntry> trail = d.store().inTransaction(tx -> tx.audit(0, Integer.MAX_VALUE));
            for (AuditEntry e : trail) {
                if (e.action().startsWith("write:") || e.action().equals("agreed")) continue;
                out.printf("  #%-3d %-16s %-7s %-16s %s%n", e.seq(), e.action(), e.system() == null ? "-" : e.system(), e.actor(), summarize(e.detail()));
            }
            long writes = trail.stream().filter(e -> e.action().startsWith("write:")).count();
            out.printf("  (+ %d audited writes to the two databases, not shown; twoway audit export -c %s lists everything)%n", writes, dir.resolve("twoway.yaml"));
            AuditChain.Verification v = AuditChain.verify(trail);
            out.println("  chain: " + (v.intact() ? "intact, " + v.checked() + " entries verified" : "BROKEN at " + v.firstBreak().get()));
            SyncEngine.SyncStatus status = engine.status();
            out.printf("%nstatus: %s, %s, %s%n", CliValues.count(RunCommand.queued(status), "queued write"),
                    CliValues.count(status.openConflicts(), "open conflict"), CliValues.count(status.deadLetters(), "dead letter"));
            out.println("Try it yourself: edit " + dir.resolve("crm.db") + " with sqlite3, then twoway sync --once -c " + dir.resolve("twoway.yaml"));
        }
    }

    private void createDatabases() {
        exec("crm.db", """
                CREATE TABLE contact (contact_id INTEGER PRIMARY KEY AUTOINCREMENT, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
                  email TEXT NOT NULL UNIQUE, phone TEXT, tier TEXT);
                INSERT INTO contact (first_name, last_name, email, phone, tier) VALUES
                  ('Ada', 'Lovelace', 'ada@example.com', '+44 20 1111', 'gold'),
                  ('Alan', 'Turing', 'alan@example.com', '+44 20 2222', 'silver'),
                  ('Grace', 'Hopper', 'grace@example.com', '+1 212 3333', 'gold')""");
        exec("erp.db", """
                CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY AUTOINCREMENT, FullName VARCHAR(100) NOT NULL, Email VARCHAR(100) NOT NULL UNIQUE,
                  Phone VARCHAR(30), TierCode INTEGER, CreditLimit NUMERIC(10,2) DEFAULT 1000);
                INSERT INTO Customer (CustomerId, FullName, Email, Phone, TierCode) VALUES
                  (100, 'Ada Lovelace', 'ada@example.com', '+44 20 1111', 1),
                  (101, 'Edsger Dijkstra', 'edsger@example.com', '+31 20 4444', 2)""");
    }

    private void crm(String sql) {
        exec("crm.db", sql);
    }

    private void erp(String sql) {
        exec("erp.db", sql);
    }

    private void exec(String db, String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(db)); Statement s = c.createStatement()) {
            for (String stmt : sql.split(";")) if (!stmt.isBlank()) s.execute(stmt);
        } catch (SQLException e) {
            throw new IllegalStateException("demo database " + db + ": " + e.getMessage(), e);
        }
    }

    private void pass(SyncEngine engine) throws InterruptedException {
        SyncPass.Report r = SyncPass.run(engine, Duration.ofSeconds(5), SyncPass.Progress.NONE);
        out.printf("  (sync pass: %s, %s)%n", CliValues.count(r.changes(), "change read", "changes read"), CliValues.count(r.applied(), "write applied", "writes applied"));
    }

    private void step(String title) {
        out.println();
        out.println(title);
    }

    private void tables() {
        List<String> left = rows("crm.db", "SELECT first_name, last_name, phone, tier FROM contact ORDER BY email", "%-8s %-9s %-12s %-6s");
        List<String> right = rows("erp.db", "SELECT FullName, Phone, TierCode FROM Customer ORDER BY Email", "%-16s %-12s %s");
        out.printf("  %-38s | %s%n", "CRM contact (first last phone tier)", "ERP Customer (FullName Phone TierCode)");
        for (int i = 0; i < Math.max(left.size(), right.size()); i++) {
            out.printf("  %-38s | %s%n", i < left.size() ? left.get(i) : "", i < right.size() ? right.get(i) : "");
        }
    }

    private List<String> rows(String db, String sql, String format) {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(db)); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Object[] vals = new Object[n];
                for (int i = 0; i < n; i++) vals[i] = rs.getString(i + 1);
                out.add(String.format(format, vals));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("demo database " + db + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static String summarize(String detail) {
        String s = detail.replaceAll("\\{\"t\":\"[a-z]+\",\"v\":(\"[^\"]*\"|[^}]*)}", "$1");
        return s.length() <= 110 ? s : s.substring(0, 107) + "...";
    }
}
