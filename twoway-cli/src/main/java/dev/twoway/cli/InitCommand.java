package dev.twoway.cli;

import dev.twoway.jdbc.Column;
import dev.twoway.jdbc.Database;
import dev.twoway.jdbc.Dialect;
import dev.twoway.jdbc.Introspector;
import dev.twoway.jdbc.Table;
import dev.twoway.mapping.TypeConversion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Writes a starting config for databases that already exist: it introspects every system, pairs tables",
                "and columns whose names match (ignoring case and underscores: customer_id = CustomerId), picks a match field",
                "(a column unique on both sides, e.g. email) so rows both sides already hold are linked, and lists what it could",
                "not pair as comments. Review the file, then twoway validate and twoway run."},
        footer = {"", "Examples:",
                "  twoway init --system crm=jdbc:postgresql://localhost:5432/crm --user crm=postgres \\",
                "              --system erp=jdbc:mariadb://localhost:3306/erp --user erp=root --password-env erp=ERP_PASSWORD",
                "  twoway init --system a=jdbc:sqlite:a.db --system b=jdbc:sqlite:b.db --table contact=Customer --output sync.yaml"})
final class InitCommand implements Callable<Integer> {
    @Option(names = "--system", paramLabel = "NAME=JDBC_URL", required = true, description = "A system to sync (two or more).")
    Map<String, String> systems = new LinkedHashMap<>();

    @Option(names = "--user", paramLabel = "NAME=USER", description = "A system's database user.")
    Map<String, String> users = new LinkedHashMap<>();

    @Option(names = "--password-env", paramLabel = "NAME=VARIABLE",
            description = "The environment variable holding a system's password (the config refers to it as $${env:VARIABLE}).")
    Map<String, String> passwordEnv = new LinkedHashMap<>();

    @Option(names = "--table", paramLabel = "TABLE=TABLE", description = "Pair these tables of the first and second system (repeatable); default: by name.")
    Map<String, String> tablePairs = new LinkedHashMap<>();

    @Option(names = "--output", paramLabel = "FILE", defaultValue = "twoway.yaml", description = "Where to write the config (default ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--force", description = "Overwrite the output file if it exists.")
    boolean force;

    private record Side(String system, Table table) {
    }

    @Override
    public Integer call() throws IOException {
        if (systems.size() < 2) throw new IllegalArgumentException("give at least two systems: --system crm=jdbc:… --system erp=jdbc:…");
        if (Files.exists(output) && !force) throw new IllegalArgumentException(output + " exists; choose another --output or add --force");
        Map<String, List<Table>> tables = new LinkedHashMap<>();
        for (var e : systems.entrySet()) tables.put(e.getKey(), introspect(e.getKey(), e.getValue()));
        List<String> names = List.copyOf(systems.keySet());
        List<List<Side>> pairs = pair(tables, names);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("no tables with matching names in " + String.join(", ", names) + "; name the pairs with --table "
                    + names.get(0) + "_table=" + names.get(1) + "_table (tables: " + describe(tables) + ")");
        }
        StringBuilder y = new StringBuilder();
        y.append("# Written by twoway init; review it, then: twoway validate && twoway run\n");
        y.append("# Reference: docs/configuration.md\n");
        y.append("state: ./twoway-data\n\nsystems:\n");
        for (String s : names) {
            String url = systems.get(s);
            y.append("  ").append(s).append(":\n    connector: ").append(connector(url)).append('\n');
            y.append("    url: ").append(q(url)).append('\n');
            if (users.containsKey(s)) y.append("    user: ").append(q(users.get(s))).append('\n');
            if (passwordEnv.containsKey(s)) y.append("    password: ").append(q("${env:" + passwordEnv.get(s) + "}")).append('\n');
        }
        y.append("\nsyncs:\n");
        List<String> summary = new ArrayList<>();
        for (List<Side> sync : pairs) summary.add(writeSync(y, sync));
        Files.writeString(output, y.toString());
        System.out.println("wrote " + output + " with " + pairs.size() + " sync" + (pairs.size() == 1 ? "" : "s") + ":");
        summary.forEach(s -> System.out.println("  " + s));
        System.out.println("next: review " + output + ", then twoway validate -c " + output + " && twoway run -c " + output);
        return 0;
    }

    private List<Table> introspect(String system, String url) {
        String password = passwordEnv.containsKey(system) ? System.getenv(passwordEnv.get(system)) : null;
        if (passwordEnv.containsKey(system) && password == null) {
            throw new IllegalArgumentException("environment variable " + passwordEnv.get(system) + " (the password of " + system + ") is not set");
        }
        Database db = new Database(system, url, users.get(system), password, null);
        try (Connection c = db.open()) {
            Introspector in = new Introspector(db.dialect());
            String schema = db.dialect() instanceof Dialect.Sqlite ? null : db.dialect().currentSchema(c);
            List<Table> out = new ArrayList<>();
            for (String t : in.tables(c, schema)) {
                if (t.startsWith("twoway_") || t.endsWith("_archive")) continue;
                out.add(in.table(c, schema, t));
            }
            return out;
        } catch (SQLException e) {
            throw db.translate("reading its tables", e);
        }
    }

    private List<List<Side>> pair(Map<String, List<Table>> tables, List<String> names) {
        List<List<Side>> out = new ArrayList<>();
        String first = names.getFirst();
        if (!tablePairs.isEmpty()) {
            for (var p : tablePairs.entrySet()) {
                out.add(List.of(new Side(first, find(tables, first, p.getKey())), new Side(names.get(1), find(tables, names.get(1), p.getValue()))));
            }
            return out;
        }
        for (Table t : tables.get(first)) {
            List<Side> sides = new ArrayList<>(List.of(new Side(first, t)));
            for (String other : names.subList(1, names.size())) {
                tables.get(other).stream().filter(o -> norm(o.name()).equals(norm(t.name()))).findFirst().ifPresent(o -> sides.add(new Side(other, o)));
            }
            if (sides.size() >= 2) out.add(sides);
        }
        return out;
    }

    private static Table find(Map<String, List<Table>> tables, String system, String name) {
        return tables.get(system).stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(system + " has no table '" + name + "'; its tables: "
                        + tables.get(system).stream().map(Table::name).toList()));
    }

    private String writeSync(StringBuilder y, List<Side> sides) {
        Table base = sides.getFirst().table();
        String sync = norm(base.name()).replaceAll("[^a-z0-9]", "") + (norm(base.name()).endsWith("s") ? "" : "s");
        y.append("  ").append(sync).append(":\n    capture: triggers\n    schedule: realtime\n    endpoints:\n");
        for (Side s : sides) {
            y.append("      ").append(s.system()).append(": { table: ").append(q(s.table().name()));
            if (s.table().primaryKey().isEmpty()) y.append(", key: TODO  # the table has no primary key: name the columns identifying a row");
            y.append(" }\n");
        }
        y.append("    fields:\n");
        // Fields: columns of the first table with a namesake in every other table; keys only if they look shared.
        Optional<String> matchField = Optional.empty();
        List<String> mapped = new ArrayList<>();
        Map<String, List<String>> used = new LinkedHashMap<>();
        sides.forEach(s -> used.put(s.system(), new ArrayList<>()));
        List<String> skipped = new ArrayList<>();
        boolean keysShared = sides.stream().allMatch(s -> s.table().primaryKey().size() == 1 && !base.primaryKey().isEmpty()
                && norm(s.table().primaryKey().getFirst()).equals(norm(base.primaryKey().getFirst())))
                && sides.stream().noneMatch(s -> s.table().column(s.table().primaryKey().getFirst()).map(Column::generated).orElse(false));
        for (Column c : base.columns()) {
            boolean isKey = base.primaryKey().contains(c.name());
            if (isKey && !keysShared) continue;
            List<Column> counterparts = new ArrayList<>();
            for (Side s : sides.subList(1, sides.size())) {
                s.table().columns().stream().filter(o -> norm(o.name()).equals(norm(c.name()))).findFirst().ifPresent(counterparts::add);
            }
            if (counterparts.size() != sides.size() - 1) continue;
            Optional<Column> misfit = counterparts.stream().filter(o -> !TypeConversion.convertible(c.kind().canonical(), o.kind().canonical())).findFirst();
            if (misfit.isPresent()) {
                skipped.add(c.name() + " (" + c.typeName() + ") vs " + misfit.get().name() + " (" + misfit.get().typeName() + "): no lossless conversion");
                continue;
            }
            String field = snake(c.name());
            y.append("      ").append(field).append(": { ").append(sides.getFirst().system()).append(": ").append(q(c.name()));
            for (int i = 0; i < counterparts.size(); i++) y.append(", ").append(sides.get(i + 1).system()).append(": ").append(q(counterparts.get(i).name()));
            boolean unique = isKey || sides.stream().allMatch(s -> uniqueAlone(s.table(), s == sides.getFirst() ? c.name()
                    : counterparts.get(sides.indexOf(s) - 1).name()));
            if (matchField.isEmpty() && unique) {
                matchField = Optional.of(field);
                y.append(", match: true");
            }
            y.append(" }\n");
            mapped.add(field);
            used.get(sides.getFirst().system()).add(c.name());
            for (int i = 0; i < counterparts.size(); i++) used.get(sides.get(i + 1).system()).add(counterparts.get(i).name());
        }
        if (mapped.isEmpty()) y.append("      # no columns with matching names: map them by hand, e.g. email: { a: email, b: Email }\n");
        if (matchField.isEmpty()) {
            y.append("    # no column is unique on both sides: rows that already exist on both sides will not be linked; add\n")
                    .append("    # match: true to a field that identifies a record in every system (e.g. email), or they are copied across\n");
        }
        y.append("    conflicts: { default: last-write-wins }\n    deletes: propagate\n");
        for (Side s : sides) {
            List<String> rest = s.table().columns().stream().map(Column::name).filter(n -> !used.get(s.system()).contains(n)
                    && !(s.table().primaryKey().contains(n) && !keysShared)).toList();
            if (!rest.isEmpty()) y.append("    # not mapped in ").append(s.system()).append('.').append(s.table().name()).append(": ").append(String.join(", ", rest)).append('\n');
        }
        skipped.forEach(s -> y.append("    # not mapped: ").append(s).append('\n'));
        y.append('\n');
        return sync + ": " + sides.stream().map(s -> s.system() + "." + s.table().name()).reduce((a, b) -> a + " ⇄ " + b).orElse("")
                + ", " + mapped.size() + " fields" + matchField.map(m -> ", matched by " + m).orElse(", NO match field (see the comment)")
                + (keysShared ? ", shared keys" : ", independent keys");
    }

    private static boolean uniqueAlone(Table t, String column) {
        return t.uniqueKeys().stream().anyMatch(k -> k.size() == 1 && k.getFirst().equals(column));
    }

    static String norm(String name) {
        return name.replace("_", "").toLowerCase(Locale.ROOT);
    }

    /** snake_case of a column name: CustomerId → customer_id. */
    static String snake(String name) {
        String s = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT);
        return Character.isLetter(s.charAt(0)) ? s : "f_" + s;
    }

    private static String connector(String url) {
        if (url.startsWith("jdbc:postgresql:")) return "postgres";
        if (url.startsWith("jdbc:mariadb:")) return "mariadb";
        if (url.startsWith("jdbc:mysql:")) return "mysql";
        if (url.startsWith("jdbc:sqlite:")) return "sqlite";
        throw new IllegalArgumentException("'" + url + "' is not a JDBC URL twoway knows: jdbc:postgresql:, jdbc:mariadb:, jdbc:mysql: or jdbc:sqlite:");
    }

    /** A YAML scalar, quoted unless it is a plain name. */
    static String q(String s) {
        return s.matches("[A-Za-z_][A-Za-z0-9_]*") && !List.of("true", "false", "yes", "no", "on", "off", "null").contains(s.toLowerCase(Locale.ROOT))
                ? s : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String describe(Map<String, List<Table>> tables) {
        StringBuilder b = new StringBuilder();
        tables.forEach((s, ts) -> b.append(b.isEmpty() ? "" : "; ").append(s).append(": ").append(ts.stream().map(Table::name).toList()));
        return b.toString();
    }
}
