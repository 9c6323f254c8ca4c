package io.github.pgrepl.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

/**
 * Latency over time as a PNG (Java2D): one panel per rate, one line per consumer (its round of median p99), each point
 * the highest latency of a {@value #BIN_SECONDS} s bin, on a logarithmic axis in milliseconds.
 */
final class LatencyChart {

    private static final double BIN_SECONDS = 0.25;
    private static final int WIDTH = 1400;
    private static final int PANEL_HEIGHT = 300;
    private static final int LEFT = 90;
    private static final int RIGHT = 260;
    private static final int TOP = 80;
    private static final int GAP = 60;
    private static final Color[] COLORS = {
            new Color(0x4C, 0x72, 0xB0), new Color(0x55, 0xA8, 0x68), new Color(0xDD, 0x84, 0x52), new Color(0xC4, 0x4E, 0x52),
            new Color(0x81, 0x72, 0xB3), new Color(0x93, 0x78, 0x60)};
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    private LatencyChart() {
    }

    static void write(List<LatencyHarness.Round> results, String subtitle, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<Integer, Map<String, List<LatencyHarness.Round>>> byRate = new LinkedHashMap<>();
        List<String> consumers = new ArrayList<>();
        for (LatencyHarness.Round r : results) {
            byRate.computeIfAbsent(r.rate(), k -> new LinkedHashMap<>()).computeIfAbsent(r.consumer(), k -> new ArrayList<>()).add(r);
            if (!consumers.contains(r.consumer())) {
                consumers.add(r.consumer());
            }
        }
        int height = TOP + byRate.size() * (PANEL_HEIGHT + GAP) + 20;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        g.setFont(TITLE);
        g.drawString("Commit to consumer latency over time (highest per " + BIN_SECONDS + " s, log scale)", 20, 30);
        g.setFont(TEXT);
        g.drawString(subtitle, 20, 52);
        int top = TOP;
        for (Map.Entry<Integer, Map<String, List<LatencyHarness.Round>>> rate : byRate.entrySet()) {
            List<double[][]> lines = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            double maxSeconds = 1;
            double maxMs = 1;
            for (Map.Entry<String, List<LatencyHarness.Round>> consumer : rate.getValue().entrySet()) {
                List<LatencyHarness.Round> rounds = new ArrayList<>(consumer.getValue());
                rounds.sort((a, b) -> Long.compare(a.p99(), b.p99()));
                LatencyHarness.Round median = rounds.get(rounds.size() / 2);
                double[][] bins = bins(median.series());
                lines.add(bins);
                labels.add(consumer.getKey());
                for (double[] bin : bins) {
                    maxSeconds = Math.max(maxSeconds, bin[0] + BIN_SECONDS);
                    maxMs = Math.max(maxMs, bin[1]);
                }
            }
            double minMs = 0.1;
            double topMs = Math.pow(10, Math.ceil(Math.log10(maxMs)));
            int plotWidth = WIDTH - LEFT - RIGHT;
            g.setColor(Color.BLACK);
            g.setFont(TEXT);
            g.drawString(String.format(Locale.ROOT, "%,d transactions/s", rate.getKey()), LEFT, top - 8);
            g.setColor(Color.DARK_GRAY);
            g.drawRect(LEFT, top, plotWidth, PANEL_HEIGHT);
            g.setFont(SMALL);
            for (double ms = minMs; ms <= topMs * 1.001; ms *= 10) {
                int y = y(ms, minMs, topMs, top);
                g.setColor(new Color(0xDD, 0xDD, 0xDD));
                g.drawLine(LEFT + 1, y, LEFT + plotWidth - 1, y);
                g.setColor(Color.BLACK);
                g.drawString(ms < 1 ? String.format(Locale.ROOT, "%.1f ms", ms) : String.format(Locale.ROOT, "%,.0f ms", ms),
                        20, y + 4);
            }
            for (int s = 0; s <= maxSeconds; s += Math.max(1, (int) (maxSeconds / 10))) {
                int x = LEFT + (int) Math.round(plotWidth * s / maxSeconds);
                g.drawString(s + " s", x - 6, top + PANEL_HEIGHT + 14);
            }
            for (int i = 0; i < lines.size(); i++) {
                g.setColor(COLORS[consumers.indexOf(labels.get(i)) % COLORS.length]);
                g.setStroke(new BasicStroke(1.6f));
                int px = -1;
                int py = -1;
                for (double[] bin : lines.get(i)) {
                    int x = LEFT + (int) Math.round(plotWidth * (bin[0] + BIN_SECONDS / 2) / maxSeconds);
                    int y = y(Math.max(minMs, bin[1]), minMs, topMs, top);
                    if (px >= 0) {
                        g.drawLine(px, py, x, y);
                    }
                    px = x;
                    py = y;
                }
                g.setStroke(new BasicStroke(1));
                g.fillRect(LEFT + plotWidth + 20, top + 10 + 20 * i, 14, 10);
                g.setColor(Color.BLACK);
                g.setFont(TEXT);
                g.drawString(labels.get(i), LEFT + plotWidth + 40, top + 20 + 20 * i);
            }
            top += PANEL_HEIGHT + GAP;
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static int y(double ms, double minMs, double topMs, int top) {
        double f = (Math.log10(ms) - Math.log10(minMs)) / (Math.log10(topMs) - Math.log10(minMs));
        return top + PANEL_HEIGHT - (int) Math.round(PANEL_HEIGHT * Math.min(1, Math.max(0, f)));
    }

    /** The series file's transactions as (bin start in seconds, highest latency in ms) per bin. */
    private static double[][] bins(Path series) throws IOException {
        List<String> lines = Files.readAllLines(series);
        Map<Integer, Double> highest = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            int comma = line.indexOf(',');
            int bin = (int) (Double.parseDouble(line.substring(0, comma)) / BIN_SECONDS);
            highest.merge(bin, Long.parseLong(line.substring(comma + 1)) / 1e3, Math::max);
        }
        return highest.entrySet().stream().map(e -> new double[] {e.getKey() * BIN_SECONDS, e.getValue()})
                .toArray(double[][]::new);
    }
}
