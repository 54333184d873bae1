package dev.twoway.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The figures of a run: each scenario stores its row under target/reliability-rows/, and after each scenario the
 * whole table is rewritten to target/reliability.csv and target/reliability.md and printed.
 */
final class Figures {
    static final List<String> COLUMNS = List.of("scenario", "rounds", "kills survived", "kills during initial sync", "kills aimed at commit", "outages survived", "records written",
            "records lost", "duplicates", "mismatched", "conflicts", "dead letters raised", "max drain after outage (ms)",
            "stalls survived", "max other-sync delay during stall (ms)", "echo conflicts", "seconds");
    private static final Path OUT = Path.of(System.getProperty("reliability.out", "target"));

    private final Map<String, Object> row = new LinkedHashMap<>();

    Figures(String scenario) {
        for (String c : COLUMNS) row.put(c, 0L);
        row.put("scenario", scenario);
    }

    Figures add(String column, long n) {
        if (!COLUMNS.contains(column)) throw new IllegalArgumentException("no column " + column);
        row.put(column, (Long) row.get(column) + n);
        return this;
    }

    Figures max(String column, long n) {
        row.put(column, Math.max((Long) row.get(column), n));
        return this;
    }

    Figures add(Verdict v) {
        return add("records lost", v.lost()).add("duplicates", v.duplicates()).add("mismatched", v.mismatched() + v.phantoms()).add("conflicts", v.conflicts());
    }

    /** Stores this scenario's row and rewrites and prints the table of every scenario run so far. */
    void publish() throws IOException {
        Path rows = OUT.resolve("reliability-rows");
        Files.createDirectories(rows);
        Properties p = new Properties();
        row.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        try (var w = Files.newBufferedWriter(rows.resolve(row.get("scenario") + ".properties"))) {
            p.store(w, null);
        }
        List<List<String>> table = new ArrayList<>();
        try (var files = Files.list(rows)) {
            for (Path f : files.sorted().toList()) {
                Properties r = new Properties();
                try (var in = Files.newBufferedReader(f)) {
                    r.load(in);
                }
                table.add(COLUMNS.stream().map(c -> r.getProperty(c, "")).toList());
            }
        }
        StringBuilder csv = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        StringBuilder md = new StringBuilder("| " + String.join(" | ", COLUMNS) + " |\n|" + "---|".repeat(COLUMNS.size()) + "\n");
        for (List<String> r : table) {
            csv.append(String.join(",", r)).append('\n');
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        Files.writeString(OUT.resolve("reliability.csv"), csv);
        Files.writeString(OUT.resolve("reliability.md"), md);
        System.out.println("\nreliability figures (" + OUT.resolve("reliability.md") + "):\n" + md);
    }
}
