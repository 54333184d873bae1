package dev.twoway.store.sqlite;

import dev.twoway.store.StateStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Brings a store file's schema up to this build's version: each {@code V<n>__*.sql} resource not yet recorded in
 * {@code schema_version} is applied in its own transaction, in order. A file newer than this build is refused.
 */
final class Migrations {
    /** The migrations this build knows, in order. Add new ones at the end; never change a released one. */
    static final List<String> SCRIPTS = List.of("V1__init.sql", "V2__audit_indexes.sql", "V3__state_refers_to_base.sql",
            "V4__compact_state.sql");

    private Migrations() {
    }

    static void apply(Connection c, String store) {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, script TEXT NOT NULL, applied_at TEXT NOT NULL)");
            int current;
            try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
                current = rs.next() ? rs.getInt(1) : 0;
            }
            if (current > SCRIPTS.size()) {
                throw new StateStoreException(store + " was written by a newer twoway (schema v" + current
                        + ", this build knows v" + SCRIPTS.size() + "): upgrade twoway, or restore a backup made by this version");
            }
            for (int v = current + 1; v <= SCRIPTS.size(); v++) {
                String script = SCRIPTS.get(v - 1);
                st.execute("BEGIN IMMEDIATE");
                for (String sql : statements(read(script))) st.executeUpdate(sql);
                st.executeUpdate("INSERT INTO schema_version (version, script, applied_at) VALUES (" + v + ", '" + script
                        + "', strftime('%Y-%m-%dT%H:%M:%SZ','now'))");
                st.execute("COMMIT");
            }
        } catch (SQLException e) {
            try (Statement st = c.createStatement()) {
                st.execute("ROLLBACK"); // fails harmlessly if the failure happened outside a migration's transaction
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw SqliteStateStore.translate(store, e);
        }
    }

    private static String read(String script) {
        try (InputStream in = Migrations.class.getResourceAsStream(script)) {
            if (in == null) throw new IllegalStateException("migration " + script + " is missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read migration " + script, e);
        }
    }

    /** Splits a script on semicolons at line ends; comments are dropped. Scripts hold no triggers or strings with ';'. */
    static List<String> statements(String script) {
        StringBuilder clean = new StringBuilder();
        for (String line : script.split("\n")) {
            int comment = line.indexOf("--");
            clean.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
        }
        return java.util.Arrays.stream(clean.toString().split(";\\s*\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
