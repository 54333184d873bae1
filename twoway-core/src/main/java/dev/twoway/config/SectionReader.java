package dev.twoway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads the settings of one config section, checked against its {@link ConfigReference.Section}: each value is
 * located and interpolated, each problem recorded with its place (reading goes on, so all problems are found in one
 * pass), and {@link #finish} reports the keys nobody asked for.
 */
final class SectionReader {
    private final ConfigReader reader;
    private final ConfigNode.Mapping node;
    private final String path;
    private final ConfigReference.Section section;
    private final Set<String> read = new HashSet<>();

    SectionReader(ConfigReader reader, ConfigNode.Mapping node, String path, ConfigReference.Section section) {
        this.reader = reader;
        this.node = node;
        this.path = path;
        this.section = section;
        reader.locate(path, node.at());
        for (ConfigNode.Entry e : node.entries()) reader.locate(child(e.key()), e.value().at());
    }

    String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigNode.Mapping node() {
        return node;
    }

    /** The raw node of a declared key, marking it read. */
    Optional<ConfigNode> get(String key) {
        if (section.key(key).isEmpty()) throw new IllegalStateException("key '" + key + "' is not in the reference of " + section.path());
        read.add(key);
        Optional<ConfigNode> n = node.entry(key).map(ConfigNode.Entry::value);
        if (n.isEmpty() && section.key(key).orElseThrow().required()) {
            reader.problem(node.at(), path, "'" + key + "' is missing",
                    "add " + key + ": <" + section.key(key).orElseThrow().takes() + "> (" + section.key(key).orElseThrow().description() + ")");
        }
        return n;
    }

    /** Marks a key that is not in the reference (a system name inside a field) as known. */
    void accept(String key) {
        read.add(key);
    }

    Optional<String> text(String key) {
        return get(key).flatMap(n -> reader.text(n, child(key)));
    }

    /** One of {@code allowed} (compared without case; {@code _} and {@code -} alike). */
    Optional<String> choice(String key, List<String> allowed) {
        return text(key).flatMap(t -> {
            String norm = t.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            if (allowed.contains(norm)) return Optional.of(norm);
            reader.problem(locate(key), child(key), "'" + t + "' is not one of " + String.join(", ", allowed),
                    ConfigValues.closest(t, allowed).map(s -> "write " + s).orElse("write one of " + String.join(" | ", allowed)));
            return Optional.empty();
        });
    }

    Optional<Duration> duration(String key) {
        return text(key).flatMap(t -> {
            Optional<Duration> d = ConfigValues.duration(t);
            if (d.isEmpty() || d.get().isNegative()) {
                reader.problem(locate(key), child(key), "'" + t + "' is not a duration", "write e.g. 500ms, 2s, 5m, 1h or 1d");
                return Optional.empty();
            }
            return d;
        });
    }

    Optional<Integer> integer(String key, int min) {
        return text(key).flatMap(t -> {
            try {
                int v = Integer.parseInt(t.trim());
                if (v >= min) return Optional.of(v);
            } catch (NumberFormatException e) {
                // reported below
            }
            reader.problem(locate(key), child(key), "'" + t + "' is not a whole number of at least " + min, "write e.g. " + Math.max(min, 100));
            return Optional.empty();
        });
    }

    Optional<Boolean> bool(String key) {
        return text(key).flatMap(t -> switch (t.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> Optional.of(true);
            case "false", "no", "off" -> Optional.of(false);
            default -> {
                reader.problem(locate(key), child(key), "'" + t + "' is not true or false", "write true or false");
                yield Optional.empty();
            }
        });
    }

    /** A list of names; a single name is a list of one. */
    List<String> names(String key) {
        Optional<ConfigNode> n = get(key);
        if (n.isEmpty()) return List.of();
        return reader.names(n.get(), child(key));
    }

    Optional<SectionReader> section(String key, ConfigReference.Section ref) {
        return get(key).flatMap(n -> reader.mapping(n, child(key)).map(m -> new SectionReader(reader, m, child(key), ref)));
    }

    /** Where the section itself starts. */
    Location at() {
        return node.at();
    }

    Location locate(String key) {
        return node.entry(key).map(e -> e.value().at()).orElse(node.at());
    }

    /** Reports every key that was not read, with the closest known key; {@code alsoKnown} adds valid names for the hint. */
    void finish(List<String> alsoKnown, Predicate<String> tolerated) {
        List<String> known = new ArrayList<>(section.names());
        known.addAll(alsoKnown);
        for (ConfigNode.Entry e : node.entries()) {
            if (read.contains(e.key()) || tolerated.test(e.key())) continue;
            String hint = ConfigValues.suggestion(e.key(), known);
            reader.problem(e.keyAt(), child(e.key()), "unknown key '" + e.key() + "' in " + section.path(),
                    (hint != null ? hint + " " : "") + "known keys here: " + String.join(", ", known));
        }
    }

    void finish() {
        finish(List.of(), k -> false);
    }
}
