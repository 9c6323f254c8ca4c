package io.github.pgrepl.internal;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.internal.protocol.CopyDataLayout;
import io.github.pgrepl.internal.session.ReceiveStats;
import io.github.pgrepl.internal.session.SessionInfo;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What {@code status()} reports, kept where any thread can read it: written only on the connection's event
 * loop (so a volatile write per change suffices), read from anywhere. What the sessions receive is counted in
 * {@link ReceiveStats}, published once per batch.
 */
final class StatusRecorder {

    private final ReceiveStats received;

    private volatile ConnectionState state = ConnectionState.CONNECTING;
    private volatile long lastFlushedLsn;
    private volatile long pausedSinceMillis;
    private volatile int reconnectAttempts;
    private volatile long reconnects;
    private volatile Throwable lastError;
    private volatile SessionInfo session;
    private volatile Duration walSenderTimeout;
    private volatile String waitingFor;

    StatusRecorder(ReceiveStats received) {
        this.received = received;
    }

    ConnectionState state() {
        return state;
    }

    void state(ConnectionState state) {
        this.state = state;
    }

    Throwable lastError() {
        return lastError;
    }

    void lastError(Throwable error) {
        this.lastError = error;
    }

    int reconnectAttempts() {
        return reconnectAttempts;
    }

    /** One more failed attempt since the connection was last up; returns the count (1 for the first). */
    int attemptFailed() {
        return ++reconnectAttempts;
    }

    void attemptsReset() {
        reconnectAttempts = 0;
    }

    void reconnected() {
        reconnects++;
    }

    /** The session now connected; its server's {@code wal_sender_timeout} is kept past it, when it told one. */
    void sessionStarted(SessionInfo info) {
        session = info;
        if (info.walSenderTimeout() != null) {
            walSenderTimeout = info.walSenderTimeout();
        }
    }

    void sessionEnded() {
        session = null;
    }

    /** The server's {@code wal_sender_timeout} as last told ({@link Duration#ZERO} when off), or {@code null}. */
    Duration walSenderTimeout() {
        return walSenderTimeout;
    }

    /** What a running command waits for on the server, or {@code null}. */
    void waitingFor(String waitingFor) {
        this.waitingFor = waitingFor;
    }

    /** Whether reading is paused (by the handler or an operator) now: a pause keeps the time it began. */
    void paused(boolean paused) {
        if (!paused) {
            pausedSinceMillis = 0;
        } else if (pausedSinceMillis == 0) {
            pausedSinceMillis = System.currentTimeMillis();
        }
    }

    /** A session ended: a pause that goes on (the operator's) counts from now, for the next session. */
    void pauseRestarted(boolean paused) {
        pausedSinceMillis = paused ? System.currentTimeMillis() : 0;
    }

    /** Acks went out: a standby status update moves the flushed position on (never back). */
    void acksSent(List<byte[]> acks) {
        for (byte[] ack : acks) {
            if (CopyDataLayout.isStandbyStatusUpdate(ack)) {
                long flushed = ByteBuffer.wrap(ack).getLong(CopyDataLayout.STATUS_FLUSHED);
                if (Long.compareUnsigned(flushed, lastFlushedLsn) > 0) {
                    lastFlushedLsn = flushed;
                }
            }
        }
    }

    /** @param onLoop whether the caller runs on the connection's event loop: then the counts are current, not as of the last batch */
    ConnectionStatus snapshot(boolean onLoop) {
        long pausedSince = pausedSinceMillis;
        long lastMessage = received.lastMessageAtMillis();
        SessionInfo info = session;
        Throwable error = lastError;
        return new ConnectionStatus(state, pausedSince != 0, Lsn.of(received.receivedLsn(onLoop)), Lsn.of(lastFlushedLsn),
                Lsn.of(received.walEnd(onLoop)), lastMessage == 0 ? null : Instant.ofEpochMilli(lastMessage), reconnectAttempts,
                error, pausedSince == 0 ? null : Instant.ofEpochMilli(pausedSince), received.messages(onLoop),
                received.bytes(onLoop), reconnects, info == null ? 0 : info.backendPid(),
                info == null ? null : info.parameters().get("server_version"), info == null ? null : info.authenticationMethod(),
                info != null && info.tls(), walSenderTimeout, info == null ? null : info.endpoint(),
                NonTransientReplicationException.isNonTransient(error), waitingFor);
    }
}
