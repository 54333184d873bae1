package dev.twoway.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.audit.AuditMask;
import dev.twoway.config.Secret;
import dev.twoway.model.RecordId;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.store.ConflictRecord;
import dev.twoway.store.DeadLetter;
import dev.twoway.store.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The notifier against a real state store and a real local HTTP receiver. */
class NotifierTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "notifier-test-secret-0123456789";
    private static final Notifier.Options FAST = new Notifier.Options(Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(10),
            Duration.ofSeconds(5), Duration.ofSeconds(2), 100);

    @TempDir
    Path dir;
    private SqliteStateStore store;
    private Receiver receiver;
    private final List<Notifier> notifiers = new ArrayList<>();
    private int records;

    @BeforeEach
    void open() throws Exception {
        store = SqliteStateStore.open(dir.resolve("state.db"));
        receiver = new Receiver();
    }

    @AfterEach
    void close() {
        notifiers.forEach(Notifier::close);
        receiver.close();
        store.close();
    }

    @Test
    void aParkedConflictIsDeliveredSignedAndTheReceiverVerifiesTheSignature() {
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        long conflict = park("phone", Value.str("+44 1"), Value.str("+44 2"));

        await("one delivery", () -> receiver.requests.size() == 1);
        Receiver.Request r = receiver.requests.getFirst();
        assertThat(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), r.header(WebhookSignature.TIMESTAMP),
                r.header(WebhookSignature.SIGNATURE), r.body(), Instant.now(), WebhookSignature.TOLERANCE)).isEqualTo(WebhookSignature.Check.VALID);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.header(WebhookSignature.EVENT)).isEqualTo("conflict.waiting");
        JsonNode body = r.json();
        assertThat(r.header(WebhookSignature.DELIVERY)).isEqualTo(body.path("id").asText()).startsWith("evt_");
        assertThat(body.path("event").asText()).isEqualTo("conflict.waiting");
        JsonNode data = body.path("data");
        assertThat(data.path("sync").asText()).isEqualTo("customers");
        assertThat(data.path("conflictId").asLong()).isEqualTo(conflict);
        assertThat(data.path("recordId").asText()).isEqualTo("r-1");
        assertThat(data.path("field").asText()).isEqualTo("phone");
        assertThat(data.path("systems")).extracting(JsonNode::asText).containsExactly("crm", "erp");
        assertThat(data.has("values")).as("values are left out unless the webhook includes them").isFalse();
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain("+44");
    }

    @Test
    void aDeadLetterIsDeliveredWithItsTargetIdAndError() {
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        long id = deadLetter("erp", "Data too long for column 'Phone'");
        await("one delivery", () -> receiver.requests.size() == 1);
        JsonNode body = receiver.requests.getFirst().json();
        assertThat(body.path("event").asText()).isEqualTo("deadletter.created");
        assertThat(body.path("data").path("deadLetterId").asLong()).isEqualTo(id);
        assertThat(body.path("data").path("target").asText()).isEqualTo("erp");
        assertThat(body.path("data").path("error").asText()).isEqualTo("Data too long for column 'Phone'");
    }

    @Test
    void a500IsRetriedWithTheSameDeliveryIdUntilItSucceeds() {
        receiver.answer(Receiver.Answer.of(500), Receiver.Answer.of(503));
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        park("phone", Value.str("a"), Value.str("b"));
        await("position saved after the third attempt", () -> position("ops") == lastSeq());
        assertThat(receiver.requests).hasSize(3);
        assertThat(receiver.requests).extracting(r -> r.header(WebhookSignature.DELIVERY)).containsOnly(receiver.requests.getFirst().header(WebhookSignature.DELIVERY));
    }

    @Test
    void aRefusalWithA400IsNotRetriedAndTheNextEventGoesOn() {
        receiver.answer(Receiver.Answer.of(400));
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        park("phone", Value.str("a"), Value.str("b"));
        deadLetter("erp", "refused");
        await("both events dealt with", () -> position("ops") == lastSeq() && receiver.requests.size() >= 2);
        assertThat(receiver.requests).extracting(r -> r.header(WebhookSignature.EVENT)).containsExactly("conflict.waiting", "deadletter.created");
    }

    @Test
    void retryAfterOfA429IsHonouredInsteadOfTheShortBackoff() {
        receiver.answer(new Receiver.Answer(429, "1", 0));
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        park("phone", Value.str("a"), Value.str("b"));
        await("the retry", () -> receiver.requests.size() == 2);
        Duration gap = Duration.between(receiver.requests.get(0).at(), receiver.requests.get(1).at());
        assertThat(gap).as("the backoff alone would be about 10 ms").isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void attemptsStopAtMaxAttemptsAndThePositionMovesOn() {
        for (int i = 0; i < 5; i++) receiver.answer(Receiver.Answer.of(502));
        start(AuditMask.none(), null, new WebhookSettings("ops", receiver.url(), new Secret(SECRET), EnumSet.allOf(EventType.class),
                WebhookSettings.Format.JSON, Duration.ofSeconds(5), 3, false));
        park("phone", Value.str("a"), Value.str("b"));
        await("given up", () -> position("ops") == lastSeq());
        assertThat(receiver.requests).hasSize(3);
    }

    @Test
    void thePositionSurvivesARestartSoNothingIsSentTwiceOrSkipped() {
        WebhookSettings ops = hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class));
        Notifier first = start(AuditMask.none(), null, ops);
        park("phone", Value.str("a"), Value.str("b"));
        await("first event", () -> receiver.requests.size() == 1);
        await("its position", () -> position("ops") == lastSeq());
        first.close();

        park("email", Value.str("x@example.com"), Value.str("y@example.com")); // while twoway is stopped
        deadLetter("erp", "while stopped");
        start(AuditMask.none(), null, ops);
        await("the two events made while stopped", () -> receiver.requests.size() == 3);
        pause();
        assertThat(receiver.requests).extracting(r -> r.json().path("event").asText() + " " + r.json().path("data").path("field").asText(""))
                .containsExactly("conflict.waiting phone", "conflict.waiting email", "deadletter.created ");
        assertThat(receiver.requests).extracting(r -> r.header(WebhookSignature.DELIVERY)).doesNotHaveDuplicates();
    }

    @Test
    void aDeliveryCutShortByAStopComesAgainAfterARestartWithTheSameId() {
        for (int i = 0; i < 100; i++) receiver.answer(Receiver.Answer.of(500));
        WebhookSettings ops = new WebhookSettings("ops", receiver.url(), new Secret(SECRET), EnumSet.allOf(EventType.class),
                WebhookSettings.Format.JSON, Duration.ofSeconds(5), 100, false);
        Notifier first = start(AuditMask.none(), null, ops);
        park("phone", Value.str("a"), Value.str("b"));
        await("a failed attempt", () -> !receiver.requests.isEmpty());
        first.close();
        String id = receiver.requests.getFirst().header(WebhookSignature.DELIVERY);
        assertThat(position("ops")).isLessThan(lastSeq());

        Receiver fine = swapReceiverToSuccess(); // the first one still answers 500: the same webhook, now at a working receiver
        start(AuditMask.none(), null, new WebhookSettings("ops", fine.url(), new Secret(SECRET), EnumSet.allOf(EventType.class),
                WebhookSettings.Format.JSON, Duration.ofSeconds(5), 100, false));
        await("delivered after the restart", () -> !fine.requests.isEmpty());
        assertThat(fine.requests.getFirst().header(WebhookSignature.DELIVERY)).isEqualTo(id);
        fine.close();
    }

    @Test
    void aNewWebhookStartsAtTheEndOfTheTrailInsteadOfSendingOldEvents() {
        park("phone", Value.str("a"), Value.str("b"));
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        park("email", Value.str("a@x"), Value.str("b@x"));
        await("the new event", () -> receiver.requests.size() == 1);
        pause();
        assertThat(receiver.requests).hasSize(1);
        assertThat(receiver.requests.getFirst().json().path("data").path("field").asText()).isEqualTo("email");
    }

    @Test
    void aWebhookGetsOnlyTheEventsItNames() {
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.of(EventType.DEADLETTER_CREATED)));
        park("phone", Value.str("a"), Value.str("b"));
        deadLetter("erp", "boom");
        await("the dead letter", () -> receiver.requests.size() == 1);
        pause();
        assertThat(receiver.requests).extracting(r -> r.header(WebhookSignature.EVENT)).containsExactly("deadletter.created");
    }

    @Test
    void aConflictDecidedBeforeItWasSentIsNotAnnounced() {
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        notifiers.getLast().close(); // hold deliveries: the conflict is parked and decided while nobody sends
        long id = park("phone", Value.str("a"), Value.str("b"));
        store.run(tx -> tx.resolveConflict(id, "{}", Instant.now()));
        deadLetter("erp", "later");
        start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        await("the dead letter", () -> receiver.requests.size() == 1);
        pause();
        assertThat(receiver.requests).extracting(r -> r.header(WebhookSignature.EVENT)).containsExactly("deadletter.created");
    }

    @Test
    void sensitiveValuesAreMaskedWhenAWebhookIncludesValues() {
        AuditMask mask = new AuditMask(Map.of("customers", Set.of("ssn", "SSN")));
        start(mask, null, hook("ops", WebhookSettings.Format.JSON, true, EnumSet.allOf(EventType.class)));
        park("ssn", Value.str("123-45-6789"), Value.str("987-65-4321"));
        park("phone", Value.str("+44 1"), Value.str("+44 2"));
        await("two deliveries", () -> receiver.requests.size() == 2);
        JsonNode ssn = receiver.requests.get(0).json().path("data").path("values");
        assertThat(ssn.path("versions").path("crm").asText()).isEqualTo(AuditMask.MASKED);
        assertThat(ssn.path("versions").path("erp").asText()).isEqualTo(AuditMask.MASKED);
        assertThat(ssn.path("base").asText()).isEqualTo(AuditMask.MASKED);
        assertThat(new String(receiver.requests.get(0).body(), StandardCharsets.UTF_8)).doesNotContain("123-45").doesNotContain("987-65");
        JsonNode phone = receiver.requests.get(1).json().path("data").path("values");
        assertThat(phone.path("versions").path("crm").asText()).isEqualTo("+44 1");
        assertThat(phone.path("versions").path("erp").asText()).isEqualTo("+44 2");
    }

    @Test
    void slackFormatSendsTextAndBlocksAndMasksSensitiveValues() {
        AuditMask mask = new AuditMask(Map.of("customers", Set.of("ssn")));
        start(mask, null, new WebhookSettings("chat", receiver.url(), null, EnumSet.allOf(EventType.class), WebhookSettings.Format.SLACK,
                Duration.ofSeconds(5), 3, true));
        long id = park("ssn", Value.str("123-45-6789"), Value.str("<!channel>"));
        await("one delivery", () -> receiver.requests.size() == 1);
        Receiver.Request r = receiver.requests.getFirst();
        assertThat(r.header(WebhookSignature.SIGNATURE)).as("no secret, no signature").isNull();
        JsonNode body = r.json();
        assertThat(body.path("text").asText()).contains("Conflict " + id).contains("*customers*").contains("`ssn`").contains("crm and erp")
                .contains("twoway conflicts resolve " + id);
        assertThat(body.path("blocks")).isNotEmpty();
        assertThat(body.path("blocks").get(0).path("type").asText()).isEqualTo("section");
        assertThat(body.path("blocks").get(0).path("text").path("type").asText()).isEqualTo("mrkdwn");
        assertThat(body.path("blocks").get(0).path("text").path("text").asText()).isEqualTo(body.path("text").asText());
        assertThat(body.path("blocks").get(1).path("text").path("text").asText()).contains("crm: `***`");
        assertThat(body.path("blocks").findValues("type")).extracting(JsonNode::asText).contains("context");
        assertThat(body.toString()).doesNotContain("123-45").doesNotContain("<!channel>");
    }

    @Test
    void statusTransitionsAreDeliveredAsSystemAndSyncEvents() {
        AtomicReference<JsonNode> status = new AtomicReference<>(status(false, null));
        start(AuditMask.none(), status::get, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        pause();
        status.set(status(true, "connection refused: erp-db:3306"));
        await("system.down", () -> receiver.requests.size() == 1);
        JsonNode down = receiver.requests.getFirst().json();
        assertThat(down.path("event").asText()).isEqualTo("system.down");
        assertThat(down.path("data").path("system").asText()).isEqualTo("erp");
        assertThat(down.path("data").path("reason").asText()).isEqualTo("connection refused: erp-db:3306");
        status.set(status(false, null));
        await("system.up", () -> receiver.requests.size() == 2);
        assertThat(receiver.requests.get(1).json().path("event").asText()).isEqualTo("system.up");
    }

    @Test
    void publishingNeverBlocksEvenWhenTheReceiverHangsAndTheQueueIsFull() {
        // The receiver hangs 5 s per request: a publish that waited for delivery would take at least that long.
        for (int i = 0; i < 20; i++) receiver.answer(new Receiver.Answer(200, null, 5000));
        Notifier n = start(AuditMask.none(), null, hook("ops", WebhookSettings.Format.JSON, false, EnumSet.allOf(EventType.class)));
        long t0 = System.nanoTime();
        for (int i = 0; i < 500; i++) {
            n.publish(new Notification("evt_" + i, EventType.SYSTEM_DOWN, Instant.now(), JSON.createObjectNode().put("system", "erp"), null));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("500 publishes, none waiting for the hanging receiver").isLessThan(Duration.ofMillis(2500));
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private WebhookSettings hook(String name, WebhookSettings.Format format, boolean values, Set<EventType> events) {
        return new WebhookSettings(name, receiver.url(), new Secret(SECRET), events, format, Duration.ofSeconds(5), 8, values);
    }

    private Notifier start(AuditMask mask, Supplier<JsonNode> status, WebhookSettings... hooks) {
        Notifier n = new Notifier(List.of(hooks), store, mask, status, FAST, InstantSource.system());
        notifiers.add(n);
        n.start();
        return n;
    }

    /** Parks a conflict as the engine does: the conflict and its audit entry in one transaction. */
    private long park(String field, Value crm, Value erp) {
        RecordId record = new RecordId("r-" + ++records);
        ObjectNode candidates = JSON.createObjectNode();
        candidates.set("base", ValueJson.encode(Value.NULL));
        candidates.putObject("versions").set("crm", ValueJson.encode(crm));
        ((ObjectNode) candidates.get("versions")).set("erp", ValueJson.encode(erp));
        ObjectNode detail = candidates.deepCopy().put("field", field).put("kind", "field");
        return store.inTransaction(tx -> {
            long id = tx.addConflict(new ConflictRecord(0, "customers", record, field, "field", candidates.toString(), Instant.now(), "open", null, null)).id();
            tx.appendAudit(new AuditEntry.Draft(Instant.now(), "customers", record.value(), "crm,erp", "engine", "conflict-parked", detail.toString()));
            return id;
        });
    }

    private long deadLetter(String target, String error) {
        RecordId record = new RecordId("r-" + ++records);
        return store.inTransaction(tx -> {
            long id = tx.addDeadLetter(new DeadLetter(0, "customers", target, record, error, 10, Instant.now())).id();
            tx.appendAudit(new AuditEntry.Draft(Instant.now(), "customers", record.value(), target, "engine", "dead-letter",
                    JSON.createObjectNode().put("error", error).toString()));
            return id;
        });
    }

    private static JsonNode status(boolean erpDown, String error) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode sync = root.putArray("syncs").addObject().put("sync", "customers");
        var eps = sync.putArray("endpoints");
        eps.addObject().put("endpoint", "crm").put("unavailable", false);
        ObjectNode erp = eps.addObject().put("endpoint", "erp").put("unavailable", erpDown);
        if (error != null) erp.put("lastError", error);
        return root;
    }

    private long position(String webhook) {
        return store.inTransaction(tx -> tx.meta(WebhookSender.positionKey(webhook))).map(Long::parseLong).orElse(-1L);
    }

    private long lastSeq() {
        return store.inTransaction(tx -> tx.lastAuditSeq());
    }

    private Receiver swapReceiverToSuccess() {
        try {
            return new Receiver();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Time for a wrong extra delivery to arrive, before asserting there was none. */
    private static void pause() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
