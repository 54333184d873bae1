package dev.twoway.bench;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;

import static org.assertj.core.api.Assertions.assertThat;

/** The applier's conversion of Debezium's logical types back to what MariaDB's JDBC driver takes. */
class DebeziumPeerTest {
    private static final Schema ROW = SchemaBuilder.struct()
            .field("created", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build())
            .field("c6", SchemaBuilder.int32().name("io.debezium.time.Date").optional().build())
            .field("price", Decimal.builder(2).optional().build())
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    @Test
    void convertsMicroTimestampDateAndDecimal() {
        Struct row = new Struct(ROW)
                .put("created", 1_704_067_201_234_567L) // 2024-01-01T00:00:01.234567 UTC
                .put("c6", 18_262)                      // 2020-01-01
                .put("price", new BigDecimal("12.34"))
                .put("name", "name 1");
        assertThat(DebeziumPeer.toJdbc(row, "created")).isEqualTo(LocalDateTime.of(2024, 1, 1, 0, 0, 1, 234_567_000));
        assertThat(DebeziumPeer.toJdbc(row, "c6")).isEqualTo(LocalDate.of(2020, 1, 1));
        assertThat(DebeziumPeer.toJdbc(row, "price")).isEqualTo(new BigDecimal("12.34"));
        assertThat(DebeziumPeer.toJdbc(row, "name")).isEqualTo("name 1");
    }

    @Test
    void convertsTimestampsBeforeTheEpochAndNulls() {
        Struct row = new Struct(ROW).put("created", -1L).put("c6", -1);
        assertThat(DebeziumPeer.toJdbc(row, "created")).isEqualTo(LocalDateTime.of(1969, 12, 31, 23, 59, 59, 999_999_000));
        assertThat(DebeziumPeer.toJdbc(row, "c6")).isEqualTo(LocalDate.of(1969, 12, 31));
        assertThat(DebeziumPeer.toJdbc(row, "price")).isNull();
        assertThat(DebeziumPeer.toJdbc(row, "name")).isNull();
    }
}
