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
 * The disk holding the state store fills up while writers edit both databases: the state directory is on a 24 MB
 * tmpfs the test mounts (it needs root, as the suite has in CI), and a filler file takes every free byte. twoway
 * stops every sync and exits with "the disk is full; free space and restart twoway, it resumes where it stopped";
 * once the filler is removed and twoway restarted, everything converges with nothing lost.
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

    private static void mount(Path dir) throws Exception {
        run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", dir.toString());
    }

    private static void unmount(Path dir) throws Exception {
        run("umount", "-l", dir.toString());
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (this scenario mounts a small tmpfs and needs root): " + new String(p.getInputStream().readAllBytes()));
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
}
