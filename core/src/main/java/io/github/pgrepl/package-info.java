/**
 * pgrepl's API: {@link io.github.pgrepl.ReplicationConnection}, a replication connection driven by a
 * {@link io.github.pgrepl.ReplicationHandler} callback module that answers with {@link io.github.pgrepl.Action}s,
 * its {@link io.github.pgrepl.ConnectionConfig} (with a host list of {@link io.github.pgrepl.Endpoint}s and the
 * {@link io.github.pgrepl.TargetSessionAttrs} kind of server to keep) and {@link io.github.pgrepl.ConnectionStatus}, and the wire
 * helpers for replication messages ({@link io.github.pgrepl.ReplicationMessages}, {@link io.github.pgrepl.Lsn}).
 *
 * <p>May import the JDK, Netty's {@code EventLoopGroup} (a connection may share one), and of pgrepl only
 * {@code internal.Connection} (behind {@code ReplicationConnection}), {@code internal.protocol} (the wire
 * layout) and the checks {@code ConnectionConfig} shares with a session ({@code internal.session.SessionSettings},
 * {@code internal.auth.RequireAuth}), and {@code internal.util} (how messages write durations). Nothing here
 * imports {@code pgoutput}.
 */
package io.github.pgrepl;
