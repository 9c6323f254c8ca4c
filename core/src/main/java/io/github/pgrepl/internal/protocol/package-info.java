/**
 * PostgreSQL's frontend/backend protocol 3.0, as bytes: encoders of the client's messages
 * ({@link io.github.pgrepl.internal.protocol.FrontendMessages}), the startup's frame decoder and the stream's
 * inbox ({@link io.github.pgrepl.internal.protocol.FrameInbox}), readers of errors and query results, and where
 * the fields of replication CopyData lie ({@link io.github.pgrepl.internal.protocol.CopyDataLayout}). No state
 * beyond one message or one inbox, no I/O.
 *
 * <p>May import Netty's buffers and codec base, and the API's value types ({@code PgException},
 * {@code QueryResult}); nothing else of pgrepl.
 */
package io.github.pgrepl.internal.protocol;
