package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import java.time.Duration;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * One {@link ReplicationConnection} bean per entry under {@code pgrepl.connections} (named
 * {@code <name>ReplicationConnection}), owned and started by a {@link ReplicationConnectionRegistry}, and consumed by
 * its {@code @ReplicationListener}s (see
 * {@link io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration}).
 */
@AutoConfiguration
@ConditionalOnClass(ReplicationConnection.class)
@EnableConfigurationProperties(PgReplProperties.class)
@Import(ReplicationConnectionBeanRegistrar.class)
public class PgReplAutoConfiguration {

    /** Spring Boot's default of {@code spring.lifecycle.timeout-per-shutdown-phase}. */
    private static final Duration DEFAULT_SHUTDOWN_PHASE_TIMEOUT = Duration.ofSeconds(30);

    @Bean
    @ConditionalOnMissingBean
    public ReplicationConnectionRegistry replicationConnectionRegistry(PgReplProperties properties, Environment environment,
                                                                       ListableBeanFactory beanFactory) {
        Duration shutdownPhaseTimeout = environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase", Duration.class,
                DEFAULT_SHUTDOWN_PHASE_TIMEOUT);
        ConnectionTargets targets = ConnectionTargets.from(beanFactory, properties.connections().keySet());
        ConnectionSettingsFactory settings = new ConnectionSettingsFactory(targets, shutdownPhaseTimeout);
        return new ReplicationConnectionRegistry(settings.create(properties));
    }
}
