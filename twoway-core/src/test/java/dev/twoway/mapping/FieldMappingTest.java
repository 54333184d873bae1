package dev.twoway.mapping;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.model.ValueType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FieldMappingTest {
    private static final Map<String, ValueType> TYPES = Map.of("id", ValueType.INTEGER, "full_name", ValueType.STRING,
            "tier", ValueType.STRING, "active", ValueType.BOOLEAN, "since", ValueType.DATE, "credit", ValueType.DECIMAL,
            "country", ValueType.STRING);

    /** An ERP-like table: PascalCase names, tier as a number, active as Y/N, since as text, name split in two. */
    private static FieldMapping erp() {
        return FieldMapping.build("erp", TYPES, List.of(
                FieldMappingSpec.Direct.of("id", "CustomerId", ColumnType.of(ValueType.STRING)),
                new FieldMappingSpec.Direct("tier", "Tier", ColumnType.of(ValueType.INTEGER).withRange(0, 9), Map.of("gold", "1", "silver", "2"), null, null),
                FieldMappingSpec.Direct.of("active", "Active", ColumnType.of(ValueType.STRING).withBooleanText("Y", "N")),
                FieldMappingSpec.Direct.of("since", "Since", ColumnType.of(ValueType.STRING).withFormat("dd.MM.yyyy")),
                FieldMappingSpec.Direct.of("credit", "Credit", ColumnType.of(ValueType.DECIMAL).withDecimal(12, 2)),
                new FieldMappingSpec.Direct("country", "Country", ColumnType.of(ValueType.STRING).withMaxLength(2), Map.of(), null, Value.str("GB")),
                new FieldMappingSpec.Computed("full_name", "row.First + ' ' + row.Last",
                        Map.of("First", "record.full_name.split(' ')[0]", "Last", "record.full_name.split(' ')[1]"),
                        Map.of("First", ColumnType.of(ValueType.STRING).withMaxLength(40), "Last", ColumnType.of(ValueType.STRING).withMaxLength(40)))));
    }

    private static final Row ERP_ROW = Row.of("CustomerId", "17", "Tier", 1L, "Active", "Y", "Since", "01.03.2024",
            "Credit", new BigDecimal("100.50"), "Country", "FR", "First", "Ada", "Last", "Lovelace");

    @Test
    void renamesConvertsMapsAndComputesTowardsTheCanonicalRecord() {
        Row canonical = erp().toCanonical(new NativeKey("17"), ERP_ROW);
        assertThat(canonical).isEqualTo(Row.of("id", 17L, "tier", "gold", "active", true, "since", LocalDate.of(2024, 3, 1),
                "credit", new BigDecimal("100.5"), "country", "FR", "full_name", "Ada Lovelace"));
    }

    @Test
    void andBackToTheSameNativeRow() {
        FieldMapping m = erp();
        assertThat(m.toNative("r1", m.toCanonical(new NativeKey("17"), ERP_ROW))).isEqualTo(ERP_ROW);
    }

    @Test
    void aComputedFieldThatCannotComeBackTheSameIsRefused() {
        Row threeNames = Row.of("full_name", "Mary Ann Smith");
        assertThatThrownBy(() -> erp().toNative("r1", threeNames)).isInstanceOf(MappingException.class)
                .hasMessageContaining("record r1, field 'full_name'").hasMessageContaining("'Mary Ann Smith' does not come back the same");
    }

    @Test
    void aValueOutsideTheValueMapIsRefusedNamingTheKnownValues() {
        assertThatThrownBy(() -> erp().toNative("r1", Row.of("tier", "platinum"))).hasMessageContaining("'platinum' is not in the value map")
                .hasMessageContaining("gold");
        assertThatThrownBy(() -> erp().toCanonical(new NativeKey("9"), Row.of("Tier", 7L))).hasMessageContaining("record erp:9, field 'tier'")
                .hasMessageContaining("value '7' of column 'Tier' is not in the value map");
    }

    @Test
    void defaultsFillMissingAndNullValuesBothWays() {
        assertThat(erp().toCanonical(new NativeKey("1"), Row.of("CustomerId", "1", "Country", Value.NULL)).get("country")).isEqualTo(Value.str("GB"));
        assertThat(erp().toNative("r1", Row.of("id", 1L)).get("Country")).isEqualTo(Value.str("GB"));
    }

    @Test
    void everyProblemOfAMappingIsReportedAtOnce() {
        assertThatThrownBy(() -> FieldMapping.build("erp", TYPES, List.of(
                FieldMappingSpec.Direct.of("nope", "X", ColumnType.of(ValueType.STRING)),
                new FieldMappingSpec.Direct("tier", "Tier", ColumnType.of(ValueType.INTEGER), Map.of("gold", "1", "silver", "1"), null, null),
                FieldMappingSpec.Direct.of("id", "Tier", ColumnType.of(ValueType.INTEGER)),
                new FieldMappingSpec.Computed("full_name", "row.First +", Map.of("First", "record.full_name"), Map.of("First", ColumnType.of(ValueType.STRING))))))
                .isInstanceOf(MappingConfigException.class)
                .satisfies(e -> assertThat(((MappingConfigException) e).problems()).hasSize(4))
                .hasMessageContaining("'nope' is not a field of the sync").hasMessageContaining("one-to-one")
                .hasMessageContaining("column 'Tier' is mapped twice").hasMessageContaining("does not compile");
    }

    /** The round trip of EndpointMapping's contract, over random rows of a mapping with renames, conversions and a value map. */
    @Property(tries = 300)
    void everyNativeRowThatConvertsComesBackTheSame(@ForAll("erpRows") Row row) {
        FieldMapping m = erp();
        Row canonical = m.toCanonical(new NativeKey("k"), row);
        assertThat(m.toNative("k", canonical)).isEqualTo(row);
    }

    @Provide
    Arbitrary<Row> erpRows() {
        Arbitrary<String> word = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(40);
        return Combinators.combine(
                Arbitraries.longs().between(-1_000_000, 1_000_000).map(n -> Long.toString(n)),
                Arbitraries.of(1L, 2L),
                Arbitraries.of("Y", "N"),
                Arbitraries.integers().between(0, 20000).map(d -> LocalDate.of(1990, 1, 1).plusDays(d)),
                Arbitraries.bigDecimals().between(new BigDecimal("-9999999999.99"), new BigDecimal("9999999999.99")).ofScale(2),
                Arbitraries.strings().alpha().ofLength(2),
                word, word
        ).as((id, tier, active, since, credit, country, first, last) -> Row.of("CustomerId", id, "Tier", tier, "Active", active,
                "Since", since.format(java.time.format.DateTimeFormatter.ofPattern("dd.MM.yyyy")), "Credit", credit,
                "Country", country, "First", first, "Last", last));
    }
}
