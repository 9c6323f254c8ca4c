package io.github.pgrepl.bench;

import io.github.pgrepl.Lsn;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Entry point of a child JVM that runs one Java consumer, so that each measurement starts clean:
 * {@code ConsumerMain <consumer> <format> <warm-up slot|-> <warm-up end LSN|-> <end LSN> <slot>...}, the
 * server's URL in {@value Target#URL_VARIABLE}. With a warm-up slot it first reads that, unmeasured, so
 * that the JIT has compiled the hot path; then each slot in turn (the rounds: the same WAL each time),
 * printing one {@link Measurement} line per slot.
 */
public final class ConsumerMain {

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
            client(consumer).run(target, args[2], format, new StreamProbe(Lsn.parse(args[3]).value()));
        }
        long end = Lsn.parse(args[4]).value();
        for (int i = 5; i < args.length; i++) {
            Measurement measurement = client(consumer).run(target, args[i], format, new StreamProbe(end));
            System.out.println(measurement.toLine());
            System.out.flush();
        }
        System.exit(0);
    }

    private static JavaConsumer client(Consumer consumer) {
        return switch (consumer) {
            case PGJDBC -> new PgjdbcConsumer();
            case PGREPL_RAW -> new RawConsumer();
            case PGREPL_PGOUTPUT -> new PgOutputConsumer();
            case PG_RECVLOGICAL -> throw new IllegalArgumentException("pg_recvlogical is not a Java consumer");
        };
    }
}
