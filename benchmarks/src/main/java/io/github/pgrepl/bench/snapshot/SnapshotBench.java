package io.github.pgrepl.bench.snapshot;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.SnapshotMode;
import io.github.pgrepl.pgoutput.SnapshotOptions;
import io.github.pgrepl.testsupport.PgServer;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rows per second of a snapshot of one table, next to {@code psql -c "COPY t TO STDOUT" > /dev/null} on the same
 * table: the initial snapshot (text and binary COPY, one session: one table), and an incremental one (chunks between
 * watermarks, default chunk size). Each round in turn, so that the server's caches and the machine's load treat them
 * alike. Arguments: rows (default 1000000), rounds (default 3).
 */
public final class SnapshotBench {

    private static final String TABLE = "bench_snapshot";

    private SnapshotBench() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (PgServer pg = PgServer.builder().tls(false).setting("max_wal_size", "4GB").start()) {
            pg.execute("CREATE TABLE " + TABLE + " (id bigint PRIMARY KEY, v int NOT NULL, at timestamptz NOT NULL,"
                            + " payload text)",
                    "INSERT INTO " + TABLE + " SELECT g, g % 1000, now(), md5(g::text) || md5((g + 1)::text) FROM"
                            + " generate_series(1, " + rows + ") g",
                    "VACUUM ANALYZE " + TABLE, "CREATE PUBLICATION bench_pub FOR TABLE " + TABLE);
            String size = pg.queryValue("SELECT pg_size_pretty(pg_table_size('" + TABLE + "'))");
            System.out.printf("%d rows (%s), PostgreSQL %s, Java %s, %d rounds%n", rows, size,
                    pg.queryValue("SHOW server_version"), System.getProperty("java.version"), rounds);
            System.out.printf("%-26s %8s %12s %8s%n", "", "round", "rows/s", "vs psql");
            for (int round = 1; round <= rounds; round++) {
                double psql = rows / psqlCopy(pg);
                print("psql COPY > /dev/null", round, psql, psql);
                print("initial snapshot (text)", round, rows / initial(pg, rows, false, round), psql);
                print("initial snapshot (binary)", round, rows / initial(pg, rows, true, round), psql);
                print("incremental (chunks 4096)", round, rows / incremental(pg, rows, round), psql);
            }
        }
    }

    private static void print(String what, int round, double rowsPerSecond, double psql) {
        System.out.printf("%-26s %8d %12.0f %7.2fx%n", what, round, rowsPerSecond, rowsPerSecond / psql);
    }

    /** Seconds of {@code psql -c "COPY t TO STDOUT"}, its output dropped. */
    private static double psqlCopy(PgServer pg) throws IOException, InterruptedException {
        ProcessBuilder psql = new ProcessBuilder("psql", "-X", "-h", "localhost", "-p", String.valueOf(pg.port()), "-U",
                PgServer.SUPERUSER, "-d", PgServer.DATABASE, "-c", "COPY " + TABLE + " TO STDOUT")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
        psql.environment().put("PGSSLMODE", "disable");
        long start = System.nanoTime();
        int exit = psql.start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException("psql failed (" + exit + ")");
        }
        return seconds;
    }

    /** Seconds from the connect to the last row handed to the listener, for a new slot's initial snapshot. */
    private static double initial(PgServer pg, int rows, boolean binary, int round) throws Exception {
        Counter counter = new Counter(rows);
        String slot = "bench_initial_" + (binary ? "b" : "t") + round;
        PgOutputHandler handler = PgOutputHandler.builder(counter).slot(slot).publications("bench_pub").createSlot(true)
                .binary(binary).snapshot(SnapshotOptions.defaults().mode(SnapshotMode.INITIAL_ONLY).parallelism(1)).build();
        long start = System.nanoTime();
        try (ReplicationConnection connection = ReplicationConnection.create(config(pg), handler)) {
            connection.connect();
            counter.await();
            return (System.nanoTime() - start) / 1e9;
        } finally {
            pg.execute("SELECT pg_drop_replication_slot('" + slot + "') FROM pg_replication_slots WHERE slot_name = '"
                    + slot + "' AND NOT active");
        }
    }

    /** Seconds from the request to the last row handed to the listener, while the stream runs (idle). */
    private static double incremental(PgServer pg, int rows, int round) throws Exception {
        Counter counter = new Counter(rows);
        String slot = "bench_incremental_" + round;
        PgOutputHandler handler = PgOutputHandler.builder(counter).slot(slot).publications("bench_pub").createSlot(true)
                .temporarySlot(true).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg), handler)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long start;
            while (true) {
                start = System.nanoTime();
                try {
                    handler.snapshot(TABLE).get(30, TimeUnit.SECONDS);
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(50); // not streaming yet: the stream starts a moment after the connect
                }
            }
            counter.await();
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static ConnectionConfig config(PgServer pg) {
        return ConnectionConfig.builder().name("bench").host("localhost").port(pg.port()).user(PgServer.SUPERUSER)
                .database(PgServer.DATABASE).sslMode(SslMode.DISABLE).build();
    }

    /** Counts READs, touching one value of each as a consumer would; done at the table's SnapshotCompleted. */
    private static final class Counter implements ChangeListener {
        private final long expected;
        private final AtomicLong reads = new AtomicLong();
        private final CountDownLatch completed = new CountDownLatch(1);
        private long sink;

        Counter(long expected) {
            this.expected = expected;
        }

        @Override
        public void onChange(ChangeEvent event) {
            if (event instanceof ChangeEvent.Read read) {
                sink += read.row().getLong(0);
                reads.incrementAndGet();
            } else if (event instanceof ChangeEvent.SnapshotCompleted) {
                completed.countDown();
            }
        }

        void await() throws InterruptedException {
            if (!completed.await(10, TimeUnit.MINUTES) || reads.get() != expected) {
                throw new IllegalStateException("read " + reads.get() + " of " + expected + " rows (" + sink + ")");
            }
        }
    }
}
