package dev.twoway.cli;

import dev.twoway.audit.AuditChain;
import dev.twoway.audit.AuditEntry;
import dev.twoway.connector.memory.MemorySystem;
import dev.twoway.connector.memory.MemoryTable;
import dev.twoway.engine.Direction;
import dev.twoway.engine.EndpointDefinition;
import dev.twoway.engine.EngineOptions;
import dev.twoway.engine.SyncDefinition;
import dev.twoway.engine.SyncEngine;
import dev.twoway.mapping.ColumnType;
import dev.twoway.mapping.FieldMapping;
import dev.twoway.mapping.FieldMappingSpec;
import dev.twoway.model.ValueType;
import dev.twoway.merge.ConflictSettings;
import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.store.StateStore;
import dev.twoway.store.sqlite.SqliteStateStore;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo: a CRM and an ERP that already share one customer, an initial sync, edits on both sides (one of them
 * a conflict), a delete, and the audit trail. It drives the engine step by step so the output is the same on
 * every run.
 */
final class Demo {
    private final Path dir;
    private final PrintStream out;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-06-01T09:00:00Z"));
    private final InstantSource clock = now::get;

    Demo(Path dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
    }

    void run() {
        MemorySystem crm = new MemorySystem("crm", clock);
        MemorySystem erp = new MemorySystem("erp", clock);
        erp.setSkew(Duration.ofSeconds(-40)); // the ERP's clock is 40 s behind; the engine measures and corrects it
        MemoryTable contacts = crm.table("contact");
        MemoryTable customers = erp.table("customer");

        // The CRM: snake_case, first and last name apart, tier as text.
        NativeKey ada = contacts.insert(Row.of("first_name", "Ada", "last_name", "Lovelace", "email", "ada@example.com", "phone", "+44 20 1111", "tier", "gold"));
        NativeKey alan = contacts.insert(Row.of("first_name", "Alan", "last_name", "Turing", "email", "alan@example.com", "phone", "+44 20 2222", "tier", "silver"));
        contacts.insert(Row.of("first_name", "Grace", "last_name", "Hopper", "email", "grace@example.com", "phone", "+1 212 3333", "tier", "gold"));
        // The ERP: PascalCase, one full name, tier as a number.
        customers.insert(Row.of("FullName", "Ada Lovelace", "Email", "ada@example.com", "Phone", "+44 20 1111", "TierCode", 1L));
        customers.insert(Row.of("FullName", "Edsger Dijkstra", "Email", "edsger@example.com", "Phone", "+31 20 4444", "TierCode", 2L));

        Map<String, ValueType> fields = Map.of("name", ValueType.STRING, "email", ValueType.STRING, "phone", ValueType.STRING, "tier", ValueType.STRING);
        ColumnType text = ColumnType.of(ValueType.STRING).withMaxLength(100);
        FieldMapping crmMapping = FieldMapping.build("crm", fields, List.of(
                new FieldMappingSpec.Computed("name", "row.first_name + ' ' + row.last_name",
                        Map.of("first_name", "record.name.split(' ')[0]", "last_name", "record.name.split(' ')[1]"),
                        Map.of("first_name", text, "last_name", text)),
                FieldMappingSpec.Direct.of("email", "email", text),
                FieldMappingSpec.Direct.of("phone", "phone", text),
                FieldMappingSpec.Direct.of("tier", "tier", text)));
        FieldMapping erpMapping = FieldMapping.build("erp", fields, List.of(
                FieldMappingSpec.Direct.of("name", "FullName", text),
                FieldMappingSpec.Direct.of("email", "Email", text),
                FieldMappingSpec.Direct.of("phone", "Phone", text),
                new FieldMappingSpec.Direct("tier", "TierCode", ColumnType.of(ValueType.INTEGER).withRange(0, 9),
                        Map.of("gold", "1", "silver", "2"), null, null)));
        SyncDefinition sync = new SyncDefinition("customers", List.of(
                new EndpointDefinition("crm", "contact", Direction.BOTH, crmMapping, null),
                new EndpointDefinition("erp", "customer", Direction.BOTH, erpMapping, null)),
                ConflictSettings.lastWriteWins(List.of("crm", "erp")), List.of("email"));

        Path storeFile = dir.resolve("state.db");
        out.println("twoway demo: a CRM and an ERP kept in sync both ways");
        out.println("state store: " + storeFile);
        try (StateStore store = SqliteStateStore.open(storeFile)) {
            SyncEngine engine = new SyncEngine(sync, Map.of(
                    "crm", new SyncEngine.EndpointIo(crm.source("contact"), crm.sink("contact")),
                    "erp", new SyncEngine.EndpointIo(erp.source("customer"), erp.sink("customer"))),
                    store, EngineOptions.defaults().withClock(clock));
            engine.measureClock("crm", crm::currentTime);
            engine.measureClock("erp", erp::currentTime);

            out.println("The CRM's contact table has first_name, last_name, email, phone, tier ('gold'/'silver');");
            out.println("the ERP's customer table has FullName, Email, Phone, TierCode (1 = gold, 2 = silver).");
            step("1. Initial sync: the CRM has 3 contacts, the ERP 2 customers; Ada is in both (matched by email)");
            syncUntilQuiet(engine);
            tables(contacts, customers);

            step("2. A sales rep changes Alan's phone in the CRM");
            contacts.update(alan, Row.of("phone", "+44 20 9999"));
            syncUntilQuiet(engine);
            tables(contacts, customers);

            step("3. At the same time: the CRM renames Ada, the ERP moves her to the silver tier (different fields: both kept)");
            contacts.update(ada, Row.of("last_name", "King"));
            customers.update(keyOf(customers, "ada@example.com"), Row.of("TierCode", 2L));
            syncUntilQuiet(engine);
            tables(contacts, customers);

            step("4. Conflict: both change Ada's phone; the ERP's edit is 5 s later (its clock reads 35 s earlier)");
            contacts.update(ada, Row.of("phone", "+44 20 5555"));
            tick(Duration.ofSeconds(5));
            customers.update(keyOf(customers, "ada@example.com"), Row.of("Phone", "+44 20 6666"));
            syncUntilQuiet(engine);
            tables(contacts, customers);

            step("5. Grace is deleted in the CRM: the delete propagates to the ERP");
            contacts.delete(keyOf(contacts, "grace@example.com"));
            syncUntilQuiet(engine);
            tables(contacts, customers);

            step("6. The audit trail: every change, write and decision, hash-chained");
            List<AuditEntry> trail = store.inTransaction(tx -> tx.audit(0, Integer.MAX_VALUE));
            for (AuditEntry e : trail) {
                if (e.action().startsWith("write:") || e.action().equals("agreed")) continue;
                out.printf("  #%-3d %-9s %-4s %s%n", e.seq(), e.action(), e.system(), summarize(e.detail()));
            }
            long writes = trail.stream().filter(e -> e.action().startsWith("write:")).count();
            out.printf("  (+ %d audited writes to the two systems, not shown)%n", writes);
            AuditChain.Verification v = AuditChain.verify(trail);
            out.println("  chain: " + (v.intact() ? "intact, " + v.checked() + " entries verified" : "BROKEN at " + v.firstBreak().get()));
            SyncEngine.SyncStatus status = engine.status();
            out.printf("%nstatus: %d queued writes, %d open conflicts, %d dead letters%n",
                    status.endpoints().stream().mapToLong(SyncEngine.EndpointStatus::queued).sum(), status.openConflicts(), status.deadLetters());
        }
    }

    private void syncUntilQuiet(SyncEngine engine) {
        for (int round = 0; round < 20; round++) {
            int moved = 0;
            for (String e : List.of("crm", "erp")) {
                SyncEngine.CaptureReport r;
                do {
                    r = engine.captureOnce(e);
                    moved += r.resolved();
                } while (!r.caughtUp() || r.changes() > 0);
            }
            for (String e : List.of("crm", "erp")) moved += engine.deliverOnce(e).due();
            tick(Duration.ofSeconds(1));
            if (moved == 0) return;
        }
        throw new IllegalStateException("demo did not settle");
    }

    private void tick(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    private static NativeKey keyOf(MemoryTable table, String email) {
        return table.snapshot().entrySet().stream()
                .filter(e -> e.getValue().get("email").equals(Value.str(email)) || e.getValue().get("Email").equals(Value.str(email)))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    private void step(String title) {
        out.println();
        out.println(title);
    }

    private void tables(MemoryTable crm, MemoryTable erp) {
        out.printf("  %-43s | %s%n", "CRM contact (first_name last_name phone tier)", "ERP customer (FullName Phone TierCode)");
        var left = List.copyOf(crm.snapshot().values());
        var right = List.copyOf(erp.snapshot().values());
        for (int i = 0; i < Math.max(left.size(), right.size()); i++) {
            String l = i < left.size() ? String.format("%-8s %-9s %-12s %-6s", left.get(i).get("first_name").display(),
                    left.get(i).get("last_name").display(), left.get(i).get("phone").display(), left.get(i).get("tier").display()) : "";
            String r = i < right.size() ? String.format("%-16s %-12s %s", right.get(i).get("FullName").display(),
                    right.get(i).get("Phone").display(), right.get(i).get("TierCode").display()) : "";
            out.printf("  %-43s | %s%n", l, r);
        }
    }

    private static String summarize(String detail) {
        String s = detail.replaceAll("\\{\"t\":\"[a-z]+\",\"v\":(\"[^\"]*\"|[^}]*)}", "$1");
        return s.length() <= 150 ? s : s.substring(0, 147) + "...";
    }
}
