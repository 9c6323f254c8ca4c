package io.github.pgrepl.spring.autoconfigure.listener;

import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.listener.support.ReplicationListenerBeanPostProcessor;
import io.github.pgrepl.spring.listener.support.ReplicationListenerEndpointRegistry;
import io.github.pgrepl.spring.listener.support.ReplicationListenerEndpoints;
import io.github.pgrepl.spring.listener.support.ReplicationListenerRegistrar;
import io.github.pgrepl.spring.listener.support.RowBinder;

import java.time.Clock;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.context.annotation.Bean;

/**
 * {@code @ReplicationListener}s: finds them on beans (also with lazy initialization on), binds each connection to its
 * listeners, and runs listener methods with the connection's error handler. Rows are bound with Spring Boot's
 * application conversions plus the application's {@code Converter} and {@code Formatter} beans.
 */
@AutoConfiguration(after = PgReplAutoConfiguration.class)
@ConditionalOnBean(ReplicationConnectionRegistry.class)
public class ReplicationListenerAutoConfiguration {

    /** Static: a post-processor must not make this configuration class, or anything else, an early bean. */
    @Bean
    @ConditionalOnMissingBean
    public static ReplicationListenerBeanPostProcessor replicationListenerBeanPostProcessor() {
        return new ReplicationListenerBeanPostProcessor();
    }

    /** Listener beans are created at startup even with {@code spring.main.lazy-initialization=true}: else none is found. */
    @Bean
    public static LazyInitializationExcludeFilter replicationListenerLazyInitializationExcludeFilter() {
        return (beanName, definition, beanType) -> ReplicationListenerEndpoints.hasListeners(beanType);
    }

    @Bean
    @ConditionalOnMissingBean(ReplicationListenerRegistrar.class)
    public ReplicationListenerEndpointRegistry replicationListenerEndpointRegistry(ReplicationConnectionRegistry connections,
                                                                                   ListableBeanFactory beanFactory) {
        ApplicationConversionService conversions = new ApplicationConversionService();
        ApplicationConversionService.addBeans(conversions, beanFactory);
        ReplicationErrorHandlers errorHandlers = new ReplicationErrorHandlers(beanFactory,
                connections.connections().stream().map(ManagedReplicationConnection::name).toList());
        return new ReplicationListenerEndpointRegistry(connections, new RowBinder(conversions), errorHandlers::forConnection,
                Clock.systemUTC());
    }
}
