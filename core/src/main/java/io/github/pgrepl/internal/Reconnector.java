package io.github.pgrepl.internal;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.internal.session.Connector;
import io.github.pgrepl.internal.session.ReplicationSession;
import io.github.pgrepl.internal.session.SessionListener;
import io.github.pgrepl.internal.util.Durations;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A connection's way to its sessions: one attempt at a time through the {@link Connector}, and the wait before the
 * next one, exponential with jitter, or the longest there is after an error that retrying cannot fix (a wrong
 * password, a missing publication): such a connection recovers once the cause is fixed, without hammering the server
 * meanwhile. Confined to the connection's event loop.
 */
final class Reconnector {

    private final ConnectionConfig config;
    private final EventLoop loop;
    private final Connector connector;
    /** The attempt under way, or {@code null}. */
    private Future<ReplicationSession> connecting;
    private ScheduledFuture<?> retry;
    /** Waits since the connection was last up: the backoff grows with them. */
    private int waits;

    Reconnector(ConnectionConfig config, EventLoop loop, Connector connector) {
        this.config = config;
        this.loop = loop;
        this.connector = connector;
    }

    boolean isConnecting() {
        return connecting != null;
    }

    /**
     * Starts an attempt whose session reports to {@code listener}; its outcome goes to {@code connected} or
     * {@code failed}, on the loop, unless {@link #cancel} came first.
     */
    void connect(SessionListener listener, Consumer<ReplicationSession> connected, Consumer<Throwable> failed) {
        Future<ReplicationSession> attempt = connector.connect(listener);
        connecting = attempt;
        attempt.addListener(done -> {
            if (connecting == attempt) {
                connecting = null;
            }
            if (attempt.isCancelled()) {
                return;
            }
            if (attempt.isSuccess()) {
                connected.accept(attempt.getNow());
            } else {
                failed.accept(attempt.cause());
            }
        });
    }

    /**
     * Runs {@code next} after the next wait since the connection was last up (the shortest first, then growing), or
     * the longest wait after an {@code error} that retrying cannot fix.
     */
    void retryAfter(Throwable error, Runnable next) {
        waits++;
        long delay = NonTransientReplicationException.isNonTransient(error) ? connector.longestRetryDelayNanos()
                : connector.retryDelayNanos(waits);
        retry = loop.schedule(next, delay, TimeUnit.NANOSECONDS);
    }

    /** The connection is up: the next wait is the shortest again. */
    void connected() {
        waits = 0;
    }

    /** What a log line adds about the retries after {@code error}. */
    String retryNote(Throwable error) {
        return NonTransientReplicationException.isNonTransient(error) ? "; retrying cannot fix this, so the connection"
                + " retries every " + Durations.text(config.reconnectBackoffMax()) + " until its cause is fixed" : "";
    }

    /** No more attempts: the wait is cancelled, and the attempt under way closes its socket when it ends. */
    void cancel() {
        if (retry != null) {
            retry.cancel(false);
        }
        if (connecting != null) {
            connecting.cancel(false);
        }
    }
}
