package dev.twoway.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;

import static org.assertj.core.api.Assertions.assertThat;

class DemoTest {
    @TempDir
    Path dir;

    @Test
    void theDemoSyncsTwoSqliteDatabasesBothWaysThroughItsConfigAndVerifiesTheAuditChain() throws Exception {
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        new Demo(dir, new PrintStream(report, true, StandardCharsets.UTF_8)).run();
        String out = report.toString(StandardCharsets.UTF_8);
        // the shared customer matched by email, not duplicated: 4 people on each side after the initial sync
        assertThat(out).contains("Edsger   Dijkstra  +31 20 4444  silver | Edsger Dijkstra  +31 20 4444  2");
        assertThat(out).contains("Ada      King      +44 20 1111  silver | Ada King         +44 20 1111  2"); // both edits kept
        assertThat(out).contains("open conflict 1 on field 'phone': [crm says +44 20 5555, erp says +44 20 6666]");
        assertThat(out).contains("Ada      King      +44 20 6666  silver | Ada King         +44 20 6666  2"); // the person's choice
        assertThat(out).contains("user:demo-user").contains("customer confirmed");
        String afterDelete = out.substring(out.indexOf("5. Grace is deleted"), out.indexOf("6. The audit trail"));
        assertThat(afterDelete.lines().skip(1)).as("Grace is gone from both sides").noneMatch(l -> l.contains("Grace"));
        assertThat(afterDelete).contains("dead letter 1: ").contains("an email address needs an @");
        assertThat(out).contains("chain: intact");
        assertThat(out).contains("status: 0 queued writes, 0 open conflicts, 1 dead letter");
        // The databases themselves hold the result, not only the report.
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("erp.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*), sum(Email = 'grace@example.com'), sum(Email = 'not-an-email') FROM Customer")) {
            assertThat(rs.getInt(1)).isEqualTo(3);
            assertThat(rs.getInt(2)).isZero();
            assertThat(rs.getInt(3)).as("the invalid contact did not reach the ERP").isZero();
        }
        assertThat(dir.resolve("twoway.yaml")).exists();
        assertThat(dir.resolve("state/state.db")).exists();
    }

    @Test
    void anUnknownOptionIsAnArgumentErrorWithExitCode2() {
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = Twoway.commandLine().setErr(new java.io.PrintWriter(err)).execute("demo", "--no-such-option");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--no-such-option");
    }
}
