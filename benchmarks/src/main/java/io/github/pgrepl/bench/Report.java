package io.github.pgrepl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The results as a text table (stdout and README), a CSV file, and the figures the chart draws. */
final class Report {

    private static final String HEADER = "| workload | format | consumer | seconds | rounds (s) | msgs/s | MB/s | × pg_recvlogical"
            + " | CPU s | CPU µs/msg | w/o JIT µs/msg | alloc B/msg | peak heap MB | peak RSS MB |";

    private Report() {
    }

    /** One line per consumer and group: its median round. */
    static String table(List<Result> results) {
        StringBuilder out = new StringBuilder(HEADER).append('\n')
                .append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            Measurement m = r.measurement();
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %s | %,.0f | %.1f | %.2f | %.2f | %.2f | %s | %s | %s | %.0f |%n",
                    r.workload().label(), r.format().label(), r.consumer().label(), m.seconds(), r.spread(),
                    r.messagesPerSecond(), r.megabytesPerSecond(), r.ratio(), m.cpuNanos() / 1e9, r.cpuMicrosPerMessage(),
                    orDash(r.cpuMicrosPerMessageWithoutJit(), "%.2f"), orDash(r.allocatedBytesPerMessage(), "%.0f"),
                    orDash(m.peakHeapBytes() < 0 ? -1 : m.peakHeapBytes() / 1048576.0, "%.0f"), m.peakRssBytes() / 1048576.0));
        }
        return out.toString();
    }

    private static String orDash(double value, String format) {
        return value < 0 ? "–" : String.format(Locale.ROOT, format, value);
    }

    /** Every round of every consumer; {@code median} marks the round the table shows. */
    static void writeCsv(List<Result> results, Path file) throws IOException {
        StringBuilder out = new StringBuilder("workload,format,consumer,round,median,seconds,messages,bytes,messages_per_s,"
                + "mb_per_s,median_ratio_to_pg_recvlogical,cpu_s,jit_cpu_s,cpu_us_per_message,allocated_bytes_per_message,"
                + "peak_heap_bytes,peak_rss_bytes\n");
        for (Result r : results) {
            Measurement median = r.measurement();
            for (int i = 0; i < r.rounds().size(); i++) {
                Measurement m = r.rounds().get(i);
                out.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%b,%.4f,%d,%d,%.1f,%.3f,%.4f,%.4f,%.4f,%.4f,%.1f,%d,%d%n",
                        r.workload().label(), r.format().label(), r.consumer().label(), i + 1, m == median, m.seconds(),
                        m.messages(), m.bytes(), m.messages() / m.seconds(), m.bytes() / 1e6 / m.seconds(), r.ratio(),
                        m.cpuNanos() / 1e9, m.jitCpuNanos() / 1e9, m.cpuNanos() / 1e3 / m.messages(),
                        m.allocatedBytes() < 0 ? -1.0 : (double) m.allocatedBytes() / m.messages(), m.peakHeapBytes(),
                        m.peakRssBytes()));
            }
        }
        Files.writeString(file, out);
    }
}
