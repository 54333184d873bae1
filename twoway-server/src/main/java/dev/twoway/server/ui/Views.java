package dev.twoway.server.ui;

import java.util.List;

/**
 * What the templates show: plain values, already masked and formatted, so a template holds no logic beyond loops and
 * conditions. jte escapes every value it writes.
 */
public final class Views {
    private Views() {
    }

    /** The frame of every page: who is logged in, the CSRF token for forms, which tab is open. */
    public record Frame(String title, String tab, String user, String role, boolean canOperate, String csrf, int openConflicts,
                        int deadLetters) {
    }

    public record EndpointLine(String name, long queued, long lagSeconds, boolean unavailable, String error) {
    }

    /**
     * One sync on the dashboard.
     *
     * @param state           {@code running}, {@code paused}, {@code failing} or {@code stopped}
     * @param changesPoints   SVG polyline points of changes per minute over the last hour
     * @param queuedPoints    SVG polyline points of queued writes over the last hour
     */
    public record SyncCard(String name, String state, String stateDetail, String schedule, long queued, long lagSeconds,
                           int openConflicts, int deadLetters, String lastError, int changesLastHour, int changesLastMinute,
                           String changesPoints, String queuedPoints, List<EndpointLine> endpoints) {
    }

    public record Dashboard(Frame frame, String running, List<SyncCard> syncs) {
    }

    /** A conflict in the inbox: the field and each system's value. */
    public record ConflictRow(long id, String sync, String recordId, String field, String kind, String base,
                              List<SystemValue> versions, String age) {
    }

    public record SystemValue(String system, String value) {
    }

    public record Inbox(Frame frame, List<ConflictRow> conflicts, List<String> systems, String notice) {
    }

    /**
     * One field of a record on the conflict page.
     *
     * @param values     per system, in the order of {@link ConflictPage#systems()}
     * @param conflictId the open conflict on this field, 0 if none
     */
    public record FieldRow(String field, String base, List<String> values, boolean differs, long conflictId, String kind) {
        public boolean inConflict() {
            return conflictId != 0;
        }
    }

    public record ConflictPage(Frame frame, long id, String sync, String recordId, List<String> systems, List<FieldRow> fields,
                               long nextId, long previousId) {
    }

    public record Link(String system, String key, String status) {
    }

    public record Field(String name, String value) {
    }

    /** An audit entry as a line: {@code summary} is the detail in words, {@code detail} the (masked) JSON. */
    public record Entry(long seq, String time, String sync, String recordId, String system, String actor, String action,
                        String summary, String detail) {
    }

    public record RecordPage(Frame frame, String sync, String recordId, boolean deleted, List<Field> values, List<Link> links,
                             List<ConflictRow> openConflicts, List<Entry> timeline) {
    }

    public record DeadLetterRow(long id, String sync, String target, String recordId, String error, int attempts, String age) {
    }

    public record DeadLetters(Frame frame, List<DeadLetterRow> letters, String notice) {
    }

    /** The audit page: filters as given, the entries newest first, and the link to older ones ({@code null}: none). */
    public record AuditPage(Frame frame, String sync, String record, String system, String actor, String action,
                            List<Entry> entries, String olderLink) {
    }

    public record Verification(boolean intact, long checked, long brokenAt, String reason) {
    }

    public record Login(String error, String user) {
    }

    public record Problem(Frame frame, int status, String message) {
    }
}
