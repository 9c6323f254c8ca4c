package io.github.pgrepl.spring.connection.internal;

import io.github.pgrepl.Action;
import io.github.pgrepl.Caller;
import io.github.pgrepl.ForwardingReplicationHandler;
import io.github.pgrepl.ReplicationHandler;

import java.nio.ByteBuffer;
import java.time.Clock;
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

    private final Clock clock;
    private volatile ReplicationHandler delegate;
    /** Whether only a delivering stream counts as available (the handler streams), or any session. */
    private volatile boolean availableOnlyWhenStreaming;
    private volatile Instant unavailableSince;
    private volatile Instant connectedAt;

    public TrackingHandler(Clock clock) {
        this.clock = clock;
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

    @Override
    public Action handleConnect() {
        connectedAt = clock.instant();
        if (!availableOnlyWhenStreaming) {
            unavailableSince = null;
        }
        return delegate.handleConnect();
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
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
    public Action handleCall(Object request, Caller from) {
        if (request == MAILBOX_BARRIER) {
            from.reply(Boolean.TRUE);
            return Action.noReply();
        }
        return delegate.handleCall(request, from);
    }

}
