package dev.twoway.model;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/** A row holding a value of every type, with text that needs escaping: for round trips of the JSON forms. */
public final class EveryType {
    private EveryType() {
    }

    public static Row row() {
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
}
