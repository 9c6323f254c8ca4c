package io.github.pgrepl.bench;

import io.github.pgrepl.testsupport.PgServer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The end-to-end benchmark: starts (or uses) a PostgreSQL, and for each workload creates one slot per
 * consumer and format, writes the workload, and lets each consumer read the same WAL, one after the
 * other. Prints a table and writes results.csv and results.png; see benchmarks/README.md.
 */
public final class Harness {

    private final Options options;
    private final Target target;
    private final Path logs;

    private Harness(Options options, Target target) {
        this.options = options;
        this.target = target;
        this.logs = options.out.resolve("logs");
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Files.createDirectories(options.out);
        String loadBefore = Machine.loadAverage();
        PgServer embedded = null;
        try {
            String url = options.url;
            if (url == null) {
                System.out.println("Starting an embedded PostgreSQL ...");
                embedded = PgServer.builder().tls(false)
                        .setting("max_replication_slots", "200")
                        .setting("max_wal_senders", "40")
                        .setting("max_wal_size", "8GB")
                        .setting("checkpoint_timeout", "1h")
                        .start();
                url = "postgresql://" + PgServer.SUPERUSER + "@localhost:" + embedded.port() + "/" + PgServer.DATABASE
                        + "?sslmode=disable";
            }
            if (options.consumers.contains(Consumer.PGREPL_KAFKA)) {
                System.out.println("Starting a Kafka broker (KRaft, in this JVM) ...");
                KafkaBroker.start();
            }
            Harness harness = new Harness(options, Target.of(url));
            String server = harness.target.queryValue("SELECT version()");
            System.out.println(Machine.describe() + "\nserver: " + server + "\nclient: " + RecvLogicalRun.version()
                    + ", Java " + System.getProperty("java.version") + "\n" + harness.settings() + "\nload average before: "
                    + loadBefore);
            List<Result> results = harness.runWorkloads();
            String backlog = options.backlogMegabytes > 0 ? harness.runBacklog() : "skipped";
            String loadAfter = Machine.loadAverage();
            String table = Report.table(results);
            System.out.println();
            System.out.print(table);
            System.out.println("\npaused backlog: " + backlog);
            System.out.println("load average before: " + loadBefore + "; after: " + loadAfter);
            Report.writeCsv(results, options.out.resolve("results.csv"));
            String subtitle = Machine.summary() + "; PostgreSQL " + harness.target.queryValue("SHOW server_version")
                    + "; load average before " + loadBefore + ", after " + loadAfter;
            Chart.write(results, subtitle, options.out.resolve("results.png"));
            Files.writeString(options.out.resolve("results.md"), Machine.describe() + "\n\nserver: " + server
                    + "\nclient: Java " + System.getProperty("java.version") + "; " + harness.settings()
                    + "\nload average before: " + loadBefore + "; after: " + loadAfter + "\n\n" + table
                    + "\npaused backlog: " + backlog + "\n");
            System.out.println("Wrote " + options.out.resolve("results.csv") + ", results.png and results.md");
        } finally {
            KafkaBroker.stop();
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private List<Result> runWorkloads() throws IOException, InterruptedException {
        Workload.createSchema(target);
        List<Result> results = new ArrayList<>();
        for (Workload workload : options.workloads) {
            List<String> slots = new ArrayList<>();
            String warmupEnd = null;
            int warmupSize = (int) Math.round(workload.size(options) * options.warmup);
            if (warmupSize > 0) {
                Workload.truncate(target);
                for (Format format : options.formats) {
                    for (Consumer consumer : options.consumers) {
                        for (int round = 1; round <= options.warmupRounds && consumer.java() && consumer.reads(format); round++) {
                            slots.add(createSlot(consumer.warmupSlot(format, round)));
                        }
                    }
                }
                warmupEnd = workload.write(target, warmupSize);
            }
            Workload.truncate(target);
            for (Format format : options.formats) {
                for (Consumer consumer : options.consumers) {
                    for (int round = 1; round <= options.rounds && consumer.reads(format); round++) {
                        slots.add(createSlot(consumer.slot(format, round)));
                    }
                }
            }
            String start = target.queryValue("SELECT pg_current_wal_lsn()");
            System.out.printf("%n%s: writing ...%n", workload.label());
            long began = System.nanoTime();
            String end = workload.write(target, workload.size(options));
            System.out.printf("%s: %s of WAL written in %.1f s, end marker at %s%n", workload.label(),
                    megabytes(target.queryValue("SELECT pg_wal_lsn_diff('" + end + "', '" + start + "')")),
                    (System.nanoTime() - began) / 1e9, end);
            Workload.settle(target);
            for (Format format : options.formats) {
                results.addAll(runGroup(workload, format, end, warmupEnd));
            }
            slots.forEach(this::dropSlot);
        }
        return results;
    }

    /**
     * Every consumer reads the same WAL {@code rounds} times, each time on a slot of its own, in turns: round
     * 1 of each consumer, then round 2 of each, so that a change in the server's pace over the minutes
     * falls on all of them alike. Each Java consumer keeps one JVM, warmed up before the first round, that
     * waits while the others read. Ratios are of median times against pg_recvlogical's.
     */
    private List<Result> runGroup(Workload workload, Format format, String end, String warmupEnd)
            throws IOException, InterruptedException {
        Map<Consumer, List<Measurement>> measured = new TreeMap<>();
        Map<Consumer, ChildJvm.Session> sessions = new TreeMap<>();
        try {
            for (Consumer consumer : options.consumers) {
                if (!consumer.reads(format)) {
                    continue;
                }
                measured.put(consumer, new ArrayList<>());
                if (consumer.java()) {
                    // one warm-up at a time, so that each has the machine to itself
                    ChildJvm.Session session = new ChildJvm(target, options.jvmOptions, logs).start(name(workload, format,
                            consumer), consumerProperties(), ConsumerMain.class, consumer.label(), format.label(),
                            warmupEnd == null ? "-" : warmupSlots(consumer, format), warmupEnd == null ? "-" : warmupEnd, end,
                            Long.toString(options.warmupQuietMillis));
                    sessions.put(consumer, session);
                    session.await(ConsumerMain.READY);
                }
            }
            for (int round = 1; round <= options.rounds; round++) {
                for (Consumer consumer : measured.keySet()) {
                    String name = name(workload, format, consumer);
                    Measurement m;
                    if (consumer == Consumer.PG_RECVLOGICAL) {
                        m = new RecvLogicalRun(target, logs).run(name + "-r" + round, consumer.slot(format, round), format, end);
                    } else {
                        ChildJvm.Session session = sessions.get(consumer);
                        session.send(consumer.slot(format, round));
                        m = Measurement.parse(session.await(Measurement.PREFIX));
                    }
                    measured.get(consumer).add(m);
                    System.out.printf(Locale.ROOT, "%s round %d: %.2f s%n", name, round, m.seconds());
                }
            }
        } finally {
            for (ChildJvm.Session session : sessions.values()) {
                session.close();
            }
        }
        // pg_recvlogical counts nothing: it read the same messages and bytes as the Java consumers.
        long messages = measured.values().stream().flatMap(List::stream).mapToLong(Measurement::messages).max().orElse(-1);
        long bytes = measured.values().stream().flatMap(List::stream).mapToLong(Measurement::bytes).max().orElse(-1);
        measured.forEach((consumer, rounds) -> rounds.forEach(m -> {
            if (m.messages() != messages && m.messages() >= 0) {
                System.out.printf("WARNING: %s counted %d messages, others %d%n", consumer.label(), m.messages(), messages);
            }
        }));
        List<Measurement> reference = measured.get(Consumer.PG_RECVLOGICAL);
        List<Result> results = new ArrayList<>();
        measured.forEach((consumer, rounds) -> {
            List<Measurement> counted = rounds.stream().map(m -> m.withCounts(messages, bytes)).toList();
            double ratio = reference == null ? Double.NaN : (double) Result.median(reference).nanos() / Result.median(counted).nanos();
            results.add(new Result(workload, format, consumer, counted, ratio));
        });
        return results;
    }

    /** The warm-up rounds' slots of one consumer, comma-separated, in the order it reads them. */
    private String warmupSlots(Consumer consumer, Format format) {
        List<String> slots = new ArrayList<>();
        for (int round = 1; round <= options.warmupRounds; round++) {
            slots.add(consumer.warmupSlot(format, round));
        }
        return String.join(",", slots);
    }

    /** System properties of every consumer JVM alike; only pgrepl's consumers read the read interval. */
    private List<String> consumerProperties() {
        return options.minReadIntervalMillis == null ? List.of()
                : List.of("-D" + Target.MIN_READ_INTERVAL_PROPERTY + "=" + Math.round(options.minReadIntervalMillis * 1e6));
    }

    /** The run's settings, for the header of the output and of results.md. */
    private String settings() {
        return "consumer JVMs: " + String.join(" ", options.jvmOptions) + "; warm-up " + options.warmup + " x "
                + options.warmupRounds + " round(s)" + (options.warmupQuietMillis < 0 ? "" : ", ending after two in a row with at most "
                + options.warmupQuietMillis + " ms of JIT CPU each") + "; " + options.rounds + " measured rounds; pgrepl minReadInterval "
                + (options.minReadIntervalMillis == null ? "default (" + target.config().minReadInterval().toMillis() + " ms)"
                : options.minReadIntervalMillis + " ms");
    }

    private static String name(Workload workload, Format format, Consumer consumer) {
        return workload.label() + "-" + format.label() + "-" + consumer.label();
    }

    private String runBacklog() throws IOException, InterruptedException {
        String slot = createSlot("bench_backlog");
        try {
            System.out.printf("%npaused backlog: writing %d MB while the listener is stuck ...%n", options.backlogMegabytes);
            String line = new ChildJvm(target, List.of(), logs).run("backlog", BacklogMain.JVM_OPTIONS, BacklogMain.class,
                    BacklogMain.PREFIX, slot, Integer.toString(options.backlogMegabytes));
            return line.substring(BacklogMain.PREFIX.length()).trim();
        } finally {
            dropSlot(slot);
        }
    }

    private String createSlot(String slot) {
        target.queryValue("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        return slot;
    }

    /** Drops a slot, waiting for the walsender of a consumer that just exited to let go of it. */
    private void dropSlot(String slot) {
        for (int attempt = 1; ; attempt++) {
            try {
                target.queryValue("SELECT pg_drop_replication_slot('" + slot + "')");
                return;
            } catch (IllegalStateException e) {
                if (attempt == 50) {
                    throw e;
                }
                sleep(100);
            }
        }
    }

    private static String megabytes(String bytes) {
        return String.format(Locale.ROOT, "%.0f MB", Double.parseDouble(bytes) / 1e6);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the figures were measured on. */
    static final class Machine {

        private Machine() {
        }

        static String loadAverage() {
            try {
                String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
                return fields[0] + " " + fields[1] + " " + fields[2];
            } catch (IOException e) {
                return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            }
        }

        static String summary() {
            return Runtime.getRuntime().availableProcessors() + " cores (" + cpuModel() + "), "
                    + Math.round(totalMemoryBytes() / 1073741824.0) + " GiB";
        }

        static String describe() {
            return "machine: " + summary() + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version");
        }

        private static String cpuModel() {
            try {
                return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
            } catch (IOException e) {
                return "unknown CPU";
            }
        }

        private static long totalMemoryBytes() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getTotalMemorySize();
        }
    }
}
