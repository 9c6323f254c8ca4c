package io.github.pgrepl.internal.session;

import io.github.pgrepl.PgException;
import io.github.pgrepl.QueryOutcome;

import java.nio.ByteBuffer;

/**
 * What a {@link ReplicationSession} tells its owner, on the channel's event loop. A session that was
 * terminated, or reported {@link #onLost}, reports nothing more.
 */
public interface SessionListener {

    /** The running query was answered with CopyBoth or CopyOut: it is a stream now. */
    void onStreamStarted();

    /** One CopyData payload of the running stream; the buffer (position 0) is valid only during the call. */
    void onCopyData(ByteBuffer copyData);

    /** The stream ended without an error, and the session is ready for the next query. */
    void onCopyDone();

    /**
     * The query ended (or a stream failed to start or ended with an error), and the session is ready for the
     * next query.
     */
    void onResult(QueryOutcome outcome);

    /** An ErrorResponse that belongs to no query (typically the server's reason before it closes the socket). */
    void onServerError(PgException error);

    /** The session is unusable (socket closed, read error, query timeout, silence, protocol error) and terminated. */
    void onLost(Throwable reason);
}
