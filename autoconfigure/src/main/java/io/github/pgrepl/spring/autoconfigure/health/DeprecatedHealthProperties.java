package io.github.pgrepl.spring.autoconfigure.health;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Keeps the former health keys working: a value set under {@code management.health.replication.*} (other than
 * Spring Boot's own {@code enabled}) stands for its {@code pgrepl.health.*} replacement unless that is set too, and is
 * logged as deprecated. The metadata marks the former keys deprecated, with their replacement, for IDEs and Spring
 * Boot's properties migrator.
 */
class DeprecatedHealthProperties implements EnvironmentPostProcessor {

    /** Former key to its replacement. */
    static final Map<String, String> REPLACEMENTS = Map.of(
            "management.health.replication.reconnect-grace-period", "pgrepl.health.reconnect-grace-period",
            "management.health.replication.wal-sender-timeout", "pgrepl.health.wal-sender-timeout");

    static final String PROPERTY_SOURCE = "pgreplDeprecatedHealthProperties";

    private final Log log;

    DeprecatedHealthProperties(DeferredLogFactory logs) {
        this.log = logs.getLog(DeprecatedHealthProperties.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> replaced = new LinkedHashMap<>();
        REPLACEMENTS.forEach((former, replacement) -> {
            String value = environment.getProperty(former);
            if (value != null && environment.getProperty(replacement) == null) {
                replaced.put(replacement, value);
                log.warn("Property '" + former + "' is deprecated: use '" + replacement + "' instead");
            }
        });
        if (!replaced.isEmpty()) {
            // Last: anything else that sets the replacement wins.
            environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE, replaced));
        }
    }
}
