package io.github.pgrepl.spring.connection.internal;

import io.github.pgrepl.Action;
import io.github.pgrepl.Caller;
import io.github.pgrepl.ForwardingReplicationHandler;
import io.github.pgrepl.ReplicationHandler;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The handler a connection is created with, before its listener is known: Spring creates connection beans during
 * refresh, and finds their listeners only once every singleton exists. It forwards every callback to the listener's
 * handler, bound before the connection starts, and notes when the stream was last working, for health.
 */
public final class TrackingHandler extends ForwardingReplicationHandler {

    /** A call answered here, not by the delegate: once it is answered, everything sent before it has run. */
    public static final Object MAILBOX_BARRIER = new Object() {
        @Override
        public String toString() {
            return "pgrepl mailbox barrier";
        }
    };

    /** Asks the handler, on the connection's thread, to stop streaming until {@link #RESUME_STREAMING}. */
    public record StopStreaming(String reason) {
    }

    /** Lifts a {@link StopStreaming}: the delegate sets the stream up again. */
    public static final Object RESUME_STREAMING = new Object() {
        @Override
        public String toString() {
            return "pgrepl resume streaming";
        }
    };

    /** {@link ReplicationHandler#closeTimeout()}'s default, for a connection closed before its listener was bound. */
    private static final Duration UNBOUND_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Clock clock;
    private final Runnable onClose;
    private volatile ReplicationHandler delegate;
    /** Whether only a delivering stream counts as available (the handler streams), or any session. */
    private volatile boolean availableOnlyWhenStreaming;
    private volatile Instant unavailableSince;
    private volatile Instant connectedAt;
    /** Stopped by the listener's error handler: sessions stay idle, without a stream, until resumed. */
    private volatile boolean stopped;
    /** Connected, and idle because stopped: the delegate has not been told of this session. Connection's thread. */
    private boolean idle;

    /**
     * @param onClose called once the connection closed (for good: at shutdown, or after a fatal error)
     */
    public TrackingHandler(Clock clock, Runnable onClose) {
        this.clock = clock;
        this.onClose = onClose;
    }

    /** Sets the handler every callback goes to; before the connection starts. */
    public void bind(ReplicationHandler handler, boolean streams) {
        this.delegate = Objects.requireNonNull(handler, "handler");
        this.availableOnlyWhenStreaming = streams;
    }

    public boolean isBound() {
        return delegate != null;
    }

    @Override
    public ReplicationHandler delegate() {
        return delegate;
    }

    /**
     * The listener's handler's, once bound. A connection closed before its listener was bound (a context whose refresh
     * failed) never connected, so its close is over at once; asking the missing delegate would log a
     * NullPointerException that hides the real failure.
     */
    @Override
    public Duration closeTimeout() {
        ReplicationHandler bound = delegate;
        return bound != null ? bound.closeTimeout() : UNBOUND_CLOSE_TIMEOUT;
    }

    /** Since when the connection has been starting, reconnecting or setting up; {@code null} while it works. */
    public Instant unavailableSince() {
        return unavailableSince;
    }

    /** When the current session was established, or {@code null}. */
    public Instant connectedAt() {
        return connectedAt;
    }

    /** The connection is about to start: it counts as unavailable from now until its stream works. */
    public void starting() {
        unavailableSince = clock.instant();
    }

    /** Whether the stream is stopped until resumed. */
    public boolean isStopped() {
        return stopped;
    }

    @Override
    public Action handleConnect() {
        connectedAt = clock.instant();
        if (!availableOnlyWhenStreaming) {
            unavailableSince = null;
        }
        if (stopped) {
            idle = true; // a session without a stream: no slot held, nothing read, until resumed
            return Action.noReply();
        }
        return delegate.handleConnect();
    }

    @Override
    public Action handleInfo(Object message) {
        if (message instanceof StopStreaming stop) {
            if (stopped) {
                return Action.noReply();
            }
            stopped = true;
            // Ends the stream and lets the slot go; the reconnect that follows stays idle (handleConnect).
            return Action.disconnect(stop.reason());
        }
        if (message == RESUME_STREAMING) {
            if (!stopped) {
                return Action.noReply();
            }
            stopped = false;
            if (idle) {
                idle = false;
                return delegate.handleConnect(); // set the stream up on this very session
            }
            return Action.noReply(); // not connected now: the next connect sets it up
        }
        return delegate.handleInfo(message);
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
        if (idle) {
            idle = false;
            connectedAt = null;
            return Action.noReply(); // the delegate never knew of this session
        }
        connectedAt = null;
        if (unavailableSince == null) {
            unavailableSince = clock.instant();
        }
        return delegate.handleDisconnect(reason);
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        if (unavailableSince != null) {
            unavailableSince = null; // the stream delivers: set up and working
        }
        return delegate.handleData(copyData);
    }

    @Override
    public Action handleClose() {
        Action action = delegate != null ? delegate.handleClose() : Action.noReply();
        onClose.run();
        return action;
    }

    @Override
    public Action handleCall(Object request, Caller from) {
        if (request == MAILBOX_BARRIER) {
            from.reply(Boolean.TRUE);
            return Action.noReply();
        }
        return delegate.handleCall(request, from);
    }

}
