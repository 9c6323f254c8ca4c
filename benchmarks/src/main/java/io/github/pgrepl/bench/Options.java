package io.github.pgrepl.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** The harness's command line; {@link #USAGE} lists every option and its default. */
final class Options {

    static final String USAGE = """
            java -jar benchmarks/target/pgrepl-benchmarks.jar [options]
              --url postgresql://user:pw@host:port/db   use this server (wal_level=logical) instead of an embedded one
              --rows N               rows of the one big transaction (default 1000000)
              --transactions N       small one-row transactions (default 100000)
              --workloads a,b        big-transaction,small-transactions (default both)
              --formats a,b          text,binary (default both)
              --consumers a,b        pg_recvlogical,pgjdbc,pgrepl-raw,pgrepl-pgoutput,pgrepl-pgoutput-borrowed,
                                     pgrepl-kafka,pgrepl-spring,debezium (default all; pgrepl-pgoutput-borrowed is
                                     pgrepl-pgoutput with borrowed rows; pgrepl-kafka starts a Kafka broker in this
                                     JVM; debezium reads the text format only)
              --warmup F             before measuring, each Java consumer reads a warm-up workload of F times the
                                     size on a slot of its own, so that JIT compilation is not measured (default 0.2;
                                     0 measures a cold JVM)
              --warmup-rounds N      how many times each Java consumer reads the warm-up workload, each time on a
                                     slot of its own and a new connection, as it reads the measured rounds (default
                                     1). The event loop's outer methods run once per read cycle, not once per
                                     message: with a short warm-up C2 compiles them during the measured rounds
              --warmup-quiet-ms M    end a consumer's warm-up early, after two warm-up rounds in a row in which its
                                     JIT compiler threads used at most M ms of CPU each (default: read all rounds)
              --min-read-interval-ms N
                                     pgrepl's ConnectionConfig.minReadInterval for the pgrepl consumers, in ms
                                     (default: pgrepl's default, 1 ms); the other clients have no such setting
              --rounds N             each consumer reads the workload N times, each time on a slot of its own (the
                                     Java ones in one JVM, after the warm-up); the table shows each consumer's
                                     median round, the CSV every round (default 3)
              --jvm "opts"           JVM options of each Java consumer (default "-Xms512m -Xmx512m")
              --backlog-mb N         paused-backlog check over N MB of WAL; 0 skips it (default 1024)
              --out DIR              where results.csv and results.png go (default benchmarks/results)
            """;

    String url;
    int rows = 1_000_000;
    int transactions = 100_000;
    List<Workload> workloads = List.of(Workload.values());
    List<Format> formats = List.of(Format.values());
    List<Consumer> consumers = List.of(Consumer.values());
    double warmup = 0.2;
    int warmupRounds = 1;
    /** Negative: no early end. */
    long warmupQuietMillis = -1;
    /** Null: pgrepl's default. */
    Double minReadIntervalMillis;
    int rounds = 3;
    List<String> jvmOptions = List.of("-Xms512m", "-Xmx512m");
    int backlogMegabytes = 1024;
    Path out = Path.of("benchmarks/results");

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                System.out.print(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value\n" + USAGE);
            }
            String value = args[++i];
            switch (name) {
                case "--url" -> o.url = value;
                case "--rows" -> o.rows = Integer.parseInt(value);
                case "--transactions" -> o.transactions = Integer.parseInt(value);
                case "--workloads" -> o.workloads = list(value, Workload::of);
                case "--formats" -> o.formats = list(value, Format::of);
                case "--consumers" -> o.consumers = list(value, Consumer::of);
                case "--warmup" -> o.warmup = Double.parseDouble(value);
                case "--warmup-rounds" -> o.warmupRounds = positive(name, Integer.parseInt(value));
                case "--warmup-quiet-ms" -> o.warmupQuietMillis = Long.parseLong(value);
                case "--min-read-interval-ms" -> o.minReadIntervalMillis = Double.parseDouble(value);
                case "--rounds" -> o.rounds = positive(name, Integer.parseInt(value));
                case "--jvm" -> o.jvmOptions = Arrays.asList(value.trim().split("\\s+"));
                case "--backlog-mb" -> o.backlogMegabytes = Integer.parseInt(value);
                case "--out" -> o.out = Path.of(value);
                default -> throw new IllegalArgumentException("Unknown option " + name + "\n" + USAGE);
            }
        }
        return o;
    }

    private static int positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
        return value;
    }

    private static <T> List<T> list(String csv, Function<String, T> parser) {
        List<T> values = new ArrayList<>();
        for (String each : csv.split(",")) {
            values.add(parser.apply(each.trim()));
        }
        return List.copyOf(values);
    }
}
