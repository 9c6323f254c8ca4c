package io.github.pgrepl.kafka.health;

import io.github.pgrepl.kafka.KafkaRelay;
import io.github.pgrepl.kafka.KafkaRelayStatus;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of one connection's Kafka relay, as the relay sees the broker: UP while records are acknowledged (or none is
 * waiting); DOWN while the broker refuses records, a Kafka transaction fails, or records have waited longer than the
 * relay's {@code ack-timeout} for an acknowledgement (the broker is down, unreachable or slow). The connection's own
 * health ({@code replication}) shows meanwhile that the stream is paused.
 */
public class KafkaRelayHealthIndicator implements HealthIndicator {

    private final KafkaRelay relay;

    public KafkaRelayHealthIndicator(KafkaRelay relay) {
        this.relay = relay;
    }

    @Override
    public Health health() {
        KafkaRelayStatus status = relay.status();
        Health.Builder health = status.isHealthy() ? Health.up() : Health.down().withDetail("problem", status.problem());
        health.withDetail("transactional", status.transactional())
                .withDetail("inFlightRecords", status.inFlightRecords())
                .withDetail("inFlightBytes", status.inFlightBytes())
                .withDetail("maxInFlightBytes", status.maxInFlightBytes())
                .withDetail("confirmedLsn", status.confirmedLsn().toString());
        if (!status.waitingForRoom().isZero()) {
            health.withDetail("waitingForAcksMs", status.waitingForRoom().toMillis());
        }
        if (!status.sinceLastAck().isZero()) {
            health.withDetail("sinceLastAckMs", status.sinceLastAck().toMillis());
        }
        return health.build();
    }
}
