package io.github.pgrepl.spring.autoconfigure.health;

import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.health.ReplicationHealthIndicator;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * The {@code replication} health contributor ({@code /actuator/health/replication}), one child per connection.
 * Off with {@code management.health.replication.enabled=false}.
 */
@AutoConfiguration(after = PgReplAutoConfiguration.class)
@ConditionalOnClass({ HealthContributor.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(ReplicationConnectionRegistry.class)
@ConditionalOnEnabledHealthIndicator("replication")
@EnableConfigurationProperties(ReplicationHealthProperties.class)
public class ReplicationHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = { "replicationHealthIndicator", "replicationHealthContributor" })
    public HealthContributor replicationHealthContributor(ReplicationConnectionRegistry registry,
                                                          ReplicationHealthProperties properties) {
        Map<String, ReplicationHealthIndicator> indicators = new LinkedHashMap<>();
        for (ManagedReplicationConnection connection : registry.connections()) {
            indicators.put(connection.name(), new ReplicationHealthIndicator(connection, properties.reconnectGracePeriod(),
                    properties.walSenderTimeout(), Clock.systemUTC()));
        }
        return CompositeHealthContributor.fromMap(indicators);
    }
}
