package dev.twoway.config;

import java.util.List;
import java.util.Optional;

/**
 * A YAML document as a tree that remembers where each value stands, so every problem found later (a column that
 * does not exist, a policy naming an unknown system) can point at the line to change.
 */
public sealed interface ConfigNode {

    Location at();

    /** What the node is, for messages: "a text", "a list", "a section". */
    String kind();

    /** A single value; {@code text} is {@code null} for YAML null ({@code ~}, {@code null} or nothing). */
    record Scalar(String text, Location at) implements ConfigNode {
        public String kind() {
            return text == null ? "empty" : "a value";
        }
    }

    /** One {@code key: value} pair of a section. */
    record Entry(String key, Location keyAt, ConfigNode value) {
    }

    /** A section of {@code key: value} pairs, in file order. */
    record Mapping(List<Entry> entries, Location at) implements ConfigNode {
        public Mapping {
            entries = List.copyOf(entries);
        }

        public Optional<Entry> entry(String key) {
            return entries.stream().filter(e -> e.key().equals(key)).findFirst();
        }

        public String kind() {
            return "a section";
        }
    }

    /** A list. */
    record Sequence(List<ConfigNode> items, Location at) implements ConfigNode {
        public Sequence {
            items = List.copyOf(items);
        }

        public String kind() {
            return "a list";
        }
    }
}
