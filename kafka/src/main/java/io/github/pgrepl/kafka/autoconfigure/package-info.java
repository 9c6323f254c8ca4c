/**
 * Spring Boot auto-configuration of the Kafka relay: {@code pgrepl.connections.<name>.kafka.*} to one
 * {@code <name>KafkaRelay} bean per connection that enables it, each with a producer of its own built from Boot's
 * {@code spring.kafka.*} producer configuration.
 *
 * <p>Imports the relay ({@code io.github.pgrepl.kafka}), pgrepl's Spring layer (its connection package, for the
 * properties' errors, and its auto-configuration's {@code internal} key check), pgrepl-core's {@code internal.util}
 * (durations in messages), Spring Boot's Kafka and Jackson support and spring-kafka.
 */
package io.github.pgrepl.kafka.autoconfigure;
