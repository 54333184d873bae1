package dev.twoway.engine;

import dev.twoway.mapping.EndpointMapping;
import dev.twoway.mapping.MappingException;
import dev.twoway.merge.Shadow;
import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;
import dev.twoway.model.Value;
import dev.twoway.store.StateTransaction;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Foreign keys between synced entities, translated through the links: a reference column holds a native key of a
 * record of another sync in the same system (customer.support_rep_id → employee 7). Canonically it holds that
 * record's id, so each endpoint gets the key the referenced record has there (employee 7 in the CRM is employee
 * 501 in the ERP).
 *
 * <p>The mapping of a reference column is text on both sides (the record id); the translation happens around it,
 * on native rows: capture turns the key into the record id before mapping, delivery turns the record id back into
 * the target's key after mapping. A reference that cannot be translated yet throws {@link NotReady}: capture
 * retries its batch once the referenced record has been captured, and delivery waits until the referenced record
 * exists in the target — so a referenced row is always written before the row that references it.
 */
final class References {

    /** The referenced record is not linked yet (not captured, or not yet created in the target). */
    static final class NotReady extends RuntimeException {
        NotReady(String message) {
            super(message);
        }
    }

    private References() {
    }

    /** The endpoint's mapping with its references translated inside {@code tx}; the plain mapping if it has none. */
    static EndpointMapping mapping(StateTransaction tx, EndpointDefinition def) {
        if (def.references().isEmpty()) return def.mapping();
        return new Translating(tx, def);
    }

    private record Translating(StateTransaction tx, EndpointDefinition def) implements EndpointMapping {
        @Override
        public Row toCanonical(NativeKey key, Row nativeRow) throws MappingException {
            Row row = nativeRow;
            for (Map.Entry<String, String> ref : def.references().entrySet()) {
                String column = ref.getKey();
                if (!row.has(column) || row.get(column).isNull()) continue;
                NativeKey target = new NativeKey(keyText(row.get(column)));
                Optional<RecordId> id = tx.findLinked(ref.getValue(), def.name(), target);
                if (id.isEmpty()) {
                    throw new NotReady("row " + key + " of '" + def.name() + "' references " + target + " in column '" + column
                            + "', which sync '" + ref.getValue() + "' has not captured yet; this batch is captured again once it has"
                            + " (if that row does not exist or is outside sync '" + ref.getValue() + "', fix the reference)");
                }
                row = row.with(column, Value.str(id.get().value()));
            }
            return def.mapping().toCanonical(key, row);
        }

        @Override
        public Row toNative(String recordLabel, Row canonical) throws MappingException {
            Row row = def.mapping().toNative(recordLabel, canonical);
            for (Map.Entry<String, String> ref : def.references().entrySet()) {
                String column = ref.getKey();
                if (!row.has(column) || row.get(column).isNull()) continue;
                RecordId id = new RecordId(keyText(row.get(column)));
                Optional<Shadow> there = tx.loadRecord(ref.getValue(), id).map(s -> s.shadow(def.name()));
                if (there.isEmpty() || !there.get().holdsRow() || there.get().key() == null) {
                    throw new NotReady("record " + recordLabel + " references record " + id + " of sync '" + ref.getValue() + "' in column '"
                            + column + "', which does not exist in '" + def.name() + "' yet; the write waits until it does");
                }
                row = row.with(column, Value.str(there.get().key().value()));
            }
            return row;
        }

        @Override
        public Set<String> nativeColumns() {
            return def.mapping().nativeColumns();
        }

        @Override
        public Set<String> canonicalFields() {
            return def.mapping().canonicalFields();
        }
    }

    /** A key column's value as native key text: what connectors use for one-column keys. */
    static String keyText(Value v) {
        return switch (v) {
            case Value.Str s -> s.value();
            case Value.Int i -> Long.toString(i.value());
            case Value.Dec d -> d.value().toPlainString();
            default -> v.display();
        };
    }

}
