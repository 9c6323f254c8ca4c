package io.github.pgrepl.bench;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.netty.util.internal.PlatformDependent;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The paused-backlog check, in a child JVM with a small heap: a PgOutputHandler whose listener is
 * stuck, so its queue fills and the connection pauses; then this JVM writes {@code N} MB of WAL and
 * compares the heap (after GC) before and after. Then the listener is released and must receive every
 * row. {@code BacklogMain <slot> <megabytes>}, the server's URL in {@value Target#URL_VARIABLE}.
 */
public final class BacklogMain {

    static final String PREFIX = "BACKLOG";
    static final List<String> JVM_OPTIONS = List.of("-Xmx256m");
    private static final int ROWS_PER_TRANSACTION = 10_000;

    private BacklogMain() {
    }

    public static void main(String[] args) throws Exception {
        String slot = args[0];
        long backlogBytes = Long.parseLong(args[1]) * 1024 * 1024;
        Target target = Target.fromEnvironment();
        CountDownLatch stuck = new CountDownLatch(1);
        AtomicLong inserts = new AtomicLong();
        CompletableFuture<Void> end = new CompletableFuture<>();
        ChangeListener listener = event -> {
            stuck.await();
            if (event instanceof ChangeEvent.Insert) {
                inserts.incrementAndGet();
            } else if (event instanceof ChangeEvent.LogicalMessage m && Workload.END_PREFIX.equals(m.prefix())) {
                end.complete(null);
            }
        };
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(slot).publications(Workload.BACKLOG_PUBLICATION)
                .protocolVersion(1).streaming(false).messages(true).build();
        try (ReplicationConnection connection = ReplicationConnection.start(target.config(), handler)) {
            long rows = 0;
            while (!connection.status().paused()) { // fill the listener's queue until the connection pauses
                rows = writeRows(target, rows);
                Thread.sleep(200);
            }
            long heapBefore = usedHeapAfterGc();
            Lsn start = currentLsn(target);
            long began = System.nanoTime();
            while (currentLsn(target).minus(start) < backlogBytes) {
                rows = writeRows(target, rows);
            }
            long written = currentLsn(target).minus(start);
            double writeSeconds = (System.nanoTime() - began) / 1e9;
            long heapPaused = usedHeapAfterGc();
            long direct = PlatformDependent.usedDirectMemory();
            boolean stillPaused = connection.status().paused();
            target.queryValue("SELECT pg_logical_emit_message(false, '" + Workload.END_PREFIX + "', 'end')");
            long released = System.nanoTime();
            stuck.countDown();
            end.get(30, TimeUnit.MINUTES);
            double drainSeconds = (System.nanoTime() - released) / 1e9;
            System.out.printf(Locale.ROOT, "%s %d MB of WAL (%d rows, written in %.0f s) behind a paused connection:"
                            + " heap after GC %.1f MB before, %.1f MB after (%+.1f MB), Netty direct memory %.1f MB,"
                            + " still paused %s; after release %d of %d rows arrived in %.1f s%n",
                    PREFIX, written >> 20, rows, writeSeconds, heapBefore / 1048576.0, heapPaused / 1048576.0,
                    (heapPaused - heapBefore) / 1048576.0, direct / 1048576.0, stillPaused, inserts.get(), rows, drainSeconds);
        }
        System.exit(0);
    }

    /** One transaction of 1 KB rows; returns the rows written so far. */
    private static long writeRows(Target target, long written) {
        target.execute("INSERT INTO " + Workload.BACKLOG_TABLE + " SELECT g, repeat(md5(g::text), 32) FROM generate_series("
                + (written + 1) + ", " + (written + ROWS_PER_TRANSACTION) + ") g");
        return written + ROWS_PER_TRANSACTION;
    }

    private static Lsn currentLsn(Target target) {
        return Lsn.parse(target.queryValue("SELECT pg_current_wal_lsn()"));
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
