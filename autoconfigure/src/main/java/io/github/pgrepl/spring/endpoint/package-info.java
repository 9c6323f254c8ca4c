/**
 * The {@code pgrepl} actuator endpoint: each connection's status, and pause, resume and restart.
 *
 * <p>Imports the {@code connection} package, pgrepl-core and Spring Boot's actuator.
 */
package io.github.pgrepl.spring.endpoint;
