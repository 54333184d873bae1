package dev.twoway.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.twoway.config.Secret;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.spi.Change;
import dev.twoway.spi.ChangeBatch;
import dev.twoway.spi.SystemUnavailableException;
import dev.twoway.spi.Write;
import dev.twoway.spi.WriteResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The REST connector against a JDK HttpServer on port 0 that answers what each test scripts. */
class RestConnectorTest {
    private HttpServer server;
    private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Map<String, String>> headers = new ConcurrentLinkedQueue<>();

    record Reply(int status, String body, Map<String, String> headers) {
        static Reply json(int status, String body) {
            return new Reply(status, body, Map.of());
        }
    }

    private URI serve(Function<HttpExchange, Reply> handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI() + (body.isEmpty() ? "" : " " + body));
            headers.add(Map.of("Authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")),
                    "X-API-Key", String.valueOf(ex.getRequestHeaders().getFirst("X-API-Key")),
                    "If-Match", String.valueOf(ex.getRequestHeaders().getFirst("If-Match"))));
            Reply r = handler.apply(ex);
            byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
            r.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(r.status(), b.length == 0 ? -1 : b.length);
            if (b.length > 0) ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    private RestConnector connector(URI url, RestSystem.Auth auth, RestResource r) throws IOException {
        Path dir = Files.createTempDirectory("rest-test");
        return new RestConnector(new RestSystem("api", url, auth, Duration.ofSeconds(2), 1000, 4, 2, Duration.ofSeconds(5)), Map.of("c", r), dir);
    }

    private static String items(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i <= to; i++) out.add("{\"id\":" + i + ",\"name\":\"n" + i + "\"}");
        return "[" + String.join(",", out) + "]";
    }

    @Test
    void snapshotFollowsLinkHeadersToTheLastPage() throws Exception {
        URI url = serve(ex -> {
            String q = ex.getRequestURI().getQuery();
            if (q.contains("cursor=2")) return Reply.json(200, items(3, 4));
            return new Reply(200, items(1, 2), Map.of("Link", "<" + "/c?cursor=2" + ">; rel=\"next\""));
        });
        RestConnector c = connector(url, new RestSystem.Auth.None(), RestResource.at("/c").withPaging(Paging.link("limit", 2)));
        List<String> keys = new ArrayList<>();
        String pos = null;
        for (int i = 0; i < 2; i++) {
            ChangeBatch b = c.source("c").poll(pos, 100);
            b.changes().forEach(ch -> keys.add(ch.key().value()));
            pos = b.position();
        }
        assertThat(keys).containsExactly("1", "2", "3", "4");
        assertThat(seen).first().asString().isEqualTo("GET /c?limit=2");
    }

    @Test
    void pagePlusSizeStopsAtAShortPageAndIncrementalKeepsItemsAtTheWatermark() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        URI url = serve(ex -> {
            calls.incrementAndGet();
            String q = ex.getRequestURI().getQuery();
            if (q.contains("since=")) {
                // three items share one timestamp; pages of two
                String all = q.contains("page=1") ? "[{\"id\":1,\"t\":\"2020-01-01T00:00:00.000Z\"},{\"id\":2,\"t\":\"2020-01-01T00:00:00.000Z\"}]"
                        : q.contains("page=2") ? "[{\"id\":3,\"t\":\"2020-01-01T00:00:00.000Z\"}]" : "[]";
                return Reply.json(200, all);
            }
            return Reply.json(200, q.contains("page=1") ? "[{\"id\":9,\"t\":\"2019-01-01T00:00:00.000Z\"}]" : "[]");
        });
        RestResource r = RestResource.at("/c").withPaging(Paging.page("page", "size", 2))
                .withIncremental("/t", "since", Map.of()).withTiming(Duration.ZERO, null);
        var source = connector(url, new RestSystem.Auth.None(), r).source("c");
        ChangeBatch snap = source.poll(null, 10);
        assertThat(snap.changes()).extracting(ch -> ch.key().value()).containsExactly("9");
        assertThat(seen).hasSize(1); // one short page ends the snapshot
        // from a watermark before the three items (the snapshot's own watermark is the server's clock)
        ChangeBatch first = source.poll("{\"m\":\"poll\",\"ts\":\"2019-06-01T00:00:00.000Z\",\"keys\":[]}", 2);
        assertThat(first.changes()).extracting(ch -> ch.key().value()).containsExactly("1", "2");
        assertThat(first.caughtUp()).isFalse();
        ChangeBatch second = source.poll(first.position(), 2);
        assertThat(second.changes()).extracting(ch -> ch.key().value()).containsExactly("3");
        ChangeBatch third = source.poll(second.position(), 2);
        assertThat(third.changes()).isEmpty();
        assertThat(third.caughtUp()).isTrue();
    }

    @Test
    void a429IsRetriedAfterRetryAfter() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        URI url = serve(ex -> calls.incrementAndGet() == 1 ? new Reply(429, "{}", Map.of("Retry-After", "1")) : Reply.json(200, "[]"));
        var source = connector(url, new RestSystem.Auth.None(), RestResource.at("/c")).source("c");
        long t0 = System.nanoTime();
        source.poll(null, 10);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void persistent5xxAndRefusedConnectionsMakeTheSystemUnavailable() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        URI url = serve(ex -> {
            calls.incrementAndGet();
            return Reply.json(503, "{\"error\":\"maintenance\"}");
        });
        var source = connector(url, new RestSystem.Auth.None(), RestResource.at("/c")).source("c");
        assertThatThrownBy(() -> source.poll(null, 10)).isInstanceOf(SystemUnavailableException.class).hasMessageContaining("503");
        assertThat(calls.get()).isEqualTo(3); // the first try and two retries
        server.stop(0);
        server = null;
        var down = connector(url, new RestSystem.Auth.None(), RestResource.at("/c")).sink("c");
        assertThatThrownBy(() -> down.apply(List.of(new Write.Insert(RecordId.random(), Row.of("name", Value.str("x")), Row.empty()))))
                .isInstanceOf(SystemUnavailableException.class).hasMessageContaining("POST /c");
    }

    @Test
    void aRefused4xxWriteIsRejectedWithTheBodyAndTheOthersGoOn() throws Exception {
        URI url = serve(ex -> {
            if (ex.getRequestMethod().equals("POST")) {
                return seen.peek() != null && seen.stream().filter(s -> s.startsWith("POST")).count() == 1
                        ? Reply.json(422, "{\"error\":\"email is invalid\"}") : Reply.json(201, "{\"id\":7,\"name\":\"ok\"}");
            }
            return Reply.json(200, "[]");
        });
        var sink = connector(url, new RestSystem.Auth.None(), RestResource.at("/c")).sink("c");
        List<WriteResult> r = sink.apply(List.of(new Write.Insert(RecordId.random(), Row.of("name", Value.str("bad")), Row.empty()),
                new Write.Insert(RecordId.random(), Row.of("name", Value.str("ok")), Row.empty())));
        assertThat(r.get(0)).isInstanceOfSatisfying(WriteResult.Rejected.class, x -> assertThat(x.reason()).contains("422").contains("email is invalid"));
        assertThat(r.get(1)).isInstanceOfSatisfying(WriteResult.Applied.class, x -> assertThat(x.key()).isEqualTo(new NativeKey("7")));
    }

    @Test
    void anIfMatchRefusalOrAChangedValueIsAPreconditionFailureWithTheCurrentItem() throws Exception {
        AtomicInteger gets = new AtomicInteger();
        URI url = serve(ex -> switch (ex.getRequestMethod()) {
            case "GET" -> new Reply(200, gets.incrementAndGet() == 1 ? "{\"id\":1,\"phone\":\"1\"}" : "{\"id\":1,\"phone\":\"2\"}", Map.of("ETag", "\"v1\""));
            case "PATCH" -> Reply.json(412, "{}");
            default -> Reply.json(405, "{}");
        });
        var sink = connector(url, new RestSystem.Auth.None(), RestResource.at("/c")).sink("c");
        var write = new Write.Update(RecordId.random(), new NativeKey("1"), Row.of("phone", Value.str("9")), Row.of("phone", Value.str("1")));
        List<WriteResult> r = sink.apply(List.of(write));
        assertThat(r.getFirst()).isEqualTo(new WriteResult.PreconditionFailed(java.util.Optional.of(Row.of("id", Value.integer(1), "phone", Value.str("2")))));
        assertThat(headers.stream().filter(h -> !h.get("If-Match").equals("null")).map(h -> h.get("If-Match"))).containsExactly("\"v1\"");
        // read-compare-write: the item no longer holds the expected value, so nothing is sent
        seen.clear();
        List<WriteResult> again = sink.apply(List.of(write));
        assertThat(again.getFirst()).isInstanceOf(WriteResult.PreconditionFailed.class);
        assertThat(seen).noneMatch(s -> s.startsWith("PATCH"));
    }

    @Test
    void authHeadersAreSentAndSecretsStayOutOfMessages() throws Exception {
        URI url = serve(ex -> Reply.json(500, "{}"));
        var bearer = connector(url, new RestSystem.Auth.Bearer(new Secret("tok-s3cret")), RestResource.at("/c")).source("c");
        assertThatThrownBy(() -> bearer.poll(null, 1)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("tok-s3cret"));
        assertThat(headers.peek().get("Authorization")).isEqualTo("Bearer tok-s3cret");
        headers.clear();
        var basic = connector(url, new RestSystem.Auth.Basic("u", new Secret("p@ss")), RestResource.at("/c")).source("c");
        assertThatThrownBy(() -> basic.poll(null, 1)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("p@ss"));
        assertThat(headers.peek().get("Authorization")).isEqualTo("Basic " + java.util.Base64.getEncoder().encodeToString("u:p@ss".getBytes()));
        headers.clear();
        var header = connector(url, new RestSystem.Auth.ApiKey("X-API-Key", new Secret("k-123"), false), RestResource.at("/c")).source("c");
        assertThatThrownBy(() -> header.poll(null, 1)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("k-123"));
        assertThat(headers.peek().get("X-API-Key")).isEqualTo("k-123");
        seen.clear();
        var query = connector(url, new RestSystem.Auth.ApiKey("api_key", new Secret("q-456"), true), RestResource.at("/c")).source("c");
        assertThatThrownBy(() -> query.poll(null, 1)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("q-456").contains("GET /c"));
        assertThat(seen.peek()).contains("api_key=q-456");
    }

    @Test
    void theRequestBudgetSpacesRequests() throws Exception {
        URI url = serve(ex -> Reply.json(200, "{\"id\":1}"));
        Path dir = Files.createTempDirectory("rest-test");
        var c = new RestConnector(new RestSystem("api", url, null, null, 10, 1, 0, null), Map.of("c", RestResource.at("/c")), dir);
        var sink = c.sink("c");
        long t0 = System.nanoTime();
        sink.read(List.of(new NativeKey("1"), new NativeKey("2"), new NativeKey("3"), new NativeKey("4"), new NativeKey("5"), new NativeKey("6")));
        // six requests at 10/s: at least 0.5 s between the first and the last
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(480));
    }

    @Test
    void aDeleteScanReportsIdsThatAreGone() throws Exception {
        AtomicInteger lists = new AtomicInteger();
        URI url = serve(ex -> Reply.json(200, lists.incrementAndGet() == 1 ? items(1, 3) : "[{\"id\":1},{\"id\":3}]"));
        RestResource r = RestResource.at("/c").withPaging(new Paging(Paging.Style.NONE, null, null, 100, 1, null, null)).withTiming(Duration.ZERO, Duration.ofMillis(1));
        var source = connector(url, new RestSystem.Auth.None(), r).source("c");
        ChangeBatch snap = source.poll(null, 10);
        assertThat(snap.changes()).hasSize(3);
        Thread.sleep(5);
        ChangeBatch scan = source.poll(snap.position(), 10);
        assertThat(scan.changes()).filteredOn(Change::isDelete).extracting(ch -> ch.key().value()).containsExactly("2");
    }

    private static final RestResource.DeletedFlag ARCHIVED = new RestResource.DeletedFlag("archived", com.fasterxml.jackson.databind.node.BooleanNode.TRUE);

    @Test
    void anItemCarryingTheDeletedFlagIsReportedAsADelete() throws Exception {
        URI url = serve(ex -> Reply.json(200, "[{\"id\":1,\"name\":\"a\",\"archived\":false},{\"id\":2,\"name\":\"b\",\"archived\":true},{\"id\":3,\"name\":\"c\"}]"));
        RestResource r = RestResource.at("/c").withPaging(new Paging(Paging.Style.NONE, null, null, 100, 1, null, null)).withDeletes(ARCHIVED, null);
        ChangeBatch snap = connector(url, new RestSystem.Auth.None(), r).source("c").poll(null, 10);
        assertThat(snap.changes()).filteredOn(Change::isDelete).extracting(ch -> ch.key().value()).containsExactly("2");
        assertThat(snap.changes()).filteredOn(ch -> !ch.isDelete()).extracting(ch -> ch.key().value()).containsExactly("1", "3");
    }

    @Test
    void aDeleteIsWrittenAsSettingTheFlagAndAFlaggedItemReadsAsGone() throws Exception {
        URI url = serve(ex -> switch (ex.getRequestMethod() + " " + ex.getRequestURI().getPath()) {
            case "GET /c/1" -> Reply.json(200, "{\"id\":1,\"phone\":\"1\",\"archived\":false}");
            case "GET /c/2" -> Reply.json(200, "{\"id\":2,\"phone\":\"2\",\"archived\":true}");
            case "PATCH /c/1" -> Reply.json(200, "{\"id\":1,\"phone\":\"1\",\"archived\":true}");
            default -> Reply.json(405, "{}");
        });
        RestResource r = RestResource.at("/c").withDeletes(ARCHIVED, null);
        var sink = connector(url, new RestSystem.Auth.None(), r).sink("c");
        List<WriteResult> out = sink.apply(List.of(new Write.Delete(RecordId.random(), new NativeKey("1"), Row.of("phone", Value.str("1")), false),
                new Write.Update(RecordId.random(), new NativeKey("2"), Row.of("phone", Value.str("9")), Row.of("phone", Value.str("2")))));
        assertThat(out.get(0)).isInstanceOf(WriteResult.Applied.class);
        assertThat(out.get(1)).isEqualTo(new WriteResult.PreconditionFailed(java.util.Optional.empty()));
        assertThat(seen).contains("PATCH /c/1 {\"archived\":true}").noneMatch(s -> s.startsWith("DELETE")).noneMatch(s -> s.startsWith("PATCH /c/2"));
    }

    @Test
    void tombstonesAreReportedOnceEachAfterTheModificationsAndTheYoungestWait() throws Exception {
        AtomicInteger tombstoneCalls = new AtomicInteger();
        URI url = serve(ex -> {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/deleted")) {
                tombstoneCalls.incrementAndGet();
                // two deletions at the same instant, one older than the watermark, one in the future (younger than the overlap)
                return Reply.json(200, "{\"data\":[{\"item\":\"7\",\"at\":\"2030-01-01T00:00:00.000Z\"},"
                        + "{\"item\":\"5\",\"at\":\"2001-01-01T00:00:00.000Z\"},{\"item\":\"6\",\"at\":\"2001-01-01T00:00:00.000Z\"},"
                        + "{\"item\":\"1\",\"at\":\"1999-01-01T00:00:00.000Z\"}]}");
            }
            return Reply.json(200, "[]");
        });
        RestResource r = RestResource.at("/c").withIncremental("/updatedAt", "updatedAt_gte", Map.of())
                .withPaging(new Paging(Paging.Style.NONE, null, null, 100, 1, null, null))
                .withDeletes(null, new RestResource.Tombstones("/deleted", "since", "/data", "/item", "/at"));
        var source = connector(url, new RestSystem.Auth.None(), r).source("c");
        ChangeBatch snap = source.poll(null, 10);
        // a snapshot position starting in 2000 (as if the snapshot ran then)
        var pos = (com.fasterxml.jackson.databind.node.ObjectNode) RestAccess.JSON.readTree(snap.position());
        pos.put("ts", "2000-01-01T00:00:00.000Z").put("tts", "2000-01-01T00:00:00.000Z");
        ChangeBatch first = source.poll(pos.toString(), 10);
        assertThat(first.changes()).allMatch(Change::isDelete).extracting(ch -> ch.key().value()).containsExactlyInAnyOrder("5", "6");
        assertThat(seen).anyMatch(s -> s.startsWith("GET /deleted?since=2000-01-01T00"));
        ChangeBatch second = source.poll(first.position(), 10);
        assertThat(second.changes()).isEmpty();
        assertThat(seen).anyMatch(s -> s.startsWith("GET /deleted?since=2001-01-01T00"));
        assertThat(tombstoneCalls.get()).isEqualTo(2);
    }

    @Test
    void aVersionFieldTravelsWithTheUpdateAndA409IsAPreconditionFailure() throws Exception {
        AtomicInteger patches = new AtomicInteger();
        URI url = serve(ex -> switch (ex.getRequestMethod()) {
            case "GET" -> Reply.json(200, "{\"id\":1,\"phone\":\"1\",\"version\":4}");
            case "PATCH" -> patches.incrementAndGet() == 1 ? Reply.json(200, "{\"id\":1,\"phone\":\"9\",\"version\":5}") : Reply.json(409, "{\"error\":\"stale\"}");
            default -> Reply.json(405, "{}");
        });
        var sink = connector(url, new RestSystem.Auth.None(), RestResource.at("/c").withVersionField("version")).sink("c");
        var write = new Write.Update(RecordId.random(), new NativeKey("1"), Row.of("phone", Value.str("9")), Row.of("phone", Value.str("1")));
        assertThat(sink.apply(List.of(write)).getFirst()).isInstanceOf(WriteResult.Applied.class);
        assertThat(seen).contains("PATCH /c/1 {\"phone\":\"9\",\"version\":4}");
        assertThat(sink.apply(List.of(write)).getFirst()).isInstanceOf(WriteResult.PreconditionFailed.class);
    }

    @Test
    void checkNamesTheSettingToCorrect() throws Exception {
        AtomicInteger status = new AtomicInteger(401);
        URI url = serve(ex -> status.get() == 200 ? Reply.json(200, "{\"data\":[{\"key\":1,\"name\":\"a\",\"mtime\":\"yesterday\"}]}")
                : Reply.json(status.get(), "{\"error\":\"nope\"}"));
        RestConnector c = connector(url, new RestSystem.Auth.Bearer(new Secret("t0k")), RestResource.at("/c").withIncremental("/mtime", null, Map.of()));
        assertThat(c.check("c", List.of("name"))).singleElement().satisfies(p -> {
            assertThat(p.setting()).isEqualTo("auth");
            assertThat(p.message()).contains("GET /c answered 401").doesNotContain("t0k");
        });
        status.set(404);
        assertThat(c.check("c", List.of())).extracting(RestConnector.Problem::setting).containsExactly("path");
        status.set(200);
        assertThat(c.check("c", List.of())).singleElement().satisfies(p -> {
            assertThat(p.setting()).isEqualTo("items");
            assertThat(p.fix()).contains("its top-level keys are data");
        });
        RestConnector shaped = connector(url, new RestSystem.Auth.None(), RestResource.at("/c").withIncremental("/mtime", null, Map.of())
                .withShape(null, "/data", null, "/key", null));
        assertThat(shaped.check("c", List.of("name", "/contact/email"))).extracting(RestConnector.Problem::setting)
                .containsExactly("modified-at", "field:/contact/email");
        RestConnector wrongId = connector(url, new RestSystem.Auth.None(), RestResource.at("/c").withShape(null, "/data", null, "/id", null));
        assertThat(wrongId.check("c", List.of())).singleElement().satisfies(p -> {
            assertThat(p.setting()).isEqualTo("id");
            assertThat(p.fix()).contains("the items' keys are key, name, mtime");
        });
    }
}
