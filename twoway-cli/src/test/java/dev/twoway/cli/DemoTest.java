package dev.twoway.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DemoTest {
    @TempDir
    Path dir;

    @Test
    void theDemoSyncsBothWaysResolvesTheConflictAndVerifiesTheAuditChain() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int exit = Twoway.commandLine().setOut(new java.io.PrintWriter(buf, true))
                .execute("demo", "--dir", dir.toString());
        // The demo prints to System.out; run it directly to capture its report.
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        new Demo(dir.resolve("again"), new PrintStream(report, true, StandardCharsets.UTF_8)).run();
        String out = report.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        // the shared customer matched by email, not duplicated: 4 people on each side after the initial sync
        assertThat(out).contains("Edsger   Dijkstra  +31 20 4444  silver      |");
        assertThat(out).contains("Ada King         +44 20 1111  2"); // name from the CRM and tier from the ERP both kept
        assertThat(out).contains("Ada      King      +44 20 6666  silver      | Ada King         +44 20 6666  2"); // the later edit won
        assertThat(out).contains("\"policy\":\"last-write-wins\"").contains("\"loser\"");
        String afterDelete = out.substring(out.indexOf("5. Grace is deleted"), out.indexOf("6. The audit trail"));
        assertThat(afterDelete.lines().skip(1)).as("Grace is gone from both sides").noneMatch(l -> l.contains("Grace"));
        assertThat(out).contains("chain: intact");
        assertThat(out).contains("status: 0 queued writes, 0 open conflicts, 0 dead letters");
        assertThat(dir.resolve("state.db")).exists();
    }

    @Test
    void everyCommandShowsAnExampleInItsHelp() {
        for (String cmd : new String[]{"demo"}) {
            java.io.StringWriter help = new java.io.StringWriter();
            Twoway.commandLine().setOut(new java.io.PrintWriter(help)).execute(cmd, "--help");
            assertThat(help.toString()).as(cmd).contains("Example:");
        }
    }

    @Test
    void anUnknownOptionIsAnArgumentErrorWithExitCode2() {
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = Twoway.commandLine().setErr(new java.io.PrintWriter(err)).execute("demo", "--no-such-option");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--no-such-option");
    }
}
