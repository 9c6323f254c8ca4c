package io.github.pgrepl.spring.autoconfigure.metrics;

import io.github.pgrepl.spring.autoconfigure.PgReplAutoConfiguration;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.metrics.ReplicationMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Binds {@link ReplicationMetrics} when Micrometer and a {@link MeterRegistry} are there. */
@AutoConfiguration(after = PgReplAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean({ MeterRegistry.class, ReplicationConnectionRegistry.class })
public class ReplicationMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public ReplicationMetrics replicationMetrics(ReplicationConnectionRegistry registry) {
        return new ReplicationMetrics(registry);
    }
}
