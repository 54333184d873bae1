package dev.twoway.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Map;
import java.util.Set;

/**
 * Hides the values of sensitive fields in audit details before they are shown or exported (the stored trail keeps
 * them, so its hash chain stays verifiable). Per sync it knows the sensitive canonical field names and the native
 * column names that hold them in each system, because capture entries name fields and write entries name columns.
 *
 * <p>Masked: under {@code values}, {@code expected} and {@code fields} every key that is a sensitive name; in an
 * entry about one field ({@code "field": "<sensitive>"}) its {@code base}, {@code versions}, {@code value},
 * {@code chosen} and the {@code value}/{@code values} of {@code winner} and {@code loser}.
 */
public final class AuditMask {
    /** What a masked value reads as. */
    public static final String MASKED = "***";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> BY_NAME = Set.of("values", "expected", "fields");
    private static final Set<String> OF_THE_FIELD = Set.of("base", "versions", "value", "chosen");

    /** Compiled once per sensitive name (a handful per deployment), not once per error text. */
    private static final Map<String, java.util.regex.Pattern> WHOLE_WORD = new java.util.concurrent.ConcurrentHashMap<>();

    private final Map<String, Set<String>> namesBySync;

    /** @param namesBySync per sync, the sensitive canonical field names and their native column names */
    public AuditMask(Map<String, Set<String>> namesBySync) {
        this.namesBySync = Map.copyOf(namesBySync);
    }

    public static AuditMask none() {
        return new AuditMask(Map.of());
    }

    public boolean masksAnything() {
        return namesBySync.values().stream().anyMatch(s -> !s.isEmpty());
    }

    /** The entry's detail JSON with sensitive values replaced by {@value #MASKED}. */
    public String detail(AuditEntry e) {
        Set<String> names = e.sync() == null ? Set.of() : namesBySync.getOrDefault(e.sync(), Set.of());
        if (names.isEmpty()) return e.detail();
        try {
            JsonNode n = JSON.readTree(e.detail());
            if (n instanceof ObjectNode o) mask(o, names);
            return n.toString();
        } catch (JsonProcessingException ex) {
            return "{\"masked\":\"" + MASKED + "\"}"; // unreadable detail: show nothing rather than risk a secret
        }
    }

    /**
     * An error text of {@code sync} (a dead letter's, a refused write's) that names a sensitive field or column may
     * quote its value ("field 'salary': 1234567 has too many digits", "Key (national_id)=(…) already exists"): such a
     * text is cut after the first mention, saying where the whole text can be read. Other texts are returned as is.
     */
    public String error(String sync, String text) {
        return sync == null ? text : cutAfterSensitive(text, namesBySync.getOrDefault(sync, Set.of()));
    }

    private static String cutAfterSensitive(String text, Set<String> names) {
        if (text == null || names.isEmpty()) return text;
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        int cut = -1;
        String named = null;
        for (String n : names) {
            // A whole-word mention: 'phone' is not a mention inside 'telephone_type'.
            java.util.regex.Matcher m = WHOLE_WORD.computeIfAbsent(n, AuditMask::wholeWord).matcher(lower);
            if (m.find() && (cut < 0 || m.end() < cut)) {
                cut = m.end();
                named = n;
            }
        }
        if (cut < 0) return text;
        return text.substring(0, cut) + " " + MASKED + " (the rest concerns the sensitive field '" + named
                + "' and is hidden here; twoway deadletters list on the twoway host shows it)";
    }

    /** A whole-word, case-insensitive mention of a name (the text is lower-cased before matching). */
    private static java.util.regex.Pattern wholeWord(String name) {
        return java.util.regex.Pattern.compile("(?<![A-Za-z0-9_])" + java.util.regex.Pattern.quote(name.toLowerCase(java.util.Locale.ROOT)) + "(?![A-Za-z0-9_])");
    }

    /** Masks in place; also usable for other JSON shaped like an audit detail (e.g. conflict candidates). */
    public void mask(ObjectNode detail, Set<String> names) {
        if (detail.path("error").isTextual()) detail.put("error", cutAfterSensitive(detail.path("error").asText(), names));
        for (String container : BY_NAME) {
            if (detail.get(container) instanceof ObjectNode values) {
                for (String k : names) if (values.has(k)) values.set(k, TextNode.valueOf(MASKED));
            }
        }
        if (detail.path("field").isTextual() && names.contains(detail.path("field").asText())) {
            for (String k : OF_THE_FIELD) if (detail.has(k)) detail.set(k, masked(detail.get(k)));
            for (String side : Set.of("winner", "loser")) {
                if (detail.get(side) instanceof ObjectNode s) {
                    if (s.has("value")) s.set("value", TextNode.valueOf(MASKED));
                    if (s.has("values")) s.set("values", TextNode.valueOf(MASKED));
                }
            }
        }
    }

    /** A versions map keeps its keys (which systems took part), only the values go. */
    private static JsonNode masked(JsonNode n) {
        if (n instanceof ObjectNode o && !o.has("t")) {
            ObjectNode copy = JSON.createObjectNode();
            o.fieldNames().forEachRemaining(k -> copy.put(k, MASKED));
            return copy;
        }
        return TextNode.valueOf(MASKED);
    }

    /** The sensitive names of one sync, for masking other JSON of it. */
    public Set<String> names(String sync) {
        return namesBySync.getOrDefault(sync, Set.of());
    }
}
