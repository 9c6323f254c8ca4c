/**
 * {@code @ServiceConnection} for a Testcontainers {@code PostgreSQLContainer}: where pgrepl's connections connect in
 * tests.
 *
 * <p>Imports the auto-configuration's {@code ReplicationConnectionDetails}, Spring Boot's Testcontainers support and
 * Testcontainers.
 */
package io.github.pgrepl.spring.testcontainers;
