package io.github.pgrepl.bench;

import io.github.pgrepl.Lsn;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Entry point of a child JVM that runs one Java consumer, so that its measurements are its own:
 * {@code ConsumerMain <consumer> <format> <warm-up slots, comma-separated|-> <warm-up end LSN|-> <end LSN>
 * <quiet JIT ms|-1>}, the server's URL in {@value Target#URL_VARIABLE}. With warm-up slots it first reads each, unmeasured, so that the JIT
 * has compiled the hot path, and prints {@value #READY}. Then, for each slot name the harness writes to
 * its standard input (a round: the same WAL each time, while the other consumers wait their turn), it
 * reads that slot to the end LSN and prints one {@link Measurement} line; it exits at the end of input.
 */
public final class ConsumerMain {

    static final String READY = "READY";

    private ConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        Consumer consumer = Consumer.of(args[0]);
        Format format = Format.of(args[1]);
        // One event loop for the warm-up and the measured connection, as an application with several
        // connections would share one: the measured run then uses the code the warm-up compiled.
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pgrepl-bench"),
                NioIoHandler.newFactory());
        Target target = Target.fromEnvironment().withEventLoopGroup(loop);
        if (!args[2].equals("-")) {
            // Each warm-up round as a measured round: a new connection to a slot of its own. Its figures go to the
            // log, so that it shows whether the JIT had settled before the first measured round.
            // With a quiet threshold, the warm-up ends after two rounds in a row in which the JIT compiled next to
            // nothing: one is not enough, C2 compiles in waves as more methods cross its thresholds.
            String[] warmupSlots = args[2].split(",");
            long quietNanos = Long.parseLong(args[5]) * 1_000_000;
            int quietRounds = 0;
            for (int round = 0; round < warmupSlots.length; round++) {
                Measurement warmup = client(consumer).run(target, warmupSlots[round], format,
                        new StreamProbe(Lsn.parse(args[3]).value()));
                System.out.println("warm-up round " + (round + 1) + ": cpu " + warmup.cpuNanos() / 1_000_000 + " ms, JIT "
                        + warmup.jitCpuNanos() / 1_000_000 + " ms, " + warmup.nanos() / 1_000_000 + " ms");
                boolean quiet = quietNanos >= 0 && warmup.jitCpuNanos() >= 0 && warmup.jitCpuNanos() <= quietNanos;
                quietRounds = quiet ? quietRounds + 1 : 0;
                if (quietRounds == 2) {
                    break;
                }
            }
        }
        long end = Lsn.parse(args[4]).value();
        System.out.println(READY);
        System.out.flush();
        BufferedReader rounds = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String slot;
        while ((slot = rounds.readLine()) != null) {
            Measurement measurement = client(consumer).run(target, slot.trim(), format, new StreamProbe(end));
            System.out.println(measurement.toLine());
            System.out.flush();
        }
        System.exit(0);
    }

    private static JavaConsumer client(Consumer consumer) {
        return switch (consumer) {
            case PGJDBC -> new PgjdbcConsumer();
            case PGREPL_RAW -> new RawConsumer();
            case PGREPL_PGOUTPUT -> new PgOutputConsumer(false);
            case PGREPL_PGOUTPUT_BORROWED -> new PgOutputConsumer(true);
            case PGREPL_KAFKA -> new RelayConsumer();
            case PGREPL_SPRING -> new SpringConsumer();
            case DEBEZIUM -> new DebeziumConsumer();
            case PG_RECVLOGICAL -> throw new IllegalArgumentException("pg_recvlogical is not a Java consumer");
        };
    }
}
