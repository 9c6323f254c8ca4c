package io.github.pgrepl.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures this JVM between {@link #start} and {@link #stop}: process CPU (all threads: the client's,
 * the JIT's and the GC's), bytes allocated by every thread, the peak of the heap pools, and the
 * process's peak resident memory.
 */
final class Meter {

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP).toList();

    private long startNanos;
    private long startCpu;
    private Map<Long, Long> startAllocated;

    void start() {
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        startAllocated = allocatedByThread();
        startCpu = os.getProcessCpuTime();
        startNanos = System.nanoTime();
    }

    Measurement stop(long messages, long bytes) {
        long nanos = System.nanoTime() - startNanos;
        long cpu = os.getProcessCpuTime() - startCpu;
        long allocated = 0;
        for (Map.Entry<Long, Long> thread : allocatedByThread().entrySet()) {
            allocated += thread.getValue() - startAllocated.getOrDefault(thread.getKey(), 0L);
        }
        long peakHeap = heapPools.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
        return new Measurement(messages, bytes, nanos, cpu, allocated, peakHeap, peakRss());
    }

    /** VmHWM: the most resident memory this process has had, as /usr/bin/time reports for pg_recvlogical. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: unknown
        }
        return -1;
    }

    private Map<Long, Long> allocatedByThread() {
        long[] ids = threads.getAllThreadIds();
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        Map<Long, Long> byThread = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                byThread.put(ids[i], bytes[i]);
            }
        }
        return byThread;
    }
}
