package io.github.pgrepl.bench;

/** The clients that read the same WAL one after the other, in this order. */
enum Consumer {
    /** PostgreSQL's own C client, writing to /dev/null: the walsender's limit on this machine. */
    PG_RECVLOGICAL("pg_recvlogical"),
    /** pgjdbc's PGReplicationStream: the Java anchor. */
    PGJDBC("pgjdbc"),
    /** pgrepl's ReplicationConnection with a handler that only reads the XLogData header. */
    PGREPL_RAW("pgrepl-raw"),
    /** pgrepl's PgOutputHandler, decoding every message, with a no-op ChangeListener. */
    PGREPL_PGOUTPUT("pgrepl-pgoutput"),
    /** The same with borrowed rows (PgOutputHandler.Builder.borrowedRows): tuples in pooled buffers. */
    PGREPL_PGOUTPUT_BORROWED("pgrepl-pgoutput-borrowed"),
    /**
     * pgrepl-kafka's relay on a PgOutputHandler: every change a JSON record sent to a broker on this machine, timed
     * until the broker acknowledged the last one.
     */
    PGREPL_KAFKA("pgrepl-kafka"),
    /** pgrepl through Spring Boot: a {@code @ReplicationListener} method binding each row to a record. */
    PGREPL_SPRING("pgrepl-spring"),
    /** Debezium's embedded engine and PostgreSQL connector (pgoutput), with a handler that counts records. */
    DEBEZIUM("debezium");

    private final String label;

    Consumer(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** The slot this consumer reads in one format and round; every one its own, created before the workload. */
    String slot(Format format, int round) {
        return prefix(format) + "_r" + round;
    }

    /** The slot of warm-up round {@code round} (from 1), which this consumer reads, unmeasured, before its own. */
    String warmupSlot(Format format, int round) {
        return prefix(format) + "_warmup" + round;
    }

    private String prefix(Format format) {
        return "bench_" + label.replace('-', '_') + "_" + format.label();
    }

    boolean java() {
        return this != PG_RECVLOGICAL;
    }

    /** Debezium asks pgoutput for text values only: it has no binary mode. */
    boolean reads(Format format) {
        return this != DEBEZIUM || !format.binary();
    }

    static Consumer of(String label) {
        for (Consumer consumer : values()) {
            if (consumer.label.equals(label)) {
                return consumer;
            }
        }
        throw new IllegalArgumentException("Unknown consumer '" + label + "'");
    }
}
