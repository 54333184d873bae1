package dev.twoway.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Draws the suite's results as one PNG with Java2D: initial sync as a ratio of the plain-copy limit, incremental
 * changes per second, commit→visible latency p50/p95/p99 on a log scale, each panel with its target as a red
 * dashed line, and the ratios twoway ÷ Debezium of the one-way comparison on a log scale (1 marked).
 */
final class BenchChart {
    private static final int WIDTH = 1100;
    private static final int LABEL = 430;
    private static final int BAR = 18;
    private static final Color[] SHADES = {new Color(0x9ecae1), new Color(0x4292c6), new Color(0x08519c)};

    private BenchChart() {
    }

    static void draw(Results results, Path file) throws IOException {
        List<Results.Line> initial = pick(results, l -> l.section().equals("initial") && l.ratio() != null);
        List<Results.Line> incremental = pick(results, l -> l.section().equals("incremental"));
        List<Results.Line> p99 = pick(results, l -> l.section().equals("latency") && l.name().endsWith(" p99"));
        List<Results.Line> peer = pick(results, l -> l.section().equals("peer") && l.ratio() != null);
        int height = 60 + panelHeight(initial.size(), 1) + panelHeight(incremental.size(), 1) + panelHeight(p99.size(), 3)
                + (peer.isEmpty() ? 0 : panelHeight(peer.size(), 1)) + 40;
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("twoway benchmark suite", 20, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(results.notes().isEmpty() ? "" : results.notes().getLast(), 20, 48);
        int y = 70;
        y = linearPanel(g, y, "Initial sync: twoway ÷ plain JDBC copy measured in the same run (target ≥ 0.6)", initial, 1.0, 0.6, true);
        double maxInc = Math.max(20_000, incremental.stream().mapToDouble(Results.Line::value).max().orElse(0)) * 1.1;
        y = linearPanel(g, y, "Incremental: changes/s caught up, both sides writing at once (target ≥ 20,000)", incremental, maxInc, 20_000, false);
        y = latencyPanel(g, y, results, p99);
        if (!peer.isEmpty()) ratioPanel(g, y, peer);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static List<Results.Line> pick(Results r, Predicate<Results.Line> p) {
        return r.lines().stream().filter(p).toList();
    }

    private static int panelHeight(int bars, int perBar) {
        return 50 + Math.max(1, bars) * (BAR * perBar + 10) + 30;
    }

    private static int linearPanel(Graphics2D g, int y, String title, List<Results.Line> lines, double max, double target, boolean ratio) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 20, y + 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int top = y + 40;
        int plotW = WIDTH - LABEL - 60;
        int row = top;
        for (Results.Line l : lines) {
            double v = ratio ? l.ratio() : l.value();
            g.setColor(Color.BLACK);
            g.drawString(l.name(), 20, row + 14);
            g.setColor(SHADES[1]);
            g.fillRect(LABEL, row, (int) (plotW * Math.min(1, v / max)), BAR);
            g.setColor(Color.BLACK);
            g.drawString(ratio ? String.format(Locale.ROOT, "%.3f  (%,.0f of %,.0f rows/s)", v, l.value(), l.baseline())
                    : String.format(Locale.ROOT, "%,.0f", v), LABEL + (int) (plotW * Math.min(1, v / max)) + 6, row + 14);
            row += BAR + 10;
        }
        int bottom = Math.max(row, top + BAR + 10);
        axis(g, top, bottom, plotW, max, ratio);
        targetLine(g, LABEL + (int) (plotW * target / max), top - 6, bottom);
        return bottom + 40;
    }

    private static void axis(Graphics2D g, int top, int bottom, int plotW, double max, boolean ratio) {
        g.setColor(Color.GRAY);
        g.drawLine(LABEL, top - 4, LABEL, bottom);
        g.drawLine(LABEL, bottom, LABEL + plotW, bottom);
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            int x = LABEL + plotW * i / 4;
            g.drawLine(x, bottom, x, bottom + 4);
            g.drawString(ratio ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%,.0f", v), x - 12, bottom + 16);
        }
    }

    private static void targetLine(Graphics2D g, int x, int top, int bottom) {
        g.setColor(Color.RED);
        g.setStroke(new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{6, 4}, 0));
        g.drawLine(x, top, x, bottom);
        g.setStroke(new BasicStroke(1));
    }

    /** Ratios on a log scale from 0.01 to 100 with 1 marked: the one-way comparison twoway ÷ Debezium. */
    private static void ratioPanel(Graphics2D g, int y, List<Results.Line> lines) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("One way PG → MariaDB, twoway ÷ Debezium + JDBC, same run (log; rows/s, changes/s: > 1 twoway faster; ms: < 1 twoway faster)", 20, y + 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int top = y + 40;
        int plotW = WIDTH - LABEL - 60;
        double min = 0.01, max = 100;
        int row = top;
        for (Results.Line l : lines) {
            double v = l.ratio();
            int x = (int) (plotW * Math.log10(Math.max(min, Math.min(max, v)) / min) / Math.log10(max / min));
            g.setColor(Color.BLACK);
            g.drawString(l.name().replace("PG→MariaDB one-way ", ""), 20, row + 14);
            g.setColor(SHADES[l.unit().equals("ms") ? 2 : 1]);
            g.fillRect(LABEL, row, Math.max(1, x), BAR);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.2f  (%,.0f vs %,.0f %s)", v, l.value(), l.baseline(), l.unit()), LABEL + Math.max(1, x) + 6, row + 14);
            row += BAR + 10;
        }
        int bottom = Math.max(row, top + BAR + 10);
        g.setColor(Color.GRAY);
        g.drawLine(LABEL, top - 4, LABEL, bottom);
        g.drawLine(LABEL, bottom, LABEL + plotW, bottom);
        for (int e = 0; e <= 4; e++) {
            int x = LABEL + plotW * e / 4;
            g.drawLine(x, bottom, x, bottom + 4);
            String tick = new String[]{"0.01", "0.1", "1", "10", "100"}[e];
            g.drawString(tick, x - g.getFontMetrics().stringWidth(tick) / 2, bottom + 16);
        }
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{6, 4}, 0));
        g.drawLine(LABEL + plotW / 2, top - 6, LABEL + plotW / 2, bottom);
        g.setStroke(new BasicStroke(1));
    }

    private static int latencyPanel(Graphics2D g, int y, Results results, List<Results.Line> p99) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("Latency commit → visible in the other database, ms (log scale; p50 / p95 / p99; target p99 ≤ 100 ms, PG triggers, light)", 20, y + 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int top = y + 40;
        int plotW = WIDTH - LABEL - 60;
        double min = 1, max = 100_000;
        int row = top;
        for (Results.Line l : p99) {
            String base = l.name().substring(0, l.name().length() - 4);
            g.setColor(Color.BLACK);
            g.drawString(base, 20, row + 2 * BAR);
            String[] qs = {" p50", " p95", " p99"};
            for (int i = 0; i < 3; i++) {
                String q = qs[i];
                double v = results.lines().stream().filter(x -> x.name().equals(base + q)).mapToDouble(Results.Line::value).findFirst().orElse(-1);
                int w = v <= 0 ? 1 : (int) (plotW * Math.log10(Math.max(min, v) / min) / Math.log10(max / min));
                g.setColor(SHADES[i]);
                g.fillRect(LABEL, row, Math.max(1, w), BAR);
                g.setColor(Color.BLACK);
                g.drawString(q.strip() + " " + String.format(Locale.ROOT, "%,.0f", v), LABEL + Math.max(1, w) + 6, row + 14);
                row += BAR;
            }
            row += 10;
        }
        int bottom = Math.max(row, top + BAR + 10);
        g.setColor(Color.GRAY);
        g.drawLine(LABEL, top - 4, LABEL, bottom);
        g.drawLine(LABEL, bottom, LABEL + plotW, bottom);
        for (int e = 0; e <= 5; e++) {
            int x = LABEL + plotW * e / 5;
            g.drawLine(x, bottom, x, bottom + 4);
            g.drawString(String.format(Locale.ROOT, "%,.0f", Math.pow(10, e)), x - 10, bottom + 16);
        }
        targetLine(g, LABEL + plotW * 2 / 5, top - 6, bottom);
        return bottom + 40;
    }
}
