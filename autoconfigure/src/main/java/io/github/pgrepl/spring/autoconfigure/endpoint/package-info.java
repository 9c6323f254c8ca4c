/**
 * Auto-configuration of the {@code pgrepl} actuator endpoint.
 *
 * <p>Imports the {@code endpoint} and {@code connection} runtime packages and Spring Boot's actuator.
 */
package io.github.pgrepl.spring.autoconfigure.endpoint;
