package io.github.pgrepl.bench;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;

/**
 * pgjdbc's {@link PGReplicationStream}, the usual way: a replication connection, a logical stream
 * with the same pgoutput options, and a thread blocked in {@code read()} that counts what it gets.
 */
final class PgjdbcConsumer implements JavaConsumer {

    @Override
    public Measurement run(Target target, String slot, Format format, StreamProbe probe) throws Exception {
        Properties properties = target.jdbcProperties();
        PGProperty.REPLICATION.set(properties, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
        PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), properties)) {
            ChainedLogicalStreamBuilder builder = connection.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream().logical()
                    .withSlotName(slot)
                    .withStatusInterval(10, TimeUnit.SECONDS)
                    .withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", Workload.PUBLICATION)
                    .withSlotOption("messages", "true");
            if (format.binary()) {
                builder.withSlotOption("binary", "true");
            }
            try (PGReplicationStream stream = builder.start()) {
                while (true) {
                    ByteBuffer data = stream.read();
                    probe.firstByte();
                    if (probe.xlogData(stream.getLastReceiveLSN().asLong(), data.remaining())) {
                        break;
                    }
                }
            }
        }
        return probe.await(java.time.Duration.ZERO);
    }
}
