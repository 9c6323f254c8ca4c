/**
 * Auto-configuration of pgrepl's meters, when Micrometer and a {@code MeterRegistry} are there.
 *
 * <p>Imports the {@code metrics} and {@code connection} runtime packages, Micrometer and Spring Boot.
 */
package io.github.pgrepl.spring.autoconfigure.metrics;
