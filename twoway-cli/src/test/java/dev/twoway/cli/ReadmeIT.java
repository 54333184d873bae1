package dev.twoway.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's two commands are what the project runs: the test command is exactly what CI runs, and the run
 * command's program part ({@code bin/twoway demo}, after the build it names) is run here against the jar this build
 * just packaged. (Its build part, {@code ./mvnw -q -DskipTests package}, is not run from inside this build: it would
 * rebuild the very target directory the build is using. CI's clean clone exercises it every time.)
 */
class ReadmeIT {
    static final Path REPO = Path.of(System.getProperty("twoway.repo", "..")).toAbsolutePath().normalize();

    static List<String> readmeCommands() throws Exception {
        List<String> lines = Files.readAllLines(REPO.resolve("README.md"));
        int start = lines.indexOf("```bash");
        assertThat(start).as("README starts with a bash block").isBetween(0, 3);
        return lines.subList(start + 1, start + 3).stream().map(l -> l.replaceAll("\\s+#.*$", "").trim()).toList();
    }

    @Test
    void theReadmesTestCommandIsWhatCiRuns() throws Exception {
        String test = readmeCommands().get(1);
        assertThat(test).isEqualTo("./mvnw verify");
        List<String> ci = Files.readAllLines(REPO.resolve(".ci/run"));
        assertThat(ci.getLast()).isEqualTo("./mvnw -B " + test.substring("./mvnw ".length()));
    }

    @Test
    void theReadmesRunCommandShowsTheDemoWorking() throws Exception {
        String run = readmeCommands().getFirst();
        assertThat(run).isEqualTo("./mvnw -q -DskipTests package && bin/twoway demo");
        String program = run.substring(run.indexOf("&&") + 2).trim();
        Path log = Files.createTempFile("readme-demo", ".txt");
        Process p = new ProcessBuilder("bash", "-c", program).directory(REPO.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("twoway demo: a CRM and an ERP").contains("chain: intact")
                .contains("status: 0 queued writes, 0 open conflicts, 1 dead letter");
    }
}
