/**
 * The relay's machinery: the window of records sent and not yet acknowledged.
 * Not an API.
 *
 * <p>Imports pgrepl-core, the listener API of pgrepl's Spring layer and the Kafka client.
 */
package io.github.pgrepl.kafka.internal;
