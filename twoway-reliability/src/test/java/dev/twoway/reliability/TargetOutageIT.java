package dev.twoway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ERP going away and coming back, while writers edit both databases: twoway reaches MariaDB through a
 * {@link TcpProxy} that drops every connection and refuses new ones for a few seconds. During the outage writes for
 * the ERP queue (status shows them queued and the ERP unreachable, /metrics shows it down with writes queued); after
 * it, the queue drains (in both too), nothing is lost.
 */
class TargetOutageIT {
    static final int OUTAGES_PER_ROUND = 3;

    @TempDir
    Path tmp;

    @Test
    void writesQueueDuringAnOutageAndDrainAfterItWithNothingLost() throws Exception {
        Figures figures = new Figures("target outage (proxy cut)");
        long started = System.nanoTime();
        Soak soak = new Soak();
        while (soak.another()) {
            try (ShopAndErp dbs = new ShopAndErp(); TcpProxy proxy = proxyFor(dbs.erp.url);
                 TwowayProcess twoway = new TwowayProcess(Scenario.workdir(tmp, soak.rounds()))) {
                dbs.writeConfig(twoway.dir(), dbs.erp.url.replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/"));
                Ledger ledger = new Ledger();
                Scenario.seed(dbs, ledger, 300, 150, 50);
                Checker checker = new Checker(dbs, twoway);
                Metrics metrics = Metrics.enable(twoway);
                twoway.start();
                try {
                    checker.awaitQuiescence(Duration.ofSeconds(90));
                    try (RandomWriters writers = new RandomWriters(dbs, ledger, 20).start()) {
                        for (int outage = 0; outage < OUTAGES_PER_ROUND; outage++) {
                            Thread.sleep(1_500);
                            proxy.cut();
                            JsonNode seen = awaitQueuedAndUnreachable(twoway, Duration.ofSeconds(30));
                            assertThat(seen).as("during the outage twoway status shows writes queued for the ERP and the ERP unreachable; log:%n%s", twoway.log())
                                    .isNotNull();
                            // The metrics show it too (their state-store gauges are read at most every 5 s).
                            metrics.await("twoway_system_up", "system=\"erp\"", v -> v == 0, Duration.ofSeconds(30), "the ERP down in the metrics");
                            metrics.await("twoway_outbox_depth", "sync=\"customers\",target=\"erp\"", v -> v > 0, Duration.ofSeconds(30),
                                    "writes queued for the ERP in the metrics");
                            Thread.sleep(2_000);
                            writers.pause();
                            proxy.restore();
                            Duration drain = checker.awaitQuiescence(Duration.ofSeconds(120));
                            figures.max("max drain after outage (ms)", drain.toMillis()).add("outages survived", 1);
                            metrics.await("twoway_system_up", "system=\"erp\"", v -> v == 1, Duration.ofSeconds(30), "the ERP up again in the metrics");
                            metrics.await("twoway_outbox_depth", "sync=\"customers\",target=\"erp\"", v -> v == 0, Duration.ofSeconds(30),
                                    "the ERP's queue drained in the metrics");
                            writers.resume();
                        }
                    }
                    Verdict verdict = KillNineIT.converge(twoway, dbs, ledger, figures);
                    figures.add("records written", ledger.writes());
                    assertThat(verdict.examples()).as("findings after %d outages; twoway's log:%n%s", OUTAGES_PER_ROUND, twoway.log()).isEmpty();
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

    /** The first status showing the ERP endpoint with writes queued and marked unreachable, or null after {@code limit}. */
    private static JsonNode awaitQueuedAndUnreachable(TwowayProcess twoway, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode s : twoway.status().path("syncs")) {
                for (JsonNode e : s.path("endpoints")) {
                    if (e.path("endpoint").asText().equals("erp") && e.path("queued").asLong() > 0 && e.path("unavailable").asBoolean()) return e;
                }
            }
            Thread.sleep(250);
        }
        return null;
    }
}
