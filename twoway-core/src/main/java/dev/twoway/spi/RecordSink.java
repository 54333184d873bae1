package dev.twoway.spi;

import dev.twoway.model.NativeKey;
import dev.twoway.model.Row;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies the engine's writes to one entity of one system, and reads rows on request.
 *
 * <h2>Lifecycle and threading</h2>
 * The connector creates the sink; the engine calls {@link #apply} and {@link #find} from one delivery thread per
 * endpoint at a time. {@link #read} is also called from the endpoint's capture thread (to read a row again whose
 * captured image may predate one of the engine's writes), possibly while {@link #apply} runs: it must be safe to
 * call concurrently, and must not use a connection or transaction {@code apply} is using.
 * {@link #close} is called once when the engine stops.
 *
 * <h2>Batches</h2>
 * {@link #apply} receives many records' writes at once. A sink should apply them in as few target
 * transactions as it can (one is best) and answer one {@link WriteResult} per write, in order. A write that
 * fails alone (a constraint, a bad value) must not fail the others: answer
 * {@link WriteResult.Rejected} or {@link WriteResult.Failed} for it and go on.
 *
 * <h2>Failures</h2>
 * Throw {@link SystemUnavailableException} when the whole system cannot be reached: no write of the batch
 * counts as attempted, the engine queues them (the offline queue) and drains the queue when the system is back.
 * Any other exception fails the whole batch for a retry with backoff.
 *
 * <h2>Own writes</h2>
 * Where the system allows it, a sink tags its writes (a session variable, a replication origin, a header) so
 * the matching {@link ChangeSource} does not capture them. This saves work only: the engine recognizes its own
 * writes coming back as changes equal to what it already knows and ignores them.
 */
public interface RecordSink extends AutoCloseable {

    /** Applies the writes, answering one result per write in the same order. */
    List<WriteResult> apply(List<Write> writes);

    /** Reads the current native values of the given rows; absent keys are missing from the answer. */
    Map<NativeKey, Row> read(Collection<NativeKey> keys);

    /**
     * The lookup half of an insert's find-or-create, without the create: the key of the row the engine
     * inserted for {@code recordId} (by external id), or else of a row holding the {@code match} values.
     * The engine asks when an insert's outcome is unknown (the process died after sending it) and the record
     * has since changed, e.g. been deleted.
     */
    Optional<NativeKey> find(dev.twoway.model.RecordId recordId, Row match);

    @Override
    default void close() {
    }
}
