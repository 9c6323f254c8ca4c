/**
 * Auto-configuration of the {@code replication} health contributor and its {@code pgrepl.health.*} properties.
 *
 * <p>Imports the {@code health} and {@code connection} runtime packages and Spring Boot's health module.
 */
package io.github.pgrepl.spring.autoconfigure.health;
