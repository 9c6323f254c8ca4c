/**
 * What a managed connection is made of and applications never touch: the handler that stands in for the listener's
 * until it is bound, and tracks availability for health.
 *
 * <p>Imports pgrepl-core only.
 */
package io.github.pgrepl.spring.connection.internal;
