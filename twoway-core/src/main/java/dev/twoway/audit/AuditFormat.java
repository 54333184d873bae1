package dev.twoway.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The export shapes of audit entries, one line each, with sensitive values masked: JSON lines (what {@code twoway
 * audit export} writes by default and the API's export serves) and CSV. Each line carries the entry's hashes so a
 * copy can be verified elsewhere.
 */
public final class AuditFormat {
    public static final String CSV_HEADER = "seq,time,sync,record_id,system,actor,action,detail,prev_hash,hash";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditFormat() {
    }

    /** The entry as a JSON object (detail masked), without a line end. */
    public static ObjectNode json(AuditEntry e, AuditMask mask) {
        ObjectNode o = JSON.createObjectNode().put("seq", e.seq()).put("time", e.time().toString()).put("sync", e.sync())
                .put("recordId", e.recordId()).put("system", e.system()).put("actor", e.actor()).put("action", e.action());
        try {
            o.set("detail", JSON.readTree(mask.detail(e)));
        } catch (JsonProcessingException ex) {
            o.put("detail", AuditMask.MASKED); // unreadable detail: never pass it through unmasked
        }
        return o.put("prevHash", e.prevHash()).put("hash", e.hash());
    }

    /** The entry as one CSV line (detail masked), without a line end; columns as {@link #CSV_HEADER}. */
    public static String csv(AuditEntry e, AuditMask mask) {
        return String.join(",", Long.toString(e.seq()), e.time().toString(), csvField(e.sync()), csvField(e.recordId()), csvField(e.system()),
                csvField(e.actor()), csvField(e.action()), csvField(mask.detail(e)), e.prevHash(), e.hash());
    }

    /** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula. */
    public static String csvField(String s) {
        if (s == null) return "";
        String v = !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
