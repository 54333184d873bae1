package dev.twoway.jdbc;

import dev.twoway.spi.ChangeSource;
import dev.twoway.spi.Connector;
import dev.twoway.spi.RecordSink;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A PostgreSQL, MariaDB/MySQL or SQLite database as a twoway system. Entities are tables, configured by
 * {@link TableConfig}; each gets a change source of its capture mode and a sink of conditional batched writes.
 *
 * <p>What twoway installs, per capture mode: {@code triggers} creates the change log {@value Dialect#CHANGE_LOG}
 * (PostgreSQL also a function {@code twoway_capture()}; SQLite a one-row table {@code twoway_session}) and triggers
 * on each captured table, on the first poll; {@link #removeCapture()} removes all of it. {@code poll} installs
 * nothing. {@code checksum} installs nothing in the database; it keeps row hashes in a file under the work
 * directory. {@code archive} deletes create {@code <table>_archive} on first use.
 */
public final class SqlConnector implements Connector {
    private final Database db;
    private final Map<String, TableConfig> tables;
    private final Path workDir;
    private final Map<String, TableAccess> access = new ConcurrentHashMap<>();
    private final Map<String, Boolean> installed = new ConcurrentHashMap<>();
    private volatile String logSchema;

    /**
     * @param tables  entity name → table config (the entity name is how syncs refer to the table)
     * @param workDir where checksum capture keeps its row hashes
     */
    public SqlConnector(Database db, Map<String, TableConfig> tables, Path workDir) {
        this.db = db;
        this.tables = Map.copyOf(new LinkedHashMap<>(tables));
        this.workDir = workDir;
    }

    @Override
    public String system() {
        return db.system();
    }

    public Database database() {
        return db;
    }

    /** The table behind an entity, introspected once. */
    public Table table(String entity) {
        return access(entity).table;
    }

    TableAccess access(String entity) {
        return access.computeIfAbsent(entity, e -> {
            TableConfig cfg = tables.get(e);
            if (cfg == null) {
                throw new SqlConfigException("system '" + db.system() + "' has no table configured as entity '" + e + "'; configured: " + tables.keySet());
            }
            try (Connection c = db.open()) {
                Table table = new Introspector(db.dialect()).table(c, cfg.schema(), cfg.table());
                TableAccess a = new TableAccess(db, table, cfg);
                validate(a);
                return a;
            } catch (SQLException ex) {
                throw db.translate("introspecting table \"" + cfg.table() + "\"", ex);
            }
        });
    }

    private static void validate(TableAccess a) {
        TableConfig cfg = a.config;
        if (cfg.capture() == TableConfig.CaptureMode.POLL) {
            Column ts = a.table.require(cfg.updatedAt());
            if (ts.kind() != SqlKind.TIMESTAMP && ts.kind() != SqlKind.TIMESTAMPTZ && ts.kind() != SqlKind.INTEGER) {
                throw new SqlConfigException("table " + a.table.label() + ": the poll column \"" + ts.name() + "\" is " + ts.typeName()
                        + "; it must be a timestamp (or an increasing integer version)");
            }
            if (cfg.softDelete() != null && a.table.require(cfg.softDelete()).kind() != SqlKind.BOOLEAN
                    && a.table.require(cfg.softDelete()).kind() != SqlKind.INTEGER) {
                throw new SqlConfigException("table " + a.table.label() + ": the soft-delete column \"" + cfg.softDelete() + "\" must be boolean");
            }
        }
    }

    @Override
    public ChangeSource source(String entity) {
        TableAccess a = access(entity);
        return switch (a.config.capture()) {
            case TRIGGERS -> new TriggerSource(a, logSchema(), () -> installCapture(entity));
            case POLL -> new PollSource(a, workDir.resolve("keys-" + safe(db.system()) + "-" + safe(entity) + ".db"));
            case CHECKSUM -> new ChecksumSource(a, workDir.resolve("checksum-" + safe(db.system()) + "-" + safe(entity) + ".db"));
        };
    }

    @Override
    public RecordSink sink(String entity) {
        TableAccess a = access(entity);
        return new SqlSink(a, changeLogPresent());
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    @Override
    public Optional<Instant> currentTime() {
        try (Connection c = db.open()) {
            return Optional.of(db.dialect().now(c));
        } catch (SQLException e) {
            throw db.translate("reading the clock", e);
        }
    }

    private String logSchema() {
        if (logSchema == null && !(db.dialect() instanceof Dialect.Sqlite)) {
            try (Connection c = db.open()) {
                logSchema = db.dialect().currentSchema(c);
            } catch (SQLException e) {
                throw db.translate("reading the current schema", e);
            }
        }
        return logSchema;
    }

    /** Whether the change log exists (the sink then tags its writes on SQLite, where the tag is a table). */
    private boolean changeLogPresent() {
        if (!(db.dialect() instanceof Dialect.Sqlite)) return true;
        if (tables.values().stream().anyMatch(t -> t.capture() == TableConfig.CaptureMode.TRIGGERS)) {
            installChangeLog();
            return true;
        }
        try (Connection c = db.open()) {
            return !new Introspector(db.dialect()).tables(c, null).stream().filter(Dialect.Sqlite.SESSION::equals).toList().isEmpty();
        } catch (SQLException e) {
            throw db.translate("looking for the change log", e);
        }
    }

    private void installChangeLog() {
        try (Connection c = db.open()) {
            Dialect.execute(c, db.dialect().installChangeLog(logSchema()));
        } catch (SQLException e) {
            throw new SqlConfigException(db.system() + ": cannot create the change log " + Dialect.CHANGE_LOG + ": " + e.getMessage()
                    + " (trigger capture needs the right to create tables, functions and triggers; see docs/connectors.md)", e);
        }
    }

    /** Installs the change log and this entity's triggers, once per connector (idempotent in the database too). */
    public void installCapture(String entity) {
        if (installed.containsKey(entity)) return;
        synchronized (this) {
            if (installed.containsKey(entity)) return;
            TableAccess a = access(entity);
            installChangeLog();
            try (Connection c = db.open()) {
                c.setAutoCommit(false);
                Dialect.execute(c, db.dialect().installTriggers(a.table, a.key.stream().map(Column::name).toList(), logSchema()));
                c.commit();
            } catch (SQLException e) {
                throw new SqlConfigException(db.system() + ": cannot install the capture triggers on " + a.table.label() + ": " + e.getMessage()
                        + " (trigger capture needs the TRIGGER privilege on the table; see docs/connectors.md)", e);
            }
            installed.put(entity, true);
        }
    }

    /** Removes the triggers of every configured table and the change log: the database is as before twoway. */
    public void removeCapture() {
        try (Connection c = db.open()) {
            for (String entity : tables.keySet()) {
                Table t = new Introspector(db.dialect()).table(c, tables.get(entity).schema(), tables.get(entity).table());
                Dialect.execute(c, db.dialect().removeTriggers(t));
            }
            Dialect.execute(c, db.dialect().removeChangeLog(logSchema()));
            installed.clear();
        } catch (SQLException e) {
            throw db.translate("removing the capture triggers", e);
        }
    }

    /** How many rows an entity's table holds now (to show the progress of an initial sync). */
    public long countRows(String entity) {
        TableAccess a = access(entity);
        try (Connection c = db.open(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + a.name)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw db.translate("counting the rows of " + a.table.label(), e);
        }
    }

    public List<String> entities() {
        return List.copyOf(tables.keySet());
    }
}
