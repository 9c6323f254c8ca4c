package io.github.pgrepl.bench;

import io.github.pgrepl.testsupport.PgServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The latency benchmark: a writer in the server commits one-row transactions at a fixed rate while one consumer
 * streams them, and the consumer records now − commit time per transaction (same machine, same clock). Each consumer
 * keeps one child JVM, warmed up once; for each rate the rounds take turns (round 1 of every consumer, then round 2),
 * each on a new slot created just before its writer starts. Writes latency.csv (every round), latency.md and
 * latency.png (latency over time); see benchmarks/README.md.
 */
public final class LatencyHarness {

    static final String TABLE = "bench_latency";
    static final String PUBLICATION = "bench_latency_pub";

    static final String USAGE = """
            java -cp benchmarks/target/pgrepl-benchmarks.jar io.github.pgrepl.bench.LatencyHarness [options]
              --url postgresql://user:pw@host:port/db   use this server (wal_level=logical) instead of an embedded one
              --rates a,b            transactions per second the writer commits (default 1000,5000,10000)
              --seconds N            how long the writer writes, per consumer, rate and round (default 60)
              --rounds N             rounds per consumer and rate, in turns (default 1)
              --warmup-seconds N     each consumer's JVM reads this long at the first rate before measuring (default 10)
              --consumers a,b        pgrepl-pgoutput,pgrepl-pgoutput-0ms,pgrepl-spring,pgjdbc,debezium (default all);
                                     pgrepl-pgoutput-0ms is PgOutputHandler with minReadInterval 0 (reads at once)
              --jvm "opts"           JVM options of each consumer (default "-Xms512m -Xmx512m")
              --out DIR              where latency.csv, latency.md and latency.png go (default benchmarks/results)
            """;

    private final Target target;
    private final Path logs;
    private int[] rates = {1000, 5000, 10000};
    private int seconds = 60;
    private int rounds = 1;
    private int warmupSeconds = 10;
    private List<String> consumers = List.of("pgrepl-pgoutput", "pgrepl-pgoutput-0ms", "pgrepl-spring", "pgjdbc", "debezium");
    private List<String> jvmOptions = List.of("-Xms512m", "-Xmx512m");

    private LatencyHarness(Target target, Path logs) {
        this.target = target;
        this.logs = logs;
    }

    /** One consumer's read of one rate's writer: its latencies in µs. */
    record Round(String consumer, int rate, int round, double achievedRate, long written, long transactions, boolean complete,
                 long p50, long p90, long p99, long max, long mean, Path series, String loadAverage) {
    }

    public static void main(String[] args) throws Exception {
        String url = null;
        Path out = Path.of("benchmarks/results");
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                System.out.print(USAGE);
                return;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value\n" + USAGE);
            }
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    rest.add(args[i]);
                    rest.add(args[++i]);
                }
            }
        }
        Files.createDirectories(out);
        String loadBefore = Harness.Machine.loadAverage();
        PgServer embedded = null;
        try {
            if (url == null) {
                System.out.println("Starting an embedded PostgreSQL ...");
                embedded = PgServer.builder().tls(false)
                        .setting("max_replication_slots", "200")
                        .setting("max_wal_senders", "40")
                        .setting("max_wal_size", "8GB")
                        .setting("checkpoint_timeout", "1h")
                        // zonky's default is off: commits then reach the walsender only when the WAL writer flushes,
                        // every wal_writer_delay (200 ms), which would be every client's latency
                        .setting("synchronous_commit", "on")
                        .start();
                url = "postgresql://" + PgServer.SUPERUSER + "@localhost:" + embedded.port() + "/" + PgServer.DATABASE
                        + "?sslmode=disable";
            }
            LatencyHarness harness = new LatencyHarness(Target.of(url), out.resolve("logs"));
            harness.parse(rest);
            String server = harness.target.queryValue("SELECT version()");
            String header = Harness.Machine.describe() + "\nserver: " + server + "\nclient: Java "
                    + System.getProperty("java.version") + " " + harness.jvmOptions + "; writer: " + harness.seconds
                    + " s per consumer, rate and round, " + harness.rounds + " round(s), warm-up " + harness.warmupSeconds
                    + " s\nload average before: " + loadBefore;
            System.out.println(header);
            List<Round> results = harness.run();
            String loadAfter = Harness.Machine.loadAverage();
            String table = table(results);
            System.out.println();
            System.out.print(table);
            System.out.println("load average before: " + loadBefore + "; after: " + loadAfter);
            writeCsv(results, out.resolve("latency.csv"));
            Files.writeString(out.resolve("latency.md"), header + "; after: " + loadAfter + "\n\n" + table);
            LatencyChart.write(results, Harness.Machine.summary() + "; PostgreSQL "
                    + harness.target.queryValue("SHOW server_version") + "; load average before " + loadBefore + ", after "
                    + loadAfter, out.resolve("latency.png"));
            System.out.println("Wrote " + out.resolve("latency.csv") + ", latency.md and latency.png");
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private void parse(List<String> args) {
        for (int i = 0; i < args.size(); i += 2) {
            String value = args.get(i + 1);
            switch (args.get(i)) {
                case "--rates" -> rates = Arrays.stream(value.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
                case "--seconds" -> seconds = Integer.parseInt(value);
                case "--rounds" -> rounds = Integer.parseInt(value);
                case "--warmup-seconds" -> warmupSeconds = Integer.parseInt(value);
                case "--consumers" -> consumers = List.of(value.split(","));
                case "--jvm" -> jvmOptions = Arrays.asList(value.trim().split("\\s+"));
                default -> throw new IllegalArgumentException("Unknown option " + args.get(i) + "\n" + USAGE);
            }
        }
    }

    private List<Round> run() throws IOException, InterruptedException {
        target.execute("DROP PUBLICATION IF EXISTS " + PUBLICATION,
                "DROP TABLE IF EXISTS " + TABLE,
                "CREATE TABLE " + TABLE + " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account int NOT NULL,"
                        + " amount numeric(12,2), note text, created timestamptz) WITH (autovacuum_enabled = false)",
                "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE " + TABLE,
                // Paced in the server, so that no client round trip sets the pace: every transaction is due at
                // started + i / rate; those due are committed at once, then the writer sleeps a fraction of a millisecond.
                "CREATE OR REPLACE PROCEDURE bench_paced(rate int, seconds float8) LANGUAGE plpgsql AS $$"
                        + " DECLARE started timestamptz := clock_timestamp(); total bigint := ceil(rate * seconds); n bigint := 0;"
                        + " due bigint;"
                        + " BEGIN WHILE n < total LOOP"
                        + "   due := least(total, floor(extract(epoch FROM clock_timestamp() - started) * rate)::bigint + 1);"
                        + "   IF n >= due THEN PERFORM pg_sleep(0.0002);"
                        + "   ELSE WHILE n < due LOOP n := n + 1;"
                        + "     INSERT INTO " + TABLE + " (account, amount, note, created) VALUES (n % 1000, n * 0.01, 'order ' || n, now());"
                        + "     COMMIT; END LOOP; END IF;"
                        + " END LOOP; END $$");
        Map<String, ChildJvm.Session> sessions = new LinkedHashMap<>();
        List<Round> results = new ArrayList<>();
        try {
            for (String consumer : consumers) {
                ChildJvm.Session session = new ChildJvm(target, jvmOptions, logs).start("latency-" + consumer, List.of(),
                        LatencyMain.class, consumer, logs.toString());
                sessions.put(consumer, session);
                if (warmupSeconds > 0) {
                    Round warm = read(session, consumer, rates[0], 0, warmupSeconds);
                    System.out.printf(Locale.ROOT, "%s warm-up at %d/s: p99 %.2f ms%n", consumer, rates[0], warm.p99() / 1e3);
                }
            }
            for (int rate : rates) {
                for (int round = 1; round <= rounds; round++) {
                    for (String consumer : consumers) {
                        Round r = read(sessions.get(consumer), consumer, rate, round, seconds);
                        results.add(r);
                        System.out.printf(Locale.ROOT, "%s at %d/s (%.0f/s written) round %d: %d transactions, p50 %.2f, p90 %.2f,"
                                        + " p99 %.2f, max %.2f ms%s%n", consumer, rate, r.achievedRate(), round, r.transactions(),
                                r.p50() / 1e3, r.p90() / 1e3, r.p99() / 1e3, r.max() / 1e3,
                                r.complete() && r.transactions() == r.written() ? "" : " (INCOMPLETE: " + r.written() + " written)");
                    }
                }
            }
        } finally {
            for (ChildJvm.Session session : sessions.values()) {
                session.close();
            }
        }
        return results;
    }

    /** One consumer reads a new slot while the writer writes at {@code rate} for {@code seconds}. */
    private Round read(ChildJvm.Session session, String consumer, int rate, int round, int seconds)
            throws IOException, InterruptedException {
        String name = "latency-" + consumer + "-" + rate + (round == 0 ? "-warmup" : "-r" + round);
        String slot = ("lat_" + consumer + "_" + rate + "_r" + round).replace('-', '_');
        target.queryValue("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        try {
            session.send(slot + " " + name);
            awaitActive(slot);
            // A new connection's first moments (its JVM idle until now, Debezium's engine reading the schema) are
            // not what the rate measures: give it half a second before the writer starts.
            Thread.sleep(500);
            String load = Harness.Machine.loadAverage();
            long written = Long.parseLong(target.queryValue("SELECT count(*) FROM " + TABLE));
            long began = System.nanoTime();
            target.execute("SET synchronous_commit = on", "CALL bench_paced(" + rate + ", " + seconds + ")");
            double elapsed = (System.nanoTime() - began) / 1e9;
            written = Long.parseLong(target.queryValue("SELECT count(*) FROM " + TABLE)) - written;
            target.queryValue("SELECT pg_logical_emit_message(false, '" + Workload.END_PREFIX + "', 'end')");
            Map<String, String> f = fields(session.await(LatencyRecorder.PREFIX));
            return new Round(consumer, rate, round, written / elapsed, written, Long.parseLong(f.get("transactions")),
                    Boolean.parseBoolean(f.get("complete")), Long.parseLong(f.get("p50")), Long.parseLong(f.get("p90")),
                    Long.parseLong(f.get("p99")), Long.parseLong(f.get("max")), Long.parseLong(f.get("mean")),
                    Path.of(f.get("series")), load);
        } finally {
            dropSlot(slot);
        }
    }

    private void awaitActive(String slot) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!"t".equals(target.queryValue("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("No consumer streams slot " + slot + " after 2 minutes; see " + logs);
            }
            Thread.sleep(20); // polling the server: nothing to wait on
        }
    }

    private void dropSlot(String slot) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                target.queryValue("SELECT pg_drop_replication_slot('" + slot + "')");
                return;
            } catch (IllegalStateException e) {
                if (attempt == 100) {
                    throw e;
                }
                Thread.sleep(100); // the consumer's walsender is still letting go of the slot
            }
        }
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : line.substring(LatencyRecorder.PREFIX.length()).trim().split(" ")) {
            int eq = part.indexOf('=');
            fields.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return fields;
    }

    /** Per consumer and rate: the medians of the rounds' percentiles, the rounds' range of p99, the highest max. */
    static String table(List<Round> results) {
        StringBuilder out = new StringBuilder("| rate (tx/s) | written (tx/s) | consumer | transactions | p50 ms | p90 ms | p99 ms"
                + " | p99 rounds (ms) | max ms | mean ms |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<String, List<Round>> groups = new LinkedHashMap<>();
        for (Round r : results) {
            groups.computeIfAbsent(r.rate() + " " + r.consumer(), k -> new ArrayList<>()).add(r);
        }
        for (List<Round> group : groups.values()) {
            Round first = group.get(0);
            long[] p99 = group.stream().mapToLong(Round::p99).sorted().toArray();
            out.append(String.format(Locale.ROOT, "| %,d | %,.0f | %s | %,d | %.2f | %.2f | %.2f | %.2f–%.2f | %.2f | %.2f |%n",
                    first.rate(), median(group.stream().mapToDouble(Round::achievedRate).toArray()), first.consumer(),
                    group.stream().mapToLong(Round::transactions).sum(),
                    median(group.stream().mapToDouble(Round::p50).toArray()) / 1e3,
                    median(group.stream().mapToDouble(Round::p90).toArray()) / 1e3,
                    median(group.stream().mapToDouble(Round::p99).toArray()) / 1e3, p99[0] / 1e3, p99[p99.length - 1] / 1e3,
                    group.stream().mapToLong(Round::max).max().orElse(-1) / 1e3,
                    median(group.stream().mapToDouble(Round::mean).toArray()) / 1e3));
        }
        return out.toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void writeCsv(List<Round> results, Path file) throws IOException {
        StringBuilder out = new StringBuilder("rate,consumer,round,written_per_s,written,transactions,complete,p50_us,p90_us,"
                + "p99_us,max_us,mean_us,load_average,series\n");
        for (Round r : results) {
            out.append(String.format(Locale.ROOT, "%d,%s,%d,%.1f,%d,%d,%b,%d,%d,%d,%d,%d,%s,%s%n", r.rate(), r.consumer(),
                    r.round(), r.achievedRate(), r.written(), r.transactions(), r.complete(), r.p50(), r.p90(), r.p99(),
                    r.max(), r.mean(), r.loadAverage(), r.series()));
        }
        Files.writeString(file, out);
    }
}
