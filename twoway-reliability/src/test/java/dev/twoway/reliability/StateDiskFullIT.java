package dev.twoway.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The disk holding the state store fails under twoway while writers edit both databases (both scenarios mount a
 * file system of their own and need root, as the suite has in CI):
 * <ul>
 *   <li>it fills up: the state directory is on a 24 MB tmpfs and a filler file takes every free byte. twoway stops
 *       every sync and exits with "the disk is full; free space and restart twoway, it resumes where it stopped";
 *       once the filler is removed and twoway restarted, everything converges with nothing lost;</li>
 *   <li>it turns read-only, as ext4 does after a disk error: see
 *       {@link #aStateFileSystemTurnedReadOnlyStopsTwowaySafelyAndItResumesWithNothingLost}.</li>
 * </ul>
 */
class StateDiskFullIT {
    static final Duration FULL = Duration.ofSeconds(15);

    @TempDir
    Path tmp;

    @Test
    void aFullStateDiskStopsTwowaySafelyAndItResumesWithNothingLost() throws Exception {
        Figures figures = new Figures("state store disk full");
        long started = System.nanoTime();
        Soak soak = new Soak();
        while (soak.another()) {
            Path round = Scenario.workdir(tmp, soak.rounds());
            Path disk = Files.createDirectories(round.resolve("disk"));
            mount(disk);
            try (ShopAndErp dbs = new ShopAndErp(); TwowayProcess twoway = new TwowayProcess(round)) {
                dbs.writeConfig(twoway.dir(), dbs.erp.url);
                Files.writeString(twoway.dir().resolve("twoway.yaml"), Files.readString(twoway.dir().resolve("twoway.yaml")).replace("state: ./twoway-data", "state: ./disk/twoway-data"));
                Ledger ledger = new Ledger();
                Scenario.seed(dbs, ledger, 200, 100, 50);
                Checker checker = new Checker(dbs, twoway);
                twoway.start();
                try {
                    checker.awaitQuiescence(Duration.ofSeconds(90));
                    try (RandomWriters writers = new RandomWriters(dbs, ledger, 20).start()) {
                        Thread.sleep(2_000);
                        Path filler = disk.resolve("filler");
                        fill(filler);
                        long full = System.nanoTime() + FULL.toNanos();
                        while (System.nanoTime() < full && twoway.alive()) Thread.sleep(250);
                        awaitStopOnceFailed(twoway);
                        String log = twoway.log();
                        boolean stopped = !twoway.alive();
                        System.out.println("state disk full: twoway run " + (stopped ? "stopped" : "kept running") + "; log:\n" + log);
                        // What twoway does (seen, and now required): it stops every sync and exits, naming the file and the fix.
                        assertThat(stopped).as("twoway run stops on a full state disk; log:%n%s", log).isTrue();
                        assertThat(log).contains("state store failed, stopping all syncs").contains("state.db: the disk is full; free space and restart twoway, it resumes where it stopped");
                        writers.pause();
                        Files.delete(filler);
                        twoway.start();
                        figures.max("max drain after outage (ms)", checker.awaitQuiescence(Duration.ofSeconds(150)).toMillis()).add("outages survived", 1);
                        writers.resume();
                        Thread.sleep(2_000);
                    }
                    Verdict verdict = KillNineIT.converge(twoway, dbs, ledger, figures);
                    figures.add("records written", ledger.writes());
                    assertThat(verdict.examples()).as("findings after a full state disk; twoway's log:%n%s", twoway.log()).isEmpty();
                    assertThat(verdict.clean()).isTrue();
                } finally {
                    twoway.stop();
                }
            } finally {
                unmount(disk);
            }
        }
        figures.add("rounds", soak.rounds()).add("seconds", (System.nanoTime() - started) / 1_000_000_000L).publish();
    }

    /**
     * The file system of the state store turns read-only under twoway, as ext4 does on an I/O error with
     * {@code errors=remount-ro} (the usual mount option of a root file system): the state directory is on an ext4 image
     * the test loop-mounts, and the kernel's own error path is triggered through
     * {@code /sys/fs/ext4/<device>/trigger_fs_error}. (A plain {@code mount -o remount,ro} is refused while a file
     * is open for writing, and root ignores file modes, so neither can make it read-only under a running twoway.)
     * twoway must stop every sync with an error naming the state store and the fix; then the operator's fix —
     * unmount, {@code e2fsck}, mount — and a restart, after which everything converges with nothing lost.
     */
    @Test
    void aStateFileSystemTurnedReadOnlyStopsTwowaySafelyAndItResumesWithNothingLost() throws Exception {
        Figures figures = new Figures("state store file system read-only");
        long started = System.nanoTime();
        Soak soak = new Soak();
        while (soak.another()) {
            Path round = Scenario.workdir(tmp, soak.rounds());
            Path image = round.resolve("state.ext4");
            Path disk = Files.createDirectories(round.resolve("disk"));
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(64L * 1024 * 1024);
            }
            run("mkfs.ext4", "-q", "-F", image.toString());
            mountExt4(image, disk);
            try (ShopAndErp dbs = new ShopAndErp(); TwowayProcess twoway = new TwowayProcess(round)) {
                dbs.writeConfig(twoway.dir(), dbs.erp.url);
                Files.writeString(twoway.dir().resolve("twoway.yaml"), Files.readString(twoway.dir().resolve("twoway.yaml")).replace("state: ./twoway-data", "state: ./disk/twoway-data"));
                Ledger ledger = new Ledger();
                Scenario.seed(dbs, ledger, 200, 100, 50);
                Checker checker = new Checker(dbs, twoway);
                twoway.start();
                try {
                    checker.awaitQuiescence(Duration.ofSeconds(90));
                    try (RandomWriters writers = new RandomWriters(dbs, ledger, 20).start()) {
                        Thread.sleep(2_000);
                        Path device = Path.of(output("findmnt", "-n", "-o", "SOURCE", disk.toString()).strip());
                        Files.writeString(Path.of("/sys/fs/ext4", device.getFileName().toString(), "trigger_fs_error"), "StateDiskFullIT: the state disk turns read-only\n");
                        assertThat(output("findmnt", "-n", "-o", "OPTIONS", disk.toString())).as("the kernel made the state file system read-only").contains("emergency_ro");
                        long limit = System.nanoTime() + FULL.toNanos();
                        while (System.nanoTime() < limit && twoway.alive()) Thread.sleep(250);
                        awaitStopOnceFailed(twoway);
                        String log = twoway.log();
                        boolean stopped = !twoway.alive();
                        System.out.println("state file system read-only: twoway run " + (stopped ? "stopped" : "kept running") + "; log:\n" + log);
                        TwowayProcess.Result status = twoway.exec("status");
                        System.out.println("twoway status on the read-only state: exit " + status.exit() + "\n" + status.all());
                        assertThat(stopped).as("twoway run stops on a read-only state file system; log:%n%s", log).isTrue();
                        assertThat(log).contains("state store failed, stopping all syncs")
                                .contains(disk.resolve("twoway-data").resolve("state.db").toString() + ": the file system holding it is read-only")
                                .contains("then restart twoway, it resumes where it stopped");
                        assertThat(status.exit()).as("twoway status on the read-only state directory: %s", status.all()).isNotZero();
                        assertThat(status.all()).contains(disk.resolve("twoway-data").toString()).contains("read-only");
                        writers.pause();
                        // The operator's fix: the file system back in order, writable again.
                        run("umount", disk.toString());
                        fsck(image);
                        mountExt4(image, disk);
                        twoway.start();
                        figures.max("max drain after outage (ms)", checker.awaitQuiescence(Duration.ofSeconds(150)).toMillis()).add("outages survived", 1);
                        writers.resume();
                        Thread.sleep(2_000);
                    }
                    Verdict verdict = KillNineIT.converge(twoway, dbs, ledger, figures);
                    figures.add("records written", ledger.writes());
                    assertThat(verdict.examples()).as("findings after a read-only state file system; twoway's log:%n%s", twoway.log()).isEmpty();
                    assertThat(verdict.clean()).isTrue();
                } finally {
                    twoway.stop();
                }
            } finally {
                unmount(disk);
            }
        }
        figures.add("rounds", soak.rounds()).add("seconds", (System.nanoTime() - started) / 1_000_000_000L).publish();
    }

    private static void mountExt4(Path image, Path dir) throws Exception {
        run("mount", "-o", "loop,errors=remount-ro", image.toString(), dir.toString());
    }

    /** e2fsck -fy: 0 clean, 1 errors corrected (the free counts after the journal was aborted); more is a failure. */
    private static void fsck(Path image) throws Exception {
        Process p = new ProcessBuilder("e2fsck", "-fy", image.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() > 1) throw new AssertionError("e2fsck -fy " + image + " failed: " + out);
    }

    private static String output(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    private static void mount(Path dir) throws Exception {
        run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", dir.toString());
    }

    /** Lazily, and only if still mounted (a failed fix may have left it unmounted). */
    private static void unmount(Path dir) throws Exception {
        if (new ProcessBuilder("mountpoint", "-q", dir.toString()).start().waitFor() == 0) run("umount", "-l", dir.toString());
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (these scenarios mount small file systems and need root): " + new String(p.getInputStream().readAllBytes()));
        }
    }

    /** Writes zeros until the file system refuses: every free byte taken. */
    private static void fill(Path filler) throws IOException {
        for (int size : new int[]{64 * 1024, 512}) { // big blocks, then the last bytes
            byte[] block = new byte[size];
            try (OutputStream out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
                while (true) {
                    out.write(block);
                    out.flush();
                }
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
            }
        }
    }

    /**
     * Once twoway has logged that the state store failed, its stop finishes the batches in flight (up to 30 s, see
     * EngineRuntime.stop): waits for that exit too, so a slow stop under load is not taken for "kept running".
     */
    private static void awaitStopOnceFailed(TwowayProcess twoway) throws Exception {
        long stopping = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (twoway.alive() && twoway.log().contains("state store failed") && System.nanoTime() < stopping) Thread.sleep(250);
    }
}
