package dev.twoway.server.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.server.ApiServer;
import dev.twoway.server.SyncOperations;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /webhooks/{system}} on the API's server: handed to the system's receiver with its URL, headers and body. */
class WebhookEndpointTest {
    @TempDir
    Path dir;
    private SqliteStateStore store;
    private ApiServer server;
    private final List<String> seen = new CopyOnWriteArrayList<>();

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
        WebhookEndpoint.Receiver crm = (method, url, headers, body, remote) -> {
            String sig = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("X-Sig")).map(e -> e.getValue().getFirst()).findFirst().orElse("");
            seen.add(method + " " + url + " " + new String(body) + " " + sig);
            return sig.equals("ok") ? new WebhookEndpoint.Answer(202, "accepted") : new WebhookEndpoint.Answer(401, "bad signature");
        };
        server = new ApiServer(store, none, Optional.empty()).with(new WebhookEndpoint(Map.of("crm", crm), 100)).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    private HttpResponse<String> post(String system, String body, String sig) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/webhooks/" + system + "?x=1")).header("X-Sig", sig)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSystemsWebhookReachesItsReceiverWithoutAnApiKey() throws Exception {
        HttpResponse<String> r = post("crm", "[{\"objectId\":1}]", "ok");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(seen).containsExactly("POST http://127.0.0.1:" + server.port() + "/webhooks/crm?x=1 [{\"objectId\":1}] ok");
        assertThat(post("crm", "[]", "forged").statusCode()).isEqualTo(401);
    }

    @Test
    void unknownSystemsAndOversizedBodiesAreRefused() throws Exception {
        assertThat(post("erp", "[]", "ok").statusCode()).isEqualTo(404);
        assertThat(post("crm", "x".repeat(101), "ok").statusCode()).isEqualTo(413);
        assertThat(seen).isEmpty();
    }
}
