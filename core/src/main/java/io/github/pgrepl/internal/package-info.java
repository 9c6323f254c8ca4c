/**
 * The connection behind a {@code ReplicationConnection}, for its whole life:
 * {@link io.github.pgrepl.internal.Connection} runs the handler's callbacks on the connection's event loop (its
 * mailbox, with calls, timers and postponed events in a {@link io.github.pgrepl.internal.Mailbox}), applies the
 * {@code Action}s they return, carries pauses across sessions and decides the {@code ConnectionState};
 * {@link io.github.pgrepl.internal.Reconnector} makes its sessions and waits between attempts (longest after an error
 * retrying cannot fix), {@link io.github.pgrepl.internal.ServerWait} runs commands that wait on the server without a
 * timeout and finds out what they wait for, and {@link io.github.pgrepl.internal.StatusRecorder} keeps what
 * {@code status()} reports.
 *
 * <p>May import the API ({@code io.github.pgrepl}, but not {@code ReplicationConnection}, which hands it the
 * handler's init instead), {@code internal.session}, {@code internal.util} and Netty's event loops. Its subpackages never import it.
 */
package io.github.pgrepl.internal;
