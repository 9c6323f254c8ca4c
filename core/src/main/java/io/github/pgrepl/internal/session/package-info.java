/**
 * One socket of a replication connection: the {@link io.github.pgrepl.internal.session.Connector} connects it
 * (walking the host list for a server of the wanted kind; TCP, TLS, startup and authentication in
 * {@link io.github.pgrepl.internal.session.StartupHandler}) and the
 * {@link io.github.pgrepl.internal.session.ReplicationSession} runs it from startup's end to its close (queries,
 * streams, acks, holds on reading, half-open detection), telling its owner what happened through a
 * {@link io.github.pgrepl.internal.session.SessionListener}. A reconnect makes a new session.
 *
 * <p>May import the API's configuration, exceptions, results and wire helpers ({@code ReplicationMessages}),
 * {@code internal.protocol}, {@code internal.auth}, {@code internal.tls}, {@code internal.util} and Netty; never {@code io.github.pgrepl.internal} (the connection that owns a session).
 */
package io.github.pgrepl.internal.session;
