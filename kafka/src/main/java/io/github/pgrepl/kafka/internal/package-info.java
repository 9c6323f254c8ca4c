/**
 * The relay's machinery: the window of records sent and not yet acknowledged, and the watchdog that replaces a stuck
 * producer. Not an API.
 *
 * <p>Imports pgrepl-core, the listener API of pgrepl's Spring layer, the Kafka client and spring-kafka's template.
 */
package io.github.pgrepl.kafka.internal;
