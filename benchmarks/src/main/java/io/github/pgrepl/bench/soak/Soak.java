package io.github.pgrepl.bench.soak;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.testsupport.PgServer;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The soak run (not in CI): writes for a long time (30 minutes by default) while an operator pauses and
 * resumes the connection every few seconds, and prints heap after GC, threads, open file descriptors,
 * reconnects and delivered rows once a minute. Healthy means flat heap, threads and descriptors, no
 * reconnects, and every written row delivered.
 *
 * <p>{@code java -cp benchmarks/target/pgrepl-benchmarks.jar io.github.pgrepl.bench.soak.Soak [minutes] [pause-every-seconds]}
 */
public final class Soak {

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        Duration length = Duration.ofMinutes(args.length > 0 ? Long.parseLong(args[0]) : 30);
        Duration pauseEvery = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 3);
        try (PgServer pg = PgServer.builder().tls(false).setting("wal_sender_timeout", "10s").start()) {
            pg.execute("CREATE TABLE soak (id bigint PRIMARY KEY, payload text)", "CREATE PUBLICATION soak_pub FOR TABLE soak");
            AtomicLong delivered = new AtomicLong();
            AtomicLong lastId = new AtomicLong();
            PgOutputHandler handler = PgOutputHandler.builder(event -> {
                if (event instanceof ChangeEvent.Insert insert) {
                    delivered.incrementAndGet();
                    lastId.accumulateAndGet(insert.newRow().getLong("id"), Math::max);
                }
            }).slot("soak_slot").publications("soak_pub").createSlot(true).build();
            ConnectionConfig config = ConnectionConfig.builder().name("soak").host("localhost").port(pg.port())
                    .user(PgServer.SUPERUSER).database(PgServer.DATABASE).sslMode(SslMode.DISABLE).autoReconnect(true).build();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> write(pg, writing, written), "soak-writer");
            try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
                writer.start();
                System.out.println("minute  written  delivered  heapAfterGcMB  threads  fds  reconnects  paused");
                long start = System.nanoTime();
                long nextReport = start;
                long nextToggle = start + pauseEvery.toNanos();
                boolean paused = false;
                int minute = 0;
                while (System.nanoTime() - start < length.toNanos()) {
                    long now = System.nanoTime();
                    if (now >= nextToggle) {
                        paused = !paused;
                        if (paused) {
                            connection.pause();
                        } else {
                            connection.resume();
                        }
                        nextToggle = now + pauseEvery.toNanos();
                    }
                    if (now >= nextReport) {
                        report(minute++, written.get(), delivered.get(), connection.status());
                        nextReport = now + Duration.ofMinutes(1).toNanos();
                    }
                    LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // the run's clock, not a wait for a condition
                }
                writing.set(false);
                writer.join();
                connection.resume();
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (lastId.get() < written.get() && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                }
                report(minute, written.get(), delivered.get(), connection.status());
                System.out.printf("done: %d written, %d delivered, %d reconnects%n", written.get(), delivered.get(),
                        connection.status().reconnects());
            }
        }
    }

    private static void write(PgServer pg, AtomicBoolean writing, AtomicLong written) {
        try (Connection jdbc = pg.jdbc(); Statement statement = jdbc.createStatement()) {
            long id = 0;
            while (writing.get()) {
                statement.execute("INSERT INTO soak VALUES (" + (++id) + ", repeat('x', 200))");
                written.set(id);
                LockSupport.parkNanos(Duration.ofMillis(2).toNanos()); // a steady ~400 transactions a second
            }
        } catch (Exception e) {
            throw new IllegalStateException("The soak writer failed", e);
        }
    }

    private static void report(int minute, long written, long delivered, ConnectionStatus status) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        String[] fds = new File("/proc/self/fd").list();
        System.out.printf("%6d  %7d  %9d  %13d  %7d  %3d  %10d  %s%n", minute, written, delivered, heap, threads,
                fds == null ? -1 : fds.length, status.reconnects(), status.paused());
    }
}
