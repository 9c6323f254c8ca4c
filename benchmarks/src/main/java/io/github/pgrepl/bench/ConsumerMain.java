package io.github.pgrepl.bench;

import io.github.pgrepl.Lsn;

/**
 * Entry point of a child JVM that runs one Java consumer, so that each measurement starts clean:
 * {@code ConsumerMain <consumer> <slot> <format> <end LSN>}, the server's URL in {@value Target#URL_VARIABLE}.
 * Prints one {@link Measurement} line.
 */
public final class ConsumerMain {

    private ConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        Consumer consumer = Consumer.of(args[0]);
        String slot = args[1];
        Format format = Format.of(args[2]);
        StreamProbe probe = new StreamProbe(Lsn.parse(args[3]).value());
        JavaConsumer client = switch (consumer) {
            case PGJDBC -> new PgjdbcConsumer();
            case PGREPL_RAW -> new RawConsumer();
            case PGREPL_PGOUTPUT -> new PgOutputConsumer();
            case PG_RECVLOGICAL -> throw new IllegalArgumentException("pg_recvlogical is not a Java consumer");
        };
        Measurement measurement = client.run(Target.fromEnvironment(), slot, format, probe);
        System.out.println(measurement.toLine());
        System.out.flush();
        System.exit(0);
    }
}
