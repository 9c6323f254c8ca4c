package io.github.pgrepl.kafka;

import io.github.pgrepl.Lsn;

import java.time.Duration;

/**
 * What a {@link KafkaRelay} is doing, for health: a snapshot.
 *
 * @param connection the connection it relays
 * @param transactional whether each PostgreSQL transaction is one Kafka transaction
 * @param problem why the relay cannot deliver (a refused record, a broker that stopped acknowledging, a failing Kafka
 *     transaction), with what to do; {@code null} while it delivers
 * @param inFlightRecords records sent and not yet acknowledged, or refused and waiting to be sent again
 * @param inFlightBytes their bytes
 * @param maxInFlightBytes the bound of those bytes
 * @param confirmedLsn the end of the last transaction the broker has whole: what the connection may confirm
 * @param waitingForRoom how long the relay has been waiting for acknowledgements to send more (the connection pauses
 *     meanwhile); {@link Duration#ZERO} when it is not waiting
 * @param sinceLastAck how long records have been waiting with no acknowledgement coming; {@link Duration#ZERO} when
 *     none waits
 */
public record KafkaRelayStatus(String connection, boolean transactional, String problem, int inFlightRecords,
                               long inFlightBytes, long maxInFlightBytes, Lsn confirmedLsn, Duration waitingForRoom,
                               Duration sinceLastAck) {

    /** Whether the relay delivers. */
    public boolean isHealthy() {
        return problem == null;
    }
}
