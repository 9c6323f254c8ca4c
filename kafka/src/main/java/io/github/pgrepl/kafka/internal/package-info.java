/**
 * The relay's machinery: the window of records sent and not yet acknowledged, the watchdog that replaces a stuck
 * producer, and the fixes its messages name for refused records. Not an API.
 *
 * <p>Imports pgrepl-core, the listener API of pgrepl's Spring layer, the Kafka client and spring-kafka's template.
 */
package io.github.pgrepl.kafka.internal;
