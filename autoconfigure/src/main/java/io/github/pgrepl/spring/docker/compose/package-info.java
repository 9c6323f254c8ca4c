/**
 * Docker Compose support (spring-boot-docker-compose): a {@code postgres} service of the application's
 * {@code compose.yaml} is where pgrepl's connections connect.
 *
 * <p>Imports the auto-configuration's {@code ReplicationConnectionDetails} and spring-boot-docker-compose.
 */
package io.github.pgrepl.spring.docker.compose;
