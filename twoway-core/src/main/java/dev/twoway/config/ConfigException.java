package dev.twoway.config;

import java.util.List;
import java.util.stream.Collectors;

/** A config that cannot be used, with every problem found (all at once, in file order). */
public final class ConfigException extends RuntimeException {
    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(render(problems));
        if (problems.isEmpty()) throw new IllegalArgumentException("a config exception needs at least one problem");
        this.problems = List.copyOf(problems);
    }

    public ConfigException(ConfigProblem problem) {
        this(List.of(problem));
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String render(List<ConfigProblem> problems) {
        return problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in the config:\n"
                + problems.stream().map(p -> "  " + p.render().replace("\n", "\n  ")).collect(Collectors.joining("\n"));
    }
}
