package io.github.pgrepl.bench;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.kafka.JsonChangeRecordMapper;
import io.github.pgrepl.kafka.KafkaRelay;
import io.github.pgrepl.kafka.KafkaRelaySettings;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import tools.jackson.databind.json.JsonMapper;

/**
 * pgrepl-kafka's {@link KafkaRelay} on a {@link PgOutputHandler}: every change becomes a JSON record (row values read
 * and written) sent to the harness's broker with the relay's producer settings ({@code acks=all}, idempotence, 128 KB
 * batches), the producer's defaults otherwise.
 * The run ends once the broker acknowledged every record before the end marker: the relay's confirm limit is then
 * clear. Each round writes to topics of its own ({@code bench.<slot>.public.bench_rows}).
 */
final class RelayConsumer implements JavaConsumer {

    @Override
    public Measurement run(Target target, String slot, Format format, StreamProbe probe) throws Exception {
        Map<String, Object> producer = new HashMap<>();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.fromEnvironment());
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, "pgrepl-bench");
        producer.put(ProducerConfig.BATCH_SIZE_CONFIG, KafkaRelaySettings.DEFAULT_BATCH_SIZE); // the relay's default
        producer.put(ProducerConfig.LINGER_MS_CONFIG, KafkaRelaySettings.DEFAULT_LINGER_MS);
        DefaultKafkaProducerFactory<byte[], byte[]> factory = new DefaultKafkaProducerFactory<>(producer,
                new ByteArraySerializer(), new ByteArraySerializer());
        try {
            KafkaRelay relay = new KafkaRelay(KafkaRelaySettings.of("bench").withTopicPrefix("bench." + slot + "."),
                    new KafkaTemplate<>(factory), new JsonChangeRecordMapper(JsonMapper.shared()));
            ChangeListener listener = new ChangeListener() {
                @Override
                public void onChange(ChangeEvent event) throws Exception {
                    probe.countMessage();
                    relay.onChange(event);
                    if (event instanceof ChangeEvent.LogicalMessage message && Workload.END_PREFIX.equals(message.prefix())) {
                        while (relay.confirmLimit() != null) {
                            TimeUnit.MICROSECONDS.sleep(100); // the point: wait for the broker's last acknowledgements
                        }
                        probe.finish();
                    }
                }

                @Override
                public io.github.pgrepl.Lsn confirmLimit() {
                    return relay.confirmLimit();
                }
            };
            PgOutputHandler handler = PgOutputHandler.builder(listener)
                    .slot(slot)
                    .publications(Workload.PUBLICATION)
                    .protocolVersion(1)
                    .streaming(false)
                    .messages(true)
                    .binary(format.binary())
                    .build();
            try (ReplicationConnection connection = ReplicationConnection.start(target.config(),
                    new FirstByteHandler(handler, probe))) {
                return probe.await(Duration.ofMinutes(30));
            } finally {
                relay.close();
            }
        } finally {
            factory.destroy();
        }
    }
}
