package dev.twoway.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.server.ApiKeys;
import dev.twoway.server.ApiServer;
import dev.twoway.server.Role;
import dev.twoway.server.SyncOperations;
import dev.twoway.store.sqlite.SqliteStateStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /metrics} on the API's server: Prometheus text for a viewer's bearer token, 401 without one. */
class MetricsEndpointTest {
    @TempDir
    Path dir;
    private SqliteStateStore store;
    private ApiServer server;
    private final EngineMetrics metrics = new EngineMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), InstantSource.system());

    @BeforeEach
    void start() {
        store = SqliteStateStore.open(dir.resolve("state.db"));
        SyncOperations none = new SyncOperations() {
            public ObjectNode status() {
                throw new UnsupportedOperationException();
            }

            public String resolveConflict(long id, JsonNode choice, String actor, String comment) {
                throw new UnsupportedOperationException();
            }

            public String retryDeadLetter(long id) {
                throw new UnsupportedOperationException();
            }
        };
        server = new ApiServer(store, none, Optional.empty()).with(new MetricsEndpoint(metrics)).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    private HttpResponse<String> get(String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aViewerKeyScrapesThePrometheusTextFormat() throws Exception {
        String viewer = new ApiKeys(store).create("prometheus", Role.VIEWER, Set.of()).secret();
        metrics.captured("customers", "crm", 2, true);
        HttpResponse<String> r = get(viewer);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).contains("# TYPE twoway_changes_captured_total counter")
                .contains("twoway_changes_captured_total{sync=\"customers\",system=\"crm\"} 2");
    }

    @Test
    void withoutAValidTokenTheMetricsAreRefused() throws Exception {
        HttpResponse<String> none = get(null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(none.body()).contains("authentication required").doesNotContain("twoway_");
        assertThat(get("tw_not-a-key").statusCode()).isEqualTo(401);
    }

    @Test
    void aKeyLimitedToSomeSyncsMayNotSeeTheMetricsOfAll() throws Exception {
        String scoped = new ApiKeys(store).create("team-a", Role.ADMIN, Set.of("customers")).secret();
        HttpResponse<String> r = get(scoped);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("the metrics cover every sync").contains("not limited to syncs");
    }
}
