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
import dev.twoway.mapping.EndpointMapping;
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
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo: a CRM and an ERP that already share one customer, an initial sync, edits on both sides (one of them
 * a conflict), a delete, and the audit trail. It drives the engine step by step so the output is the same on
 * every run.
 */
final class Demo {
    private static final List<String> FIELDS = List.of("name", "email", "phone", "tier");
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

        NativeKey ada = contacts.insert(Row.of("name", "Ada Lovelace", "email", "ada@example.com", "phone", "+44 20 1111", "tier", "gold"));
        NativeKey alan = contacts.insert(Row.of("name", "Alan Turing", "email", "alan@example.com", "phone", "+44 20 2222", "tier", "silver"));
        contacts.insert(Row.of("name", "Grace Hopper", "email", "grace@example.com", "phone", "+1 212 3333", "tier", "gold"));
        customers.insert(Row.of("name", "Ada Lovelace", "email", "ada@example.com", "phone", "+44 20 1111", "tier", "gold"));
        customers.insert(Row.of("name", "Edsger Dijkstra", "email", "edsger@example.com", "phone", "+31 20 4444", "tier", "silver"));

        SyncDefinition sync = new SyncDefinition("customers", List.of(
                new EndpointDefinition("crm", "contact", Direction.BOTH, EndpointMapping.identity(Set.copyOf(FIELDS)), null),
                new EndpointDefinition("erp", "customer", Direction.BOTH, EndpointMapping.identity(Set.copyOf(FIELDS)), null)),
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

            step("1. Initial sync: the CRM has 3 contacts, the ERP 2 customers; Ada is in both (matched by email)");
            syncUntilQuiet(engine);
            tables(contacts, customers);

            step("2. A sales rep changes Alan's phone in the CRM");
            contacts.update(alan, Row.of("phone", "+44 20 9999"));
            syncUntilQuiet(engine);
            tables(contacts, customers);

            step("3. At the same time: the CRM renames Ada, the ERP moves her to the silver tier (different fields: both kept)");
            contacts.update(ada, Row.of("name", "Ada King"));
            customers.update(keyOf(customers, "ada@example.com"), Row.of("tier", "silver"));
            syncUntilQuiet(engine);
            tables(contacts, customers);

            step("4. Conflict: both change Ada's phone; the ERP's edit is 5 s later (its clock reads 35 s earlier)");
            contacts.update(ada, Row.of("phone", "+44 20 5555"));
            tick(Duration.ofSeconds(5));
            customers.update(keyOf(customers, "ada@example.com"), Row.of("phone", "+44 20 6666"));
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
        return table.snapshot().entrySet().stream().filter(e -> e.getValue().get("email").equals(Value.str(email)))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    private void step(String title) {
        out.println();
        out.println(title);
    }

    private void tables(MemoryTable crm, MemoryTable erp) {
        out.printf("  %-38s | %s%n", "CRM contact", "ERP customer");
        var left = List.copyOf(crm.snapshot().values());
        var right = List.copyOf(erp.snapshot().values());
        for (int i = 0; i < Math.max(left.size(), right.size()); i++) {
            out.printf("  %-38s | %s%n", i < left.size() ? line(left.get(i)) : "", i < right.size() ? line(right.get(i)) : "");
        }
    }

    private static String line(Row r) {
        return String.format("%-16s %-12s %-6s", r.get("name").display(), r.get("phone").display(), r.get("tier").display());
    }

    private static String summarize(String detail) {
        String s = detail.replaceAll("\\{\"t\":\"[a-z]+\",\"v\":(\"[^\"]*\"|[^}]*)}", "$1");
        return s.length() <= 150 ? s : s.substring(0, 147) + "...";
    }
}
