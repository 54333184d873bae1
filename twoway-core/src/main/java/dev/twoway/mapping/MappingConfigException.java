package dev.twoway.mapping;

import java.util.List;

/** A mapping that cannot work, with every problem found (each names its field), so they can be fixed at once. */
public class MappingConfigException extends RuntimeException {
    private final List<String> problems;

    public MappingConfigException(String endpoint, List<String> problems) {
        super("mapping of endpoint '" + endpoint + "' has " + problems.size() + " problem(s):\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
