package dev.twoway.spi;

import dev.twoway.model.NativeKey;
import dev.twoway.model.RecordId;
import dev.twoway.model.Row;

import java.util.Objects;

/**
 * One change the engine asks a {@link RecordSink} to make to one row, with its precondition.
 *
 * <p>Preconditions protect against overwriting a concurrent edit the engine has not captured yet: an update
 * or delete must only take effect if every column named in {@code expected} still holds the expected value
 * (SQL: {@code col IS NOT DISTINCT FROM ?}; HTTP: If-Match or a version field, else read-compare-write).
 * If not, the sink answers {@link WriteResult.PreconditionFailed} and the engine merges and tries again.
 */
public sealed interface Write {

    /** The engine's record this write belongs to; sinks use it as an external id where they have one. */
    RecordId recordId();

    /**
     * Creates a row. A sink must not create a second row for the same record when an insert is retried after a
     * crash: before inserting it looks for a row with the same {@code match} values (match fields, or an
     * external-id column holding {@link #recordId()}) and, if one exists, answers with that row's key instead
     * ({@link WriteResult.Applied#existed()} = true).
     *
     * @param values native values of the new row
     * @param match  native values that identify the row if it already exists; may be empty
     */
    record Insert(RecordId recordId, Row values, Row match) implements Write {
        public Insert {
            Objects.requireNonNull(recordId);
            Objects.requireNonNull(values);
            match = match == null ? Row.empty() : match;
        }
    }

    /** Sets {@code values} on the row {@code key} if its {@code expected} columns still hold the expected values. */
    record Update(RecordId recordId, NativeKey key, Row values, Row expected) implements Write {
        public Update {
            Objects.requireNonNull(recordId);
            Objects.requireNonNull(key);
            Objects.requireNonNull(values);
            Objects.requireNonNull(expected);
        }
    }

    /**
     * Deletes the row {@code key} if its {@code expected} columns still hold the expected values.
     * With {@code archive}, the sink first copies the row to the entity's archive (a table, a resource) in the
     * same transaction. A row that is already gone is answered with
     * {@link WriteResult.PreconditionFailed} and an empty current row: the engine then records that the row
     * was deleted there, instead of auditing a delete that did nothing.
     */
    record Delete(RecordId recordId, NativeKey key, Row expected, boolean archive) implements Write {
        public Delete {
            Objects.requireNonNull(recordId);
            Objects.requireNonNull(key);
            Objects.requireNonNull(expected);
        }
    }
}
