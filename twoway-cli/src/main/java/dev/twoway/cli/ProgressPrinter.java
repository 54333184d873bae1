package dev.twoway.cli;

import dev.twoway.engine.SyncPass;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shows the progress of long work: on a terminal one line redrawn in place with a bar (when the total is known),
 * otherwise a plain log line every few seconds, so a log file is not flooded with carriage returns. Thread-safe:
 * the capture loops of {@code twoway run} report from several threads.
 */
final class ProgressPrinter implements SyncPass.Progress {
    private final PrintStream out;
    private final boolean terminal;
    private final Map<String, Long> totals;
    private final Map<String, Long> read = new LinkedHashMap<>();
    private final Map<String, Long> written = new LinkedHashMap<>();
    private final long started = System.nanoTime();
    private long lastPrint;
    private boolean drawn;

    /** @param totals per {@code sync/endpoint}, the rows an initial snapshot will read, where known */
    ProgressPrinter(PrintStream out, boolean terminal, Map<String, Long> totals) {
        this.out = out;
        this.terminal = terminal;
        this.totals = Map.copyOf(totals);
    }

    /** Whether standard output is a terminal (Console.isTerminal exists from Java 22; on 21 a console means one). */
    static boolean stdoutIsTerminal() {
        java.io.Console c = System.console();
        if (c == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    @Override
    public synchronized void captured(String sync, String endpoint, long changesSoFar) {
        read.put(sync + "/" + endpoint, changesSoFar);
        maybePrint();
    }

    @Override
    public synchronized void delivered(String sync, String endpoint, long writesSoFar) {
        written.put(sync + "/" + endpoint, writesSoFar);
        maybePrint();
    }

    private void maybePrint() {
        long now = System.nanoTime();
        long every = terminal ? 200_000_000L : 5_000_000_000L;
        if (now - lastPrint < every) return;
        lastPrint = now;
        if (terminal) {
            out.print("\r" + line() + "\u001b[K");
            drawn = true;
        } else {
            out.println("progress: " + line());
        }
        out.flush();
    }

    private String line() {
        StringBuilder b = new StringBuilder();
        for (var e : read.entrySet()) {
            Long total = totals.get(e.getKey());
            b.append(e.getKey()).append(" read ").append(String.format("%,d", e.getValue()));
            if (total != null && total > 0) {
                b.append('/').append(String.format("%,d", total));
                if (terminal) b.append(' ').append(bar(Math.min(1.0, e.getValue() / (double) total)));
            }
            b.append("  ");
        }
        for (var e : written.entrySet()) b.append(e.getKey()).append(" written ").append(String.format("%,d", e.getValue())).append("  ");
        double secs = (System.nanoTime() - started) / 1e9;
        long moved = read.values().stream().mapToLong(Long::longValue).sum() + written.values().stream().mapToLong(Long::longValue).sum();
        return b.append(String.format("(%.0f s, %,.0f/s)", secs, moved / Math.max(secs, 0.001))).toString();
    }

    private static String bar(double fraction) {
        int n = (int) Math.round(fraction * 20);
        return "[" + "#".repeat(n) + "-".repeat(20 - n) + "] " + Math.round(fraction * 100) + "%";
    }

    /** Ends the redrawn line before other output follows. */
    synchronized void finish() {
        if (drawn) out.println();
        drawn = false;
    }
}
