/**
 * What a managed connection is made of and applications never touch: the handler that stands in for the listener's
 * until it is bound and tracks availability for health, and the connection's side of its listener (observations).
 *
 * <p>Imports pgrepl-core, the {@code connection} and {@code observation} packages and Micrometer's observation API.
 */
package io.github.pgrepl.spring.connection.internal;
