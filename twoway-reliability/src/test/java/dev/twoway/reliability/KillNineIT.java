package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN.md invariant 4: kill -9 of twoway run at random moments — during the initial sync of 2,000 rows, mid-batch,
 * during delivery — while writers edit both databases; restarted each time. After convergence nothing is lost,
 * nothing is duplicated, the tables are equal and every conflict is audited with its losing value.
 */
class KillNineIT {
    static final int KILLS_PER_ROUND = 20;

    @TempDir
    Path tmp;

    @Test
    void killNineAtRandomMomentsLosesAndDuplicatesNothing() throws Exception {
        Figures figures = new Figures("kill -9 twoway run");
        long started = System.nanoTime();
        Soak soak = new Soak();
        while (soak.another()) {
            try (ShopAndErp dbs = new ShopAndErp(); TwowayProcess twoway = new TwowayProcess(Scenario.workdir(tmp, soak.rounds()))) {
                dbs.writeConfig(twoway.dir(), dbs.erp.url);
                Ledger ledger = new Ledger();
                Scenario.seed(dbs, ledger, 1_200, 600, 200);
                try (RandomWriters writers = new RandomWriters(dbs, ledger, 15).start()) {
                    for (int kill = 0; kill < KILLS_PER_ROUND; kill++) {
                        boolean inCommit = kill % 4 == 3;
                        // Every fourth run holds each state-store transaction open 40 ms, fully written, before its
                        // COMMIT: a kill at a random moment then lands inside a transaction most of the time.
                        twoway.start(inCommit ? List.of("-Dtwoway.debug.commitDelayMillis=40") : List.of());
                        if (kill % 2 == 1) {
                            // Every other kill lands after the initial sync committed: mid-batch, during delivery.
                            awaitInitialSync(twoway);
                            Thread.sleep(ThreadLocalRandom.current().nextLong(100, 1_500));
                        } else {
                            // Start-up takes most of a second; these land in start-up or the initial sync.
                            Thread.sleep(ThreadLocalRandom.current().nextLong(300, 2_500));
                        }
                        assertThat(twoway.alive()).as("twoway run died by itself before kill %d; its log:%n%s", kill + 1, twoway.log()).isTrue();
                        twoway.kill9();
                        figures.add("kills survived", 1);
                        if (inCommit) figures.add("kills aimed at commit", 1);
                        // An endpoint without a committed capture position: the kill came before its initial sync was done.
                        if (kill % 2 == 0 && initialSyncUnfinished(twoway.status())) figures.add("kills during initial sync", 1);
                    }
                    twoway.start();
                    Thread.sleep(1_000);
                }
                Verdict verdict = converge(twoway, dbs, ledger, figures);
                figures.add("records written", ledger.writes());
                assertThat(verdict.examples()).as("findings after %d kills; twoway's log:%n%s", KILLS_PER_ROUND, twoway.log()).isEmpty();
                assertThat(verdict.clean()).isTrue();
            }
        }
        figures.add("rounds", soak.rounds()).add("seconds", (System.nanoTime() - started) / 1_000_000_000L).publish();
    }

    private static void awaitInitialSync(TwowayProcess twoway) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (initialSyncUnfinished(twoway.status())) {
            if (System.nanoTime() > deadline || !twoway.alive()) throw new AssertionError("the initial sync did not finish within 90 s; log:\n" + twoway.log());
            Thread.sleep(200);
        }
    }

    private static boolean initialSyncUnfinished(JsonNode status) {
        if (status.path("noState").asBoolean()) return true;
        for (JsonNode s : status.path("syncs")) for (JsonNode e : s.path("endpoints")) if (!e.path("captured").asBoolean()) return true;
        return false;
    }

    static Verdict converge(TwowayProcess twoway, ShopAndErp dbs, Ledger ledger, Figures figures) throws Exception {
        Checker checker = new Checker(dbs, twoway);
        try {
            try {
                checker.awaitQuiescence(Duration.ofSeconds(150));
            } catch (AssertionError e) {
                keepEvidence(twoway, e.getMessage().lines().findFirst().orElse(""));
                throw e;
            }
            JsonNode status = twoway.status();
            figures.add("dead letters raised", Scenario.deadLetters(status));
            assertThat(Scenario.deadLetters(status)).as("dead letters: %s", status).isZero();
            assertThat(Scenario.openConflicts(status)).as("last-write-wins parks nothing: %s", status).isZero();
            Verdict verdict = checker.check(ledger);
            figures.add(verdict);
            if (!verdict.clean()) keepEvidence(twoway, verdict.toString());
            return verdict;
        } finally {
            twoway.stop();
        }
    }

    /**
     * A failed check keeps what is needed to understand it after the scenario's temporary directory is gone: the
     * audit trail (unmasked) and a copy of twoway's work directory (config, state store, log), under
     * {@code target/evidence/}.
     */
    static void keepEvidence(TwowayProcess twoway, String finding) {
        try {
            Path to = Path.of("target", "evidence", Long.toString(System.currentTimeMillis(), 36)).toAbsolutePath();
            Files.createDirectories(to);
            twoway.exec("audit", "export", "--unmasked", "--output", to.resolve("audit.jsonl").toString());
            try (var files = Files.walk(twoway.dir())) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Path copy = to.resolve("workdir").resolve(twoway.dir().relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(copy);
                    else Files.copy(f, copy);
                }
            }
            Files.writeString(to.resolve("finding.txt"), finding);
            System.out.println("evidence of the failed check kept in " + to);
        } catch (Exception e) {
            System.out.println("could not keep the evidence of the failed check: " + e);
        }
    }
}
