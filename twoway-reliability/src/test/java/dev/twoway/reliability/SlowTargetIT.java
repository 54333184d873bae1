package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.twoway.jdbc.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ERP gets slow, then hangs, while writers edit both databases: twoway reaches MariaDB's customers through a
 * {@link TcpProxy} that first holds every chunk 20 ms (a slow link), then stalls — every connection stays open and
 * nothing more is forwarded on it, ever (a hung server or a half-open connection: no error, no answer). twoway's read
 * timeout (set in the ERP's URL to 5 s here; twoway's own default is 120 s) must fire and mark the ERP unreachable
 * instead of blocking forever, and a second sync ({@code notes}, its own two databases, not behind the proxy) must
 * keep flowing during the stall. After the stall, new connections pass again (the stalled ones never do) and
 * everything converges with nothing lost.
 */
class SlowTargetIT {
    static final Duration STALL = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void aStalledTargetTimesOutOtherSyncsKeepFlowingAndAllConvergesAfter() throws Exception {
        Figures figures = new Figures("slow and stalled target");
        long started = System.nanoTime();
        Soak soak = new Soak();
        while (soak.another()) {
            try (ShopAndErp dbs = new ShopAndErp(); TestDatabase board = TestDatabase.create(TestDatabase.Kind.POSTGRES);
                 TestDatabase archive = TestDatabase.create(TestDatabase.Kind.MARIADB); TcpProxy proxy = proxyFor(dbs.erp.url);
                 TwowayProcess twoway = new TwowayProcess(Scenario.workdir(tmp, soak.rounds()))) {
                board.exec("CREATE TABLE notes (id serial PRIMARY KEY, code text NOT NULL UNIQUE, body text NOT NULL)");
                archive.exec("CREATE TABLE Notes (NoteId INT AUTO_INCREMENT PRIMARY KEY, Code VARCHAR(100) NOT NULL, Body TEXT NOT NULL, KEY by_code (Code))");
                String erpThroughProxy = dbs.erp.url.replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/") + "?socketTimeout=5000&connectTimeout=5000";
                dbs.writeConfig(twoway.dir(), erpThroughProxy, """
                          board: { connector: postgres, url: "%s", user: postgres }
                          archive: { connector: mariadb, url: "%s", user: root }
                        """.formatted(board.url, archive.url), """
                          notes:
                            capture: triggers
                            schedule: realtime
                            endpoints:
                              board: { table: notes }
                              archive: { table: Notes }
                            fields:
                              code: { board: code, archive: Code, match: true }
                              body: { board: body, archive: Body }
                            conflicts: { default: last-write-wins }
                            deletes: propagate
                        """);
                Ledger ledger = new Ledger();
                Scenario.seed(dbs, ledger, 200, 100, 50);
                Checker checker = new Checker(dbs, twoway);
                twoway.start();
                try {
                    checker.awaitQuiescence(Duration.ofSeconds(90));
                    try (RandomWriters writers = new RandomWriters(dbs, ledger, 20).start()) {
                        proxy.delay(20);
                        Thread.sleep(5_000);
                        proxy.stall();
                        long stallEnds = System.nanoTime() + STALL.toNanos();
                        boolean sawUnreachable = false;
                        int note = 0;
                        while (System.nanoTime() < stallEnds) {
                            // The other sync: a note written on each side must arrive on the other while the ERP hangs.
                            String code = "n" + soak.rounds() + "-" + (note++);
                            long wrote = System.nanoTime();
                            board.exec("INSERT INTO notes (code, body) VALUES ('" + code + "', 'written during the stall')");
                            awaitNote(archive, "SELECT Body FROM Notes WHERE Code = ?", code, twoway);
                            String back = code + "-back";
                            archive.exec("INSERT INTO Notes (Code, Body) VALUES ('" + back + "', 'written during the stall')");
                            awaitNote(board, "SELECT body FROM notes WHERE code = ?", back, twoway);
                            figures.max("max other-sync delay during stall (ms)", (System.nanoTime() - wrote) / 1_000_000 / 2);
                            sawUnreachable |= erpUnreachable(twoway.status());
                            Thread.sleep(500);
                        }
                        while (!sawUnreachable && System.nanoTime() < stallEnds + Duration.ofSeconds(60).toNanos()) {
                            sawUnreachable = erpUnreachable(twoway.status());
                            Thread.sleep(250);
                        }
                        assertThat(sawUnreachable).as("a stalled ERP is reported unreachable once the read timeout fires (not a thread blocked forever); log:%n%s", twoway.log())
                                .isTrue();
                        assertThat(note).as("notes synced while the ERP was stalled").isGreaterThan(3);
                        writers.pause();
                        proxy.restore();
                        Duration drain;
                        try {
                            drain = checker.awaitQuiescence(Duration.ofSeconds(150));
                        } catch (AssertionError e) {
                            KillNineIT.keepEvidence(twoway, e.getMessage().lines().findFirst().orElse(""));
                            throw e;
                        }
                        figures.max("max drain after outage (ms)", drain.toMillis()).add("stalls survived", 1);
                        writers.resume();
                        Thread.sleep(2_000);
                    }
                    Verdict verdict = KillNineIT.converge(twoway, dbs, ledger, figures);
                    figures.add("records written", ledger.writes());
                    assertThat(verdict.examples()).as("findings after a stalled ERP; twoway's log:%n%s", twoway.log()).isEmpty();
                    assertThat(verdict.clean()).isTrue();
                } finally {
                    twoway.stop();
                }
            }
        }
        figures.add("rounds", soak.rounds()).add("seconds", (System.nanoTime() - started) / 1_000_000_000L).publish();
    }

    private static TcpProxy proxyFor(String jdbcUrl) throws java.io.IOException {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        return new TcpProxy(uri.getHost(), uri.getPort() == -1 ? 3306 : uri.getPort());
    }

    private static boolean erpUnreachable(JsonNode status) {
        for (JsonNode s : status.path("syncs")) {
            if (!s.path("sync").asText().equals("customers")) continue;
            for (JsonNode e : s.path("endpoints")) if (e.path("endpoint").asText().equals("erp") && e.path("unavailable").asBoolean()) return true;
        }
        return false;
    }

    /** Waits (generously: 30 s) for the note to arrive; fails naming the note if it does not. */
    private static void awaitNote(TestDatabase db, String sql, String code, TwowayProcess twoway) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, code);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("note " + code + " did not reach the other side within 30 s while the ERP was stalled: the notes sync is blocked by the stalled customers sync; log:\n" + twoway.log());
    }
}
