package dev.twoway.merge;

/** What happens when one system deletes a record that another system changed concurrently. */
public enum DeleteConflictPolicy {
    /** The delete wins; the concurrent update is recorded as the losing side in the audit trail. */
    DELETE_WINS,
    /** The update wins: the record is re-created where it was deleted (an explicit, audited resurrection). */
    UPDATE_WINS,
    /** The record is held (no deletes, no re-creation) until a person decides. */
    MANUAL;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
