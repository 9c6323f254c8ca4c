package io.github.pgrepl;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The callback module of a {@link ReplicationConnection}: it decides what the connection does.
 *
 * <p>Every method runs on the connection's own thread, one at a time and in order, so an
 * implementation keeps its state in plain fields and needs no locks. Each returns an {@link Action}:
 * what to send, which query or stream to run next, whether to pause or resume reading the socket.
 * A callback that blocks delays only its own connection; long work belongs on another thread, with
 * {@link Action#noReplyAndPause} to hold the stream while it runs.
 *
 * <p>A callback that throws disconnects the connection with that exception as the reason.
 */
public interface ReplicationHandler {

    /** Called once, on the connection's thread, before the first connection attempt. */
    default void init(ReplicationConnection connection) {
    }

    /** The connection is authenticated and ready for a query; typically returns a {@link Action#stream}. */
    default Action handleConnect() {
        return Action.noReply();
    }

    /**
     * The socket is gone (closed by the server, a read error, a query timeout or a {@link Action#disconnect}).
     * Stream and pause state are already cleared and pending calls failed. With auto-reconnect the
     * connection then retries and calls {@link #handleConnect()} again.
     */
    default Action handleDisconnect(Throwable reason) {
        return Action.noReply();
    }

    /**
     * One CopyData payload of a running stream: for {@code START_REPLICATION}, an XLogData ({@code 'w'})
     * or keepalive ({@code 'k'}) message, readable with {@link ReplicationMessages#parse}. The buffer is
     * valid only during this call: copy what you keep.
     */
    default Action handleData(ByteBuffer copyData) {
        return Action.noReply();
    }

    /** The stream ended (the server sent CopyDone) and the connection is ready for the next query. */
    default Action handleCopyDone() {
        return Action.noReply();
    }

    /** A message from {@link ReplicationConnection#send} or a timer of {@link ReplicationConnection#sendAfter}. */
    default Action handleInfo(Object message) {
        return Action.noReply();
    }

    /**
     * A request from {@link ReplicationConnection#call}: reply through {@code from}, now or later
     * (for instance from {@link #handleResult} after a query).
     */
    default Action handleCall(Object request, Caller from) {
        return Action.noReply();
    }

    /** The outcome of the last {@link Action#query}, or of a {@link Action#stream} that failed to start. */
    default Action handleResult(QueryOutcome outcome) {
        return Action.noReply();
    }

    /**
     * {@link ReplicationConnection#close()} was called: the last chance to acknowledge what was
     * processed. Acks returned here are sent before Terminate when a replication stream is running;
     * other actions are ignored. Called once, on the connection's thread; release resources here.
     */
    default Action handleClose() {
        return Action.noReply();
    }

    /**
     * How long {@link ReplicationConnection#close()} waits for {@link #handleClose()} and the final status update
     * before it gives up and releases the connection's thread (default 5 s). A handler that lets the work in hand
     * finish on close (a listener's event) returns its own bound, with a margin for the status update.
     */
    default Duration closeTimeout() {
        return Duration.ofSeconds(5);
    }
}
