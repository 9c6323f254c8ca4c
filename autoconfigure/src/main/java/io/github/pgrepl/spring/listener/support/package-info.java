/**
 * The runtime of {@code @ReplicationListener}: the post-processor that finds listeners, the endpoint registry that
 * binds them to their connections, the dispatcher that calls them in commit order with the error handler, the mapping
 * of decoded events to changes, and the binder that maps rows to their types. Public for the auto-configuration, for
 * pgrepl-test, which runs listeners without a server, and for the Kafka relay; applications rarely need it directly.
 *
 * <p>Imports the listener API and its error handling, the connection package (to bind and steer connections), core
 * and Spring; never the auto-configuration.
 */
package io.github.pgrepl.spring.listener.support;
