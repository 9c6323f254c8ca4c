package io.github.pgrepl.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

/**
 * Draws the results as a PNG with Java2D: per workload and format, one bar per consumer for its rate
 * as a ratio to pg_recvlogical's (with the 0.97 and 0.90 targets), and one for its CPU per message.
 */
final class Chart {

    private static final int WIDTH = 1400;
    private static final int PANEL_TOP = 90;
    private static final int BAR = 18;
    private static final int GROUP_GAP = 26;
    private static final Color[] COLORS = {
            new Color(0x4C, 0x72, 0xB0), new Color(0xDD, 0x84, 0x52), new Color(0x55, 0xA8, 0x68), new Color(0xC4, 0x4E, 0x52),
            new Color(0x81, 0x72, 0xB3), new Color(0x93, 0x78, 0x60), new Color(0x8C, 0x8C, 0x8C), new Color(0x64, 0xB5, 0xCD)};
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    private Chart() {
    }

    static void write(List<Result> results, String subtitle, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<Result>> groups = new LinkedHashMap<>();
        for (Result result : results) {
            groups.computeIfAbsent(result.group(), g -> new ArrayList<>()).add(result);
        }
        int consumers = Consumer.values().length;
        int panelHeight = groups.size() * (consumers * BAR + GROUP_GAP);
        int height = PANEL_TOP + panelHeight + 70;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        g.setFont(TITLE);
        g.drawString("pgrepl benchmarks: the same WAL, consumed one client after the other", 20, 30);
        g.setFont(TEXT);
        g.drawString(subtitle, 20, 52);

        double maxRatio = Math.max(1.1, results.stream().mapToDouble(Result::ratio).max().orElse(1));
        double maxCpu = results.stream().mapToDouble(Result::cpuMicrosPerMessage).max().orElse(1);
        // Median rounds; the CPU panel counts every thread of the client, the JIT compiler's included.
        panel(g, groups, 200, 480, "rate ÷ pg_recvlogical's rate", maxRatio, Result::ratio, "%.2f", new double[] {0.90, 0.97, 1.0});
        panel(g, groups, 870, 480, "client CPU µs per message", maxCpu * 1.1, Result::cpuMicrosPerMessage, "%.2f", new double[0]);
        legend(g, PANEL_TOP + panelHeight + 40);
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static void panel(Graphics2D g, Map<String, List<Result>> groups, int left, int width, String title, double max,
                              ToDoubleFunction<Result> value, String format, double[] marks) {
        g.setFont(TEXT);
        g.setColor(Color.BLACK);
        g.drawString(title, left, PANEL_TOP - 12);
        int y = PANEL_TOP;
        for (Map.Entry<String, List<Result>> group : groups.entrySet()) {
            if (left < 400) {
                g.setFont(TEXT);
                g.setColor(Color.BLACK);
                g.drawString(group.getKey(), 20, y + 2 * BAR);
            }
            for (Result result : group.getValue()) {
                double v = value.applyAsDouble(result);
                int w = (int) Math.round(width * v / max);
                g.setColor(COLORS[result.consumer().ordinal()]);
                g.fillRect(left, y + 2, Math.max(w, 1), BAR - 4);
                g.setFont(SMALL);
                g.setColor(Color.BLACK);
                g.drawString(String.format(Locale.ROOT, format, v), left + w + 4, y + BAR - 5);
                y += BAR;
            }
            y += GROUP_GAP;
        }
        int bottom = y - GROUP_GAP + 4;
        g.setColor(Color.DARK_GRAY);
        g.drawLine(left, PANEL_TOP, left, bottom);
        g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 4}, 0));
        g.setFont(SMALL);
        for (int i = 0; i < marks.length; i++) {
            int x = left + (int) Math.round(width * marks[i] / max);
            g.setColor(marks[i] == 1.0 ? Color.BLACK : Color.GRAY);
            g.drawLine(x, PANEL_TOP - 4, x, bottom + 12 * i);
            g.drawString(String.format(Locale.ROOT, "%.2f", marks[i]), x - 10, bottom + 14 + 12 * i);
        }
        g.setStroke(new BasicStroke(1));
    }

    private static void legend(Graphics2D g, int y) {
        int x = 200;
        g.setFont(TEXT);
        for (Consumer consumer : Consumer.values()) {
            g.setColor(COLORS[consumer.ordinal()]);
            g.fillRect(x, y - 12, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(consumer.label(), x + 20, y);
            x += 170;
        }
    }
}
