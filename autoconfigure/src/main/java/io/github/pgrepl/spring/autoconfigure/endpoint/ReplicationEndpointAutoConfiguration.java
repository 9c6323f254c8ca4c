package io.github.pgrepl.spring.autoconfigure.endpoint;

import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.endpoint.ReplicationEndpoint;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code pgrepl} actuator endpoint, when the application exposes it (it is not exposed by default:
 * {@code management.endpoints.web.exposure.include=health,pgrepl}).
 */
@AutoConfiguration(after = PgReplAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(ReplicationConnectionRegistry.class)
@ConditionalOnAvailableEndpoint(ReplicationEndpoint.class)
public class ReplicationEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public ReplicationEndpoint replicationEndpoint(ReplicationConnectionRegistry registry) {
        return new ReplicationEndpoint(registry);
    }
}
