package io.github.pgrepl.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one consumer did between the first byte and the last: XLogData messages and their payload
 * bytes, wall and CPU time (and the part of it the JIT compiler threads used), heap allocated, peak heap
 * and the process's peak resident memory. A child JVM prints it as one line that the harness parses;
 * -1 means not measured (pg_recvlogical has no Java heap and no JIT).
 */
record Measurement(long messages, long bytes, long nanos, long cpuNanos, long jitCpuNanos, long allocatedBytes,
                   long peakHeapBytes, long peakRssBytes) {

    static final String PREFIX = "MEASUREMENT";

    double seconds() {
        return nanos / 1e9;
    }

    /** CPU time less the JIT compiler threads': the client's steady-state cost; -1 when not known. */
    long cpuNanosWithoutJit() {
        return jitCpuNanos < 0 ? -1 : cpuNanos - jitCpuNanos;
    }

    String toLine() {
        return PREFIX + " messages=" + messages + " bytes=" + bytes + " nanos=" + nanos + " cpuNanos=" + cpuNanos + " jitCpuNanos=" + jitCpuNanos
                + " allocatedBytes=" + allocatedBytes + " peakHeapBytes=" + peakHeapBytes + " peakRssBytes=" + peakRssBytes;
    }

    static Measurement parse(String line) {
        Map<String, Long> fields = new LinkedHashMap<>();
        for (String part : line.substring(PREFIX.length()).trim().split(" ")) {
            int eq = part.indexOf('=');
            fields.put(part.substring(0, eq), Long.parseLong(part.substring(eq + 1)));
        }
        return new Measurement(fields.get("messages"), fields.get("bytes"), fields.get("nanos"), fields.get("cpuNanos"),
                fields.get("jitCpuNanos"), fields.get("allocatedBytes"), fields.get("peakHeapBytes"), fields.get("peakRssBytes"));
    }

    /** The same figures without message and byte counts: for a consumer that sees rows, not XLogData. */
    Measurement withoutCounts() {
        return withCounts(-1, -1);
    }

    /** The same figures with the message and byte counts of another consumer of the same WAL. */
    Measurement withCounts(long messages, long bytes) {
        return new Measurement(messages, bytes, nanos, cpuNanos, jitCpuNanos, allocatedBytes, peakHeapBytes, peakRssBytes);
    }
}
