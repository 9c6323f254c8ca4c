package io.github.pgrepl.kafka.health;

import io.github.pgrepl.kafka.KafkaRelay;
import io.github.pgrepl.kafka.autoconfigure.PgReplKafkaAutoConfiguration;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * The {@code kafkaRelay} health contributor ({@code /actuator/health/kafkaRelay}), one child per relayed connection.
 * Off with {@code management.health.kafka-relay.enabled=false}.
 */
@AutoConfiguration(after = PgReplKafkaAutoConfiguration.class)
@ConditionalOnClass({ HealthContributor.class, ConditionalOnEnabledHealthIndicator.class, KafkaRelay.class })
@ConditionalOnBean(KafkaRelay.class)
@ConditionalOnEnabledHealthIndicator("kafka-relay")
public class KafkaRelayHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = { "kafkaRelayHealthIndicator", "kafkaRelayHealthContributor" })
    public HealthContributor kafkaRelayHealthContributor(ObjectProvider<KafkaRelay> relays) {
        Map<String, KafkaRelayHealthIndicator> indicators = new LinkedHashMap<>();
        relays.orderedStream().forEach(relay -> indicators.put(relay.connection(), new KafkaRelayHealthIndicator(relay)));
        return CompositeHealthContributor.fromMap(indicators);
    }
}
