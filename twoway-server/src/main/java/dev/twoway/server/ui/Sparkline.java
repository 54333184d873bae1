package dev.twoway.server.ui;

import java.util.List;
import java.util.Locale;

/** Points for an inline SVG polyline (a sparkline) in a {@value #WIDTH}×{@value #HEIGHT} box, drawn by the template. */
public final class Sparkline {
    public static final int WIDTH = 240;
    public static final int HEIGHT = 36;

    private Sparkline() {
    }

    /** {@code x,y} pairs, the first value at the left; an empty string for no values. The highest value touches the top. */
    public static String points(List<? extends Number> values) {
        if (values.isEmpty()) return "";
        double max = values.stream().mapToDouble(Number::doubleValue).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        int n = values.size();
        for (int i = 0; i < n; i++) {
            double x = n == 1 ? WIDTH : (double) i * WIDTH / (n - 1);
            double y = max <= 0 ? HEIGHT - 1 : HEIGHT - 1 - values.get(i).doubleValue() / max * (HEIGHT - 3);
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
        }
        return sb.toString();
    }
}
