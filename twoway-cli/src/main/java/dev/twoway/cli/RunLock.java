package dev.twoway.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The lock a process holds while it runs the engines of a state store ({@code twoway run}, {@code twoway sync
 * --once}). Only one process may: the engine keeps per-sync sequence numbers in memory. Other commands that change
 * state hand their request to the holder ({@link ControlQueue}) instead. The OS releases the lock when the process
 * dies, so a kill -9 never leaves a stale lock.
 */
final class RunLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private final Path file;

    private RunLock(FileChannel channel, FileLock lock, Path file) {
        this.channel = channel;
        this.lock = lock;
        this.file = file;
    }

    static Path file(Path stateDir) {
        return stateDir.resolve("twoway.lock");
    }

    /**
     * The lock files this process holds. The holding process must not open the file again: the JVM refuses a
     * second lock on it, and closing any descriptor of the file drops the process's POSIX lock (fcntl semantics).
     */
    private static final java.util.Set<Path> HELD_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** What a holder that is an operator's one-off command (not an engine) writes after its pid. */
    static final String COMMAND = "command";
    /** How long a starting engine waits for a one-off command that holds the lock. */
    static final java.time.Duration COMMAND_WAIT = java.time.Duration.ofSeconds(60);

    /**
     * Takes the lock for an operator's one-off command (a retry or a decision carried out here because no twoway
     * runs), or returns empty if another process (or this one) holds it.
     */
    static Optional<RunLock> tryAcquire(Path stateDir) {
        return tryAcquire(stateDir, COMMAND);
    }

    /**
     * For a process that will run the engines ({@code run}, {@code sync}, named by {@code purpose}): as
     * {@link #tryAcquire(Path)}, but tries again for up to a second, because {@link #held} in another process
     * ({@code twoway status}, a monitoring script) holds the lock for an instant to probe it; a start at that instant
     * must not fail as if twoway ran. If the holder is a one-off command ({@code twoway deadletters retry} with no
     * twoway running), it waits for it to finish, up to {@link #COMMAND_WAIT}, saying so on stderr.
     */
    static Optional<RunLock> acquireForRun(Path stateDir, String purpose) throws InterruptedException {
        long deadline = System.nanoTime() + COMMAND_WAIT.toNanos();
        boolean told = false;
        for (int attempt = 0; ; attempt++) {
            Optional<RunLock> lock = tryAcquire(stateDir, purpose);
            if (lock.isPresent()) return lock;
            boolean command = COMMAND.equals(holderPurpose(stateDir));
            if (attempt >= 20 && (!command || System.nanoTime() > deadline)) return Optional.empty();
            if (command && !told) {
                System.err.println("waiting for a twoway command (pid " + holder(stateDir) + ") that holds " + file(stateDir) + " to finish");
                told = true;
            }
            Thread.sleep(50);
        }
    }

    /** Takes the lock writing {@code pid purpose} into the file, or without writing anything ({@code null}: a probe). */
    static Optional<RunLock> tryAcquire(Path stateDir, String purpose) {
        Path file = file(stateDir).toAbsolutePath().normalize();
        if (HELD_HERE.contains(file)) return Optional.empty();
        try {
            Files.createDirectories(stateDir);
            FileChannel ch = FileChannel.open(file(stateDir), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                l = null; // this very process holds it
            }
            if (l == null) {
                ch.close();
                return Optional.empty();
            }
            if (purpose != null) {
                ch.truncate(0);
                ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + " " + purpose).getBytes(StandardCharsets.UTF_8)));
                ch.force(false);
            }
            HELD_HERE.add(file);
            return Optional.of(new RunLock(ch, l, file));
        } catch (IOException e) {
            if (e instanceof java.nio.file.FileSystemException fse && "Read-only file system".equals(fse.getReason())) {
                throw new UncheckedIOException("cannot lock " + file(stateDir) + ": the file system holding the state directory is read-only;"
                        + " make it writable again (if the kernel turned it read-only after a disk error: unmount it, run fsck, mount it again)", e);
            }
            throw new UncheckedIOException("cannot lock " + file(stateDir) + ": " + e.getMessage(), e);
        }
    }

    /** The pid written by the holder, for messages. */
    static String holder(Path stateDir) {
        // Not by reading the file here: closing any descriptor of it would drop this process's lock.
        if (HELD_HERE.contains(file(stateDir).toAbsolutePath().normalize())) return Long.toString(ProcessHandle.current().pid());
        String[] content = content(stateDir);
        return content.length == 0 ? "?" : content[0];
    }

    /** What the last holder wrote after its pid ({@code run}, {@code sync}, {@link #COMMAND}), or "" if nothing. */
    static String holderPurpose(Path stateDir) {
        String[] content = content(stateDir);
        return content.length < 2 ? "" : content[1];
    }

    private static String[] content(Path stateDir) {
        try {
            String text = Files.readString(file(stateDir)).trim();
            return text.isEmpty() ? new String[0] : text.split("\\s+", 2);
        } catch (IOException e) {
            return new String[0];
        }
    }

    /** Whether a process holds the lock. A probe: it leaves the pid of the last holder in the file. */
    static boolean held(Path stateDir) {
        Optional<RunLock> l = tryAcquire(stateDir, null);
        l.ifPresent(RunLock::close);
        return l.isEmpty();
    }

    @Override
    public void close() {
        try {
            HELD_HERE.remove(file);
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
