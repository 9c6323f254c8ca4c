package io.github.pgrepl.kafka.autoconfigure;

import io.github.pgrepl.kafka.ChangeRecordMapper;
import io.github.pgrepl.kafka.JsonChangeRecordMapper;
import io.github.pgrepl.kafka.KafkaRelay;
import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.autoconfigure.internal.ConnectionPropertiesCheck;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaTemplate;

import tools.jackson.databind.json.JsonMapper;

/**
 * The Kafka relay of each replication connection with {@code pgrepl.connections.<name>.kafka.enabled=true}: a
 * {@code <name>KafkaRelay} bean ({@link KafkaRelay}), which listens to its connection next to the connection's
 * {@code @ReplicationListener} methods. Records are made by the application's {@link ChangeRecordMapper} bean, else by a
 * {@link JsonChangeRecordMapper} over Boot's {@link JsonMapper}. Needs spring-kafka.
 */
@AutoConfiguration(after = { PgReplAutoConfiguration.class, KafkaAutoConfiguration.class, JacksonAutoConfiguration.class },
        before = ReplicationListenerAutoConfiguration.class)
@ConditionalOnClass({ KafkaTemplate.class, KafkaProperties.class, PgReplAutoConfiguration.class })
@EnableConfigurationProperties({ PgReplKafkaProperties.class, KafkaProperties.class })
@Import(KafkaRelayBeanRegistrar.class)
public class PgReplKafkaAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public KafkaRelayFactory kafkaRelayFactory(PgReplKafkaProperties properties, KafkaProperties kafka,
                                               ObjectProvider<KafkaConnectionDetails> connectionDetails,
                                               ObjectProvider<ChangeRecordMapper> mapper, ObjectProvider<JsonMapper> json,
                                               Environment environment) {
        // A misspelt key under kafka. would be ignored in silence (kafka.enabeld: the relay never starts).
        ConnectionPropertiesCheck.checkKafka(environment, PgReplKafkaProperties.Connection.class);
        return new KafkaRelayFactory(properties, kafka, connectionDetails.getIfAvailable(),
                () -> mapper.getIfAvailable(() -> new JsonChangeRecordMapper(json.getIfAvailable(JsonMapper::shared))));
    }
}
