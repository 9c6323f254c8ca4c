/**
 * What applications write listeners with: {@link io.github.pgrepl.spring.listener.ReplicationListener}, the
 * {@link io.github.pgrepl.spring.listener.Change}, {@link io.github.pgrepl.spring.listener.ChangeTransaction} and
 * {@link io.github.pgrepl.spring.listener.ColumnValue} they receive, and the exceptions that say why a listener cannot
 * be bound or a row cannot be mapped.
 *
 * <p>Imports pgrepl-core's API and Spring; nothing else of pgrepl's Spring layer. The machinery lives in
 * {@code support}, error handling in {@code error}.
 */
package io.github.pgrepl.spring.listener;
