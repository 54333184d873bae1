package dev.twoway.store.sqlite;

import dev.twoway.store.StateStore;
import dev.twoway.store.StateStoreException;
import dev.twoway.store.StateTransaction;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The embedded state store: everything the engine remembers, in one SQLite file.
 *
 * <p>Layout: see {@code V1__init.sql} (records with their state as JSON, the link index, outbox, checkpoints,
 * conflicts, dead letters, the audit chain, metadata). Schema versions are recorded in {@code schema_version}
 * and applied in order when the file is opened; a file written by a newer twoway is refused.
 *
 * <p>Tuning: WAL journal (readers never block the writer), {@code synchronous=FULL} by default so that a commit
 * survives power loss as well as kill -9; one connection and one writer — transactions are serialized by a
 * lock, which is what SQLite does anyway, without busy-waiting. Throughput comes from the engine's batching:
 * one transaction resolves a whole batch of changes.
 *
 * <p>Backups: copy the file while twoway is stopped, or use {@code sqlite3 state.db ".backup copy.db"} while it
 * runs (the WAL keeps the copy consistent).
 */
public final class SqliteStateStore implements StateStore {

    /** How hard each commit is pushed to disk. */
    public enum Durability {
        /** fsync on every commit, survives power loss (the default). */
        FULL,
        /** survives a crash of the process, may lose the last commits on power loss; faster. */
        NORMAL
    }

    private final Path file;
    private final Connection connection;
    private final SqliteTransaction tx;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Fault injection only (docs/reliability.md): with {@code -Dtwoway.debug.commitDelayMillis=N} every transaction
     * waits N ms after its work and before its COMMIT, so that a kill at a random moment lands inside an open,
     * fully written transaction most of the time. Never set in production.
     */
    private static final long COMMIT_DELAY_MILLIS = Long.getLong("twoway.debug.commitDelayMillis", 0L);
    private boolean closed;
    /** {@code PRAGMA data_version} at the start of the last transaction (-1: none yet). */
    private long dataVersion = -1;

    private SqliteStateStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
        this.tx = new SqliteTransaction(connection, this::describe);
    }

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY_DIR =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> OWNER_ONLY_FILE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");

    /**
     * Opens (creating if needed) the store at {@code file} with full durability. A directory or file it creates is
     * readable by its owner only (on POSIX file systems); existing ones keep their permissions.
     */
    public static SqliteStateStore open(Path file) {
        return open(file, Durability.FULL);
    }

    public static SqliteStateStore open(Path file, Durability durability) {
        Path abs = file.toAbsolutePath();
        try {
            if (abs.getParent() != null && !Files.isDirectory(abs.getParent())) {
                // The store holds copies of synced values and the audit trail: a directory twoway creates is its own.
                if (abs.getParent().getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(abs.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                } else {
                    Files.createDirectories(abs.getParent());
                }
            }
            if (!Files.exists(abs) && abs.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(abs, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            }
        } catch (IOException e) {
            throw new StateStoreException("state store " + abs + ": cannot create its directory (" + e.getMessage()
                    + "); create it or choose another path for 'state'", e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(durability == Durability.FULL ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        // 64 MiB of page cache (the default is 2 MiB): record states are read back by delivery right after capture
        // wrote them; with a small cache most of those reads go to the file.
        config.setCacheSize(-65_536);
        // Off: otherwise the driver prepares and runs "SELECT last_insert_rowid()" after every INSERT for
        // getGeneratedKeys(), which nothing here calls (the audit append asks for last_insert_rowid() itself);
        // it was about 5% of an initial sync's time (docs/performance.md).
        config.setGetGeneratedKeys(false);
        try {
            // Autocommit stays on and transactions are opened by hand: with autocommit off, the driver opens the
            // next transaction right after each commit, so the file would stay write-locked between transactions
            // and every other process (a CLI command, a backup) would find it busy.
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + abs, config.toProperties());
            SqliteStateStore store = new SqliteStateStore(abs, c);
            try {
                Migrations.apply(c, store.describe());
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            return store;
        } catch (SQLException e) {
            throw translate("state store " + abs, abs, e);
        }
    }

    @Override
    public <T> T inTransaction(Function<StateTransaction, T> work) {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("state store " + file + ": a transaction is already open on this thread; "
                    + "nested transactions are not supported, pass the open transaction down instead");
        }
        lock.lock();
        try {
            if (closed) throw new StateStoreException("state store " + file + " is closed");
            exec("BEGIN IMMEDIATE");
            T result;
            try {
                tx.begin(othersCommitted());
                result = work.apply(tx);
            } catch (Throwable t) {
                rollbackQuietly(t);
                throw t;
            }
            if (COMMIT_DELAY_MILLIS > 0) pauseBeforeCommit();
            try {
                exec("COMMIT");
            } catch (StateStoreException e) {
                rollbackQuietly(e);
                throw e;
            }
            return result;
        } finally {
            lock.unlock();
        }
    }

    private static void pauseBeforeCommit() {
        try {
            Thread.sleep(COMMIT_DELAY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void exec(String sql) {
        try (java.sql.Statement st = connection.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw translate(describe(), file, e);
        }
    }

    /**
     * Whether another connection (a CLI command, a backup restored under it) committed to the file since this one's
     * last transaction: SQLite's {@code data_version} changes exactly then, never for this connection's own commits.
     */
    private boolean othersCommitted() {
        long version;
        try (java.sql.Statement st = connection.createStatement(); java.sql.ResultSet rs = st.executeQuery("PRAGMA data_version")) {
            version = rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            throw translate(describe(), file, e);
        }
        boolean changed = version != dataVersion;
        dataVersion = version;
        return changed;
    }

    /** Rolls back; if SQLite already ended the transaction (a failed COMMIT may), the error is only noted. */
    private void rollbackQuietly(Throwable cause) {
        tx.rolledBack();
        try (java.sql.Statement st = connection.createStatement()) {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public String describe() {
        return "sqlite:" + file;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            tx.closeStatements();
            connection.close();
        } catch (SQLException e) {
            throw translate(describe(), file, e);
        } finally {
            lock.unlock();
        }
    }

    /** Turns an SQLite failure into a message that names the store, the cause and the fix. */
    static StateStoreException translate(String store, SQLException e) {
        return translate(store, null, e);
    }

    /**
     * As {@link #translate(String, SQLException)}; {@code file} (if known) is probed when SQLite reports an I/O or
     * permission error, because a file system that refuses writes (mounted read-only, or turned read-only by the
     * kernel after a disk error) reaches SQLite only as such an error.
     */
    static StateStoreException translate(String store, Path file, SQLException e) {
        SQLiteErrorCode code = e instanceof SQLiteException se ? se.getResultCode() : null;
        String base = code == null ? "" : code.name();
        boolean refused = base.startsWith("SQLITE_IOERR") || base.startsWith("SQLITE_READONLY") || base.startsWith("SQLITE_CANTOPEN") || base.startsWith("SQLITE_PERM");
        if (refused && readOnlyFileSystem(file)) {
            return new StateStoreException(store + ": the file system holding it is read-only (" + base + "); make it writable again (if the"
                    + " kernel turned it read-only after a disk error: unmount it, run fsck, mount it again), then restart twoway, it resumes where it stopped", e);
        }
        if (base.startsWith("SQLITE_FULL")) {
            return new StateStoreException(store + ": the disk is full; free space and restart twoway, it resumes where it stopped", e);
        }
        if (base.startsWith("SQLITE_READONLY") || base.startsWith("SQLITE_CANTOPEN") || base.startsWith("SQLITE_PERM")) {
            return new StateStoreException(store + ": cannot write the file or its directory (" + base
                    + "); make both writable by the user running twoway", e);
        }
        if (base.startsWith("SQLITE_NOTADB") || base.startsWith("SQLITE_CORRUPT")) {
            return new StateStoreException(store + ": the file is not a twoway state store or is damaged (" + base
                    + "); point 'state' at the right file or restore it from a backup", e);
        }
        if (base.startsWith("SQLITE_IOERR")) {
            return new StateStoreException(store + ": the disk reported an I/O error (" + base
                    + "); check the disk, then restart twoway", e);
        }
        return new StateStoreException(store + ": " + e.getMessage(), e);
    }

    /** Whether the directory of {@code file} refuses a new file because its file system is read-only. */
    static boolean readOnlyFileSystem(Path file) {
        if (file == null || file.toAbsolutePath().getParent() == null) return false;
        try {
            Files.delete(Files.createTempFile(file.toAbsolutePath().getParent(), ".twoway-probe", null));
            return false;
        } catch (java.nio.file.FileSystemException e) {
            return "Read-only file system".equals(e.getReason());
        } catch (IOException e) {
            return false;
        }
    }
}
