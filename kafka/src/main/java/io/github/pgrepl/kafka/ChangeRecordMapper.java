package io.github.pgrepl.kafka;

import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Makes the Kafka record of one change. The default, {@link JsonChangeRecordMapper}, writes the documented JSON
 * envelope; define a bean of this type to write something else (Avro, Protobuf, another envelope).
 *
 * <p>The relay adds the headers {@value KafkaRelay#LSN_HEADER}, {@value KafkaRelay#XID_HEADER} and
 * {@value KafkaRelay#SEQ_HEADER} to whatever record this returns. Called on the connection's listener thread, one change
 * at a time, in commit order; a mapper that throws fails the relay on that change, which the connection's error handler
 * then sees as a listener's failure.
 */
@FunctionalInterface
public interface ChangeRecordMapper {

    /**
     * @param change the change: {@code operation()} ({@code READ} for a snapshot's row), the rows as {@link Row}s
     *     (which tell unchanged TOAST values apart), the replica identity's values as {@code key()}, and
     *     {@code source()} (without lsn, xid and commit time for an initial snapshot's row)
     * @param topic the topic configured for the change's table
     * @return the record; its key decides the partition, so keep it the row's identity to keep each row's changes in
     *     order
     */
    ProducerRecord<byte[], byte[]> toRecord(Change<Row> change, String topic);
}
