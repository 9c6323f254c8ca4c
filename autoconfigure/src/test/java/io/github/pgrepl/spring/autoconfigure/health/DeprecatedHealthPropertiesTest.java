package io.github.pgrepl.spring.autoconfigure.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.boot.logging.DeferredLogs;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** The former management.health.replication.* keys still work, and lose to the new pgrepl.health.* ones. */
class DeprecatedHealthPropertiesTest {

    @Test
    void aFormerKeyStandsForItsReplacement() {
        ReplicationHealthProperties health = bind(Map.of("management.health.replication.reconnect-grace-period", "7s",
                "management.health.replication.wal-sender-timeout", "2m"));
        assertThat(health.reconnectGracePeriod()).isEqualTo(Duration.ofSeconds(7));
        assertThat(health.walSenderTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void theNewKeyWins() {
        ReplicationHealthProperties health = bind(Map.of("management.health.replication.reconnect-grace-period", "7s",
                "pgrepl.health.reconnect-grace-period", "9s"));
        assertThat(health.reconnectGracePeriod()).isEqualTo(Duration.ofSeconds(9));
        assertThat(health.walSenderTimeout()).as("the default").isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void formerKeysInTheRelaxedFormsOfEnvironmentVariablesWorkToo() {
        ReplicationHealthProperties health = bind(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                Map.of("MANAGEMENT_HEALTH_REPLICATION_RECONNECTGRACEPERIOD", "11s")));
        assertThat(health.reconnectGracePeriod()).isEqualTo(Duration.ofSeconds(11));
    }

    @Test
    void isRegisteredForSpringBoot() {
        SpringFactoriesLoader.ArgumentResolver logs = SpringFactoriesLoader.ArgumentResolver.of(DeferredLogFactory.class,
                new DeferredLogs());
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(EnvironmentPostProcessor.class, logs))
                .hasAtLeastOneElementOfType(DeprecatedHealthProperties.class);
    }

    private static ReplicationHealthProperties bind(Map<String, Object> properties) {
        return bind(new MapPropertySource("test", properties));
    }

    private static ReplicationHealthProperties bind(MapPropertySource properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(properties);
        ConfigurationPropertySources.attach(environment); // as SpringApplication does before post-processing
        new DeprecatedHealthProperties(new DeferredLogs()).postProcessEnvironment(environment, new SpringApplication());
        return Binder.get(environment).bindOrCreate("pgrepl.health", ReplicationHealthProperties.class);
    }
}
