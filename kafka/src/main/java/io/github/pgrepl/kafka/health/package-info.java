/**
 * Health of the Kafka relays: {@code kafkaRelay}, one child per relayed connection, DOWN while the broker does not take
 * the records. Imports the relay and Spring Boot's health support.
 */
package io.github.pgrepl.kafka.health;
