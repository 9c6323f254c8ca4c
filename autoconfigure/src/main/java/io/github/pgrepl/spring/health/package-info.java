/**
 * The health of each connection, as a Spring Boot {@code HealthIndicator}.
 *
 * <p>Imports the {@code connection} package, pgrepl-core and Spring Boot's health module.
 */
package io.github.pgrepl.spring.health;
