package dev.twoway.bench;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The physical limit an initial sync is compared with: the fastest plain JDBC copy of the same rows between the same
 * servers, without any bookkeeping. PostgreSQL → MariaDB: {@code COPY … TO STDOUT} streamed into batched INSERTs that
 * the MariaDB driver rewrites into multi-row statements; MariaDB → PostgreSQL: a streaming SELECT fed into
 * {@code COPY … FROM STDIN}. Both commit every {@value #BATCH} rows, like twoway's delivery commits per batch.
 */
final class PlainCopy {
    static final int BATCH = 1_000;

    private PlainCopy() {
    }

    /** Copies {@code from} in PostgreSQL into the empty {@code to} in MariaDB; returns the rows copied. */
    static long postgresToMariadb(BenchDatabase pg, String from, BenchDatabase my, String to, List<String> columns) throws SQLException {
        String cols = String.join(", ", columns);
        String insert = "INSERT INTO " + to + " (" + cols + ") VALUES (" + String.join(", ", columns.stream().map(c -> "?").toList()) + ")";
        int active = columns.indexOf("active");
        long copied = 0;
        try (Connection src = pg.connect(); Connection dst = my.connectForBulk(); PreparedStatement ps = dst.prepareStatement(insert)) {
            dst.setAutoCommit(false);
            CopyOut out = src.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + cols + " FROM " + from + ") TO STDOUT");
            byte[] line;
            int inBatch = 0;
            while ((line = out.readFromCopy()) != null) {
                List<String> fields = splitCopyLine(new String(line, StandardCharsets.UTF_8));
                for (int i = 0; i < fields.size(); i++) {
                    String v = fields.get(i);
                    if (i == active && v != null) v = v.equals("t") ? "1" : "0";
                    ps.setString(i + 1, v);
                }
                ps.addBatch();
                if (++inBatch == BATCH) {
                    ps.executeBatch();
                    dst.commit();
                    copied += inBatch;
                    inBatch = 0;
                }
            }
            if (inBatch > 0) {
                ps.executeBatch();
                dst.commit();
                copied += inBatch;
            }
        }
        return copied;
    }

    /** Copies {@code from} in MariaDB into the empty {@code to} in PostgreSQL; returns the rows copied. */
    static long mariadbToPostgres(BenchDatabase my, String from, BenchDatabase pg, String to, List<String> columns) throws SQLException {
        String cols = String.join(", ", columns);
        long copied = 0;
        try (Connection src = my.connect(); Connection dst = pg.connect(); Statement read = src.createStatement()) {
            dst.setAutoCommit(false);
            read.setFetchSize(BATCH); // MariaDB Connector/J streams the result set in chunks of this many rows
            var copy = dst.unwrap(PGConnection.class).getCopyAPI();
            try (ResultSet rs = read.executeQuery("SELECT " + cols + " FROM " + from)) {
                int n = columns.size();
                StringBuilder buf = new StringBuilder(256 * BATCH);
                int inBatch = 0;
                boolean more = true;
                while (more) {
                    more = rs.next();
                    if (more) {
                        for (int i = 1; i <= n; i++) {
                            if (i > 1) buf.append('\t');
                            String v = rs.getString(i);
                            if (v == null) buf.append("\\N");
                            else escape(v, buf);
                        }
                        buf.append('\n');
                        inBatch++;
                    }
                    if (inBatch == BATCH || (!more && inBatch > 0)) {
                        CopyIn in = copy.copyIn("COPY " + to + " (" + cols + ") FROM STDIN");
                        byte[] bytes = buf.toString().getBytes(StandardCharsets.UTF_8);
                        in.writeToCopy(bytes, 0, bytes.length);
                        copied += in.endCopy();
                        dst.commit();
                        buf.setLength(0);
                        inBatch = 0;
                    }
                }
            }
        }
        return copied;
    }

    /** One line of COPY's text format: tab-separated, {@code \N} for NULL, backslash escapes. */
    static List<String> splitCopyLine(String line) {
        List<String> out = new ArrayList<>();
        int end = line.endsWith("\n") ? line.length() - 1 : line.length();
        StringBuilder field = new StringBuilder();
        boolean escaped = false;
        for (int i = 0; i <= end; i++) {
            char ch = i < end ? line.charAt(i) : '\t';
            if (escaped) {
                field.append(switch (ch) { case 't' -> '\t'; case 'n' -> '\n'; case 'r' -> '\r'; case 'N' -> '\0'; default -> ch; });
                escaped = false;
            } else if (ch == '\\') {
                escaped = true;
            } else if (ch == '\t') {
                String f = field.toString();
                out.add(f.equals("\0") ? null : f);
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        return out;
    }

    private static void escape(String v, StringBuilder out) {
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(ch);
            }
        }
    }
}
