package io.github.pgrepl.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.DirectoryStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measures this JVM between {@link #start} and {@link #stop}: process CPU (all threads: the client's,
 * the JIT's and the GC's) and the JIT compiler threads' share of it, bytes allocated by every thread, the
 * peak of the heap pools, and the process's peak resident memory.
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
    private Map<String, Long> startTaskCpu;
    private Map<String, Long> startTaskSystemCpu;
    private Map<String, Long> startTaskSleeps;
    private String breakdown = "";
    /** Linux's USER_HZ: /proc counts CPU time in ticks of 10 ms. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    void start() {
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        startAllocated = allocatedByThread();
        startTaskCpu = cpuByTask();
        startTaskSystemCpu = systemCpuByTask();
        startTaskSleeps = sleepsByTask();
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
        Map<String, Long> used = usedByThreadName();
        breakdown = breakdown(used) + " " + systemBreakdown() + " " + sleeps();
        long jit = used.isEmpty() ? -1 : NANOS_PER_TICK * used.entrySet().stream()
                .filter(thread -> thread.getKey().contains("CompilerThre")).mapToLong(Map.Entry::getValue).sum();
        long peakHeap = heapPools.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
        return new Measurement(messages, bytes, nanos, cpu, jit, allocated, peakHeap, peakRss());
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

    /** Where the CPU went, by OS thread (Java threads, GC and JIT compiler threads alike); Linux only. */
    String cpuBreakdown() {
        return breakdown;
    }

    private static String breakdown(Map<String, Long> used) {
        StringBuilder out = new StringBuilder("CPU by thread (ticks of 10 ms):");
        used.forEach((name, ticks) -> out.append(' ').append(name).append('=').append(ticks));
        return out.toString();
    }

    /** The system (kernel) part of each busy thread's CPU: its syscalls (reads, polls, wake-ups), in ticks of 10 ms. */
    private String systemBreakdown() {
        Map<String, Long> system = new TreeMap<>();
        systemCpuByTask().forEach((task, ticks) -> {
            long delta = ticks - startTaskSystemCpu.getOrDefault(task, 0L);
            if (delta > 0) {
                system.merge(task.substring(task.indexOf(' ') + 1).replaceAll("[0-9]+$", "#"), delta, Long::sum);
            }
        });
        StringBuilder out = new StringBuilder("of which system:");
        system.forEach((name, ticks) -> out.append(' ').append(name).append('=').append(ticks));
        return out.toString();
    }

    /** Ticks used since {@link #start} by thread name (numbered threads of a pool summed), "C2 CompilerThre" included. */
    private Map<String, Long> usedByThreadName() {
        Map<String, Long> now = cpuByTask();
        Map<String, Long> used = new TreeMap<>();
        now.forEach((task, ticks) -> {
            long delta = ticks - startTaskCpu.getOrDefault(task, 0L);
            String name = task.substring(task.indexOf(' ') + 1).replaceAll("[0-9]+$", "#");
            if (delta > 0) {
                used.merge(name, delta, Long::sum);
            }
        });
        return used;
    }

    /**
     * How often each busy thread blocked (voluntary context switches): every one is a wake-up that the
     * thread sending to it, the walsender here, paid for.
     */
    private String sleeps() {
        Map<String, Long> sleeps = new TreeMap<>();
        sleepsByTask().forEach((task, count) -> {
            long delta = count - startTaskSleeps.getOrDefault(task, 0L);
            String name = task.substring(task.indexOf(' ') + 1).replaceAll("[0-9]+$", "#");
            if (delta > 100) {
                sleeps.merge(name, delta, Long::sum);
            }
        });
        StringBuilder out = new StringBuilder("sleeps by thread:");
        sleeps.forEach((name, count) -> out.append(' ').append(name).append('=').append(count));
        return out.toString();
    }

    /** Voluntary context switches of every task of this process, keyed by "tid name". */
    private static Map<String, Long> sleepsByTask() {
        Map<String, Long> byTask = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String name = Files.readString(task.resolve("comm")).trim();
                for (String line : Files.readAllLines(task.resolve("status"))) {
                    if (line.startsWith("voluntary_ctxt_switches:")) {
                        byTask.put(task.getFileName() + " " + name, Long.parseLong(line.replaceAll("[^0-9]", "")));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a task ended while listing
        }
        return byTask;
    }

    /** utime + stime of every task of this process, keyed by "tid name". */
    private static Map<String, Long> cpuByTask() {
        return ticksByTask(false);
    }

    /** stime of every task of this process, keyed by "tid name". */
    private static Map<String, Long> systemCpuByTask() {
        return ticksByTask(true);
    }

    private static Map<String, Long> ticksByTask(boolean systemOnly) {
        Map<String, Long> byTask = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat = Files.readString(task.resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long system = Long.parseLong(fields[12]);
                byTask.put(task.getFileName() + " " + name, systemOnly ? system : Long.parseLong(fields[11]) + system);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a task ended while listing: no breakdown
        }
        return byTask;
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
