package dev.twoway.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.twoway.audit.AuditEntry;
import dev.twoway.merge.Decision;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueJson;
import dev.twoway.spi.Write;
import dev.twoway.store.StateTransaction;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The entries written most often are written with the streaming generator: the text must be what the tree gave. */
class AuditRecorderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RecordId ID = new RecordId("r1");

    private final List<AuditEntry.Draft> appended = new ArrayList<>();
    private final StateTransaction tx = (StateTransaction) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[]{StateTransaction.class}, (proxy, method, args) -> {
                if (!method.getName().equals("appendAudit")) throw new UnsupportedOperationException(method.getName());
                appended.add((AuditEntry.Draft) args[0]);
                return null;
            });
    private final AuditRecorder audit = new AuditRecorder("customers", Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC));

    static Row everyType() {
        return dev.twoway.model.EveryType.row();
    }

    @Test
    void aCreateIsAuditedWithTheSameTextAsTheTreeGave() {
        audit.decision(tx, ID, new Decision.Created("crm", everyType()));

        ObjectNode tree = JSON.createObjectNode();
        tree.set("values", ValueJson.encode(everyType()));
        assertThat(appended).singleElement().satisfies(d -> {
            assertThat(d.detail()).isEqualTo(tree.toString());
            assertThat(d.action()).isEqualTo("create");
            assertThat(d.actor()).isEqualTo("capture");
            assertThat(d.system()).isEqualTo("crm");
            assertThat(d.recordId()).isEqualTo("r1");
        });
        assertThat(ValueJson.decodeRow(readTree(appended.getFirst().detail()).get("values"))).isEqualTo(everyType());
    }

    @Test
    void insertsUpdatesAndDeletesAreAuditedWithTheSameTextAsTheTreeGave() {
        Row expected = Row.of("s", Value.str("before"), "n", Value.NULL);
        audit.write(tx, "erp", new Write.Insert(ID, everyType(), Row.empty()), "E-1");
        audit.write(tx, "erp", new Write.Update(ID, new NativeKey("E-1"), everyType(), expected), "E-1");

        ObjectNode insert = JSON.createObjectNode();
        insert.set("values", ValueJson.encode(everyType()));
        insert.put("key", "E-1");
        ObjectNode update = JSON.createObjectNode();
        update.set("values", ValueJson.encode(everyType()));
        update.set("expected", ValueJson.encode(expected));
        update.put("key", "E-1");
        assertThat(appended).extracting(AuditEntry.Draft::detail).containsExactly(insert.toString(), update.toString());
        assertThat(appended).extracting(AuditEntry.Draft::action).containsExactly("write:insert", "write:update");
        appended.clear();

        audit.write(tx, "erp", new Write.Delete(ID, new NativeKey("E-1"), expected, true), "E-1");

        ObjectNode delete = JSON.createObjectNode();
        delete.put("archive", true);
        delete.set("expected", ValueJson.encode(expected));
        delete.put("key", "E-1");
        assertThat(appended).extracting(AuditEntry.Draft::detail).containsExactly(delete.toString());
        assertThat(appended).extracting(AuditEntry.Draft::action).containsExactly("write:delete");
        assertThat(appended).extracting(AuditEntry.Draft::system).containsOnly("erp");
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String text) {
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
