/**
 * The runtime of configured connections: {@code ReplicationConnectionRegistry} owns every connection and runs its
 * lifecycle, {@code ManagedReplicationConnection} is one connection with what observes it, and the settings records
 * carry what the properties resolved to. Health, metrics, the endpoint and the listener machinery read and steer
 * connections through these types.
 *
 * <p>Imports pgrepl-core and Spring; never the auto-configuration, nor the listener API.
 */
package io.github.pgrepl.spring.connection;
