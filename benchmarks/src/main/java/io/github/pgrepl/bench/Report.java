package io.github.pgrepl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The results as a text table (stdout and README), a CSV file, and the figures the chart draws. */
final class Report {

    private static final String HEADER = "| workload | format | consumer | seconds | msgs/s | MB/s | × pg_recvlogical"
            + " | CPU s | CPU µs/msg | alloc B/msg | peak heap MB | peak RSS MB |";

    private Report() {
    }

    static String table(List<Result> results) {
        StringBuilder out = new StringBuilder(HEADER).append('\n')
                .append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            Measurement m = r.measurement();
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %,.0f | %.1f | %.2f | %.2f | %.2f | %s | %s | %.0f |%n",
                    r.workload().label(), r.format().label(), r.consumer().label(), m.seconds(), r.messagesPerSecond(),
                    r.megabytesPerSecond(), r.ratio(), m.cpuNanos() / 1e9, r.cpuMicrosPerMessage(),
                    r.allocatedBytesPerMessage() < 0 ? "–" : String.format(Locale.ROOT, "%.0f", r.allocatedBytesPerMessage()),
                    m.peakHeapBytes() < 0 ? "–" : String.format(Locale.ROOT, "%.0f", m.peakHeapBytes() / 1048576.0),
                    m.peakRssBytes() / 1048576.0));
        }
        return out.toString();
    }

    static void writeCsv(List<Result> results, Path file) throws IOException {
        StringBuilder out = new StringBuilder("workload,format,consumer,seconds,messages,bytes,messages_per_s,mb_per_s,"
                + "ratio_to_pg_recvlogical,cpu_s,cpu_us_per_message,allocated_bytes_per_message,peak_heap_bytes,peak_rss_bytes\n");
        for (Result r : results) {
            Measurement m = r.measurement();
            out.append(String.format(Locale.ROOT, "%s,%s,%s,%.4f,%d,%d,%.1f,%.3f,%.4f,%.4f,%.4f,%.1f,%d,%d%n",
                    r.workload().label(), r.format().label(), r.consumer().label(), m.seconds(), m.messages(), m.bytes(),
                    r.messagesPerSecond(), r.megabytesPerSecond(), r.ratio(), m.cpuNanos() / 1e9, r.cpuMicrosPerMessage(),
                    r.allocatedBytesPerMessage(), m.peakHeapBytes(), m.peakRssBytes()));
        }
        Files.writeString(file, out);
    }
}
