/**
 * The auto-configuration of pgrepl's connections: {@code pgrepl.connections.*} bound to {@code PgReplProperties},
 * checked and resolved (service connections, fallbacks) into connection settings, one {@code ReplicationConnection}
 * bean per connection. The auto-configuration of each part lives in a sub-package named after the runtime package it
 * configures ({@code health}, {@code metrics}, {@code endpoint}, {@code listener}).
 *
 * <p>Imports pgrepl-core, the runtime packages ({@code connection}, {@code listener}) and Spring Boot; nothing imports
 * it but other auto-configuration.
 */
package io.github.pgrepl.spring.autoconfigure;
