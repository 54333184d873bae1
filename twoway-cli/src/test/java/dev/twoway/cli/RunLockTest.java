package dev.twoway.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The run lock between processes: a probe by another process (twoway status) must not make a start fail. */
class RunLockTest {
    @TempDir
    Path state;

    /**
     * A child process: takes the lock as {@code args[2]} — {@code probe} ({@link RunLock#held}), {@code command} (an
     * operator's one-off command) or {@code run} — says so, holds it {@code args[1]} ms, lets go.
     */
    public static void main(String[] args) throws Exception {
        Optional<RunLock> lock = switch (args[2]) {
            case "probe" -> RunLock.tryAcquire(Path.of(args[0]), null);
            case "command" -> RunLock.tryAcquire(Path.of(args[0]));
            default -> RunLock.acquireForRun(Path.of(args[0]), args[2]);
        };
        System.out.println(lock.isPresent() ? "locked" : "busy");
        System.out.flush();
        Thread.sleep(Long.parseLong(args[1]));
        lock.ifPresent(RunLock::close);
    }

    private Process child(String mode, long holdMillis) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RunLockTest.class.getName(), state.toString(),
                Long.toString(holdMillis), mode).redirectErrorStream(true).start();
    }

    @Test
    void aStartDuringAnotherProcesssProbeWaitsForTheProbeInsteadOfFailing() throws Exception {
        Process probe = child("probe", 300);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream()))) {
            assertThat(out.readLine()).isEqualTo("locked");
            assertThat(RunLock.tryAcquire(state)).as("held by the probe at this instant").isEmpty();
            Optional<RunLock> lock = RunLock.acquireForRun(state, "run");
            assertThat(lock).as("taken once the probe let go").isPresent();
            assertThat(Files.readString(RunLock.file(state)).trim()).isEqualTo(ProcessHandle.current().pid() + " run");
            assertThat(RunLock.holder(state)).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            assertThat(RunLock.held(state)).as("this process holds it").isTrue();
            lock.get().close();
        } finally {
            assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Found by the reliability suite: twoway deadletters retry with no twoway running, and a run started meanwhile. */
    @Test
    void aStartWaitsForAOneOffCommandThatHoldsTheLockButNotForAnotherRun() throws Exception {
        Process command = child("command", 2_500);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(command.getInputStream()))) {
            assertThat(out.readLine()).isEqualTo("locked");
            assertThat(RunLock.holderPurpose(state)).isEqualTo(RunLock.COMMAND);
            Optional<RunLock> lock = RunLock.acquireForRun(state, "run");
            assertThat(lock).as("taken once the command finished (it held the lock 2.5 s, longer than the 1 s a probe gets)").isPresent();
            assertThat(command.isAlive()).as("only after the command let go").isFalse();
            lock.get().close();
        } finally {
            assertThat(command.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        Process run = child("run", 5_000);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream()))) {
            assertThat(out.readLine()).isEqualTo("locked");
            assertThat(RunLock.acquireForRun(state, "run")).as("another engine holds it: refused, not waited for").isEmpty();
        } finally {
            run.destroy();
            assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
