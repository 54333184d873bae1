package dev.twoway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The suite's table. A line's {@code baseline} is the physical limit measured in the same run (its ratio is the
 * figure that matters on a shared machine); its {@code target} is what docs/performance.md promises: for
 * {@code initial} a minimum ratio, for {@code incremental} a minimum value, otherwise a maximum value. In section
 * {@code peer} the baseline is Debezium's figure from the same run, so the ratio is twoway ÷ Debezium.
 */
final class Results {
    record Line(String section, String name, String unit, double value, Double baseline, Double target) {
        Double ratio() {
            return baseline == null || baseline == 0 ? null : value / baseline;
        }

        /** "yes", "NO" or "" (no target). */
        String meets() {
            if (target == null) return "";
            boolean ok = switch (section) {
                case "initial" -> ratio() != null && ratio() >= target;
                case "incremental" -> value >= target;
                default -> value >= 0 && value <= target;
            };
            return ok ? "yes" : "NO";
        }

        String targetText() {
            if (target == null) return "";
            return switch (section) {
                case "initial" -> "ratio ≥ " + target;
                case "incremental" -> String.format(Locale.ROOT, "≥ %,.0f", target);
                default -> String.format(Locale.ROOT, "≤ %,.0f", target);
            };
        }
    }

    private final List<Line> lines = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    void add(String section, String name, String unit, double value, Double baseline, Double target) {
        lines.add(new Line(section, name, unit, value, baseline, target));
    }

    void note(String text) {
        notes.add(text);
    }

    void fail(String what) {
        failures.add(what);
        System.out.println("  FAILED: " + what);
    }

    boolean failed() {
        return !failures.isEmpty();
    }

    List<Line> lines() {
        return lines;
    }

    void print() {
        System.out.printf("%n%-12s %-82s %14s %-10s %14s %7s %-12s %s%n", "section", "measure", "value", "unit", "limit", "ratio", "target", "met");
        for (Line l : lines) {
            System.out.printf(Locale.ROOT, "%-12s %-82s %,14.1f %-10s %14s %7s %-12s %s%n", l.section(), l.name(), l.value(), l.unit(),
                    l.baseline() == null ? "" : String.format(Locale.ROOT, "%,.0f", l.baseline()),
                    l.ratio() == null ? "" : String.format(Locale.ROOT, "%.3f", l.ratio()), l.targetText(), l.meets());
        }
        notes.forEach(n -> System.out.println("note: " + n));
        failures.forEach(f -> System.out.println("FAILED: " + f));
    }

    void writeCsv(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        out.add("section,measure,value,unit,limit,ratio,target,met");
        for (Line l : lines) {
            out.add(String.format(Locale.ROOT, "%s,\"%s\",%.1f,%s,%s,%s,\"%s\",%s", l.section(), l.name(), l.value(), l.unit(),
                    l.baseline() == null ? "" : String.format(Locale.ROOT, "%.1f", l.baseline()),
                    l.ratio() == null ? "" : String.format(Locale.ROOT, "%.4f", l.ratio()), l.targetText(), l.meets()));
        }
        notes.forEach(n -> out.add("# " + n));
        failures.forEach(f -> out.add("# FAILED: " + f));
        Files.write(file, out);
    }

    List<String> notes() {
        return notes;
    }
}
