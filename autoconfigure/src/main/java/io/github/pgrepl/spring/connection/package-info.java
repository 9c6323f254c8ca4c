/**
 * The runtime of configured connections: {@code ReplicationConnectionRegistry} owns every connection and runs its
 * lifecycle, {@code ManagedReplicationConnection} is one connection with what observes it, and the settings records
 * carry what the properties resolved to. Health, metrics, the endpoint and the listener machinery read and steer
 * connections through these types.
 *
 * {@code ListenerActivity} is what the listeners are doing, as observability sees it (the transaction in hand, the
 * time lag).
 *
 * <p>Imports pgrepl-core, Spring, Micrometer's observation API and pgrepl's {@code observation} package; never the
 * auto-configuration, nor the listener API.
 */
package io.github.pgrepl.spring.connection;
