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
        Map<String, Value> m = new LinkedHashMap<>();
        m.put("s", Value.str("héllo \"quoted\" \n line </script> \u2028"));
        m.put("i", Value.integer(-9_007_199_254_740_993L));
        m.put("d", new Value.Dec(new BigDecimal("12345678901234567890.1230")));
        m.put("b", Value.of(true));
        m.put("day", new Value.Date(LocalDate.of(1999, 12, 31)));
        m.put("ts", new Value.Timestamp(Instant.parse("2026-01-02T03:04:05.123456Z")));
        m.put("j", Value.Json.parse("{\"b\":[1,2],\"a\":null}"));
        m.put("bytes", new Value.Bytes(new byte[]{0, 1, (byte) 0xff}));
        m.put("n", Value.NULL);
        return Row.of(m);
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
    void insertsAndUpdatesAreAuditedWithTheSameTextAsTheTreeGave() {
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
