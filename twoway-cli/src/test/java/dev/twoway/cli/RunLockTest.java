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

    /** A child process: takes the lock as {@link RunLock#held} does, says so, holds it {@code args[1]} ms, lets go. */
    public static void main(String[] args) throws Exception {
        Optional<RunLock> lock = RunLock.tryAcquire(Path.of(args[0]));
        System.out.println(lock.isPresent() ? "locked" : "busy");
        System.out.flush();
        Thread.sleep(Long.parseLong(args[1]));
        lock.ifPresent(RunLock::close);
    }

    @Test
    void aStartDuringAnotherProcesssProbeWaitsForTheProbeInsteadOfFailing() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process probe = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RunLockTest.class.getName(), state.toString(), "300")
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream()))) {
            assertThat(out.readLine()).isEqualTo("locked");
            assertThat(RunLock.tryAcquire(state)).as("held by the probe at this instant").isEmpty();
            Optional<RunLock> lock = RunLock.acquireForRun(state);
            assertThat(lock).as("taken once the probe let go").isPresent();
            assertThat(Files.readString(RunLock.file(state)).trim()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            assertThat(RunLock.held(state)).as("this process holds it").isTrue();
            lock.get().close();
        } finally {
            assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
