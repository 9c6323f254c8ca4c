package io.github.pgrepl;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of a connection, safe to take from any thread ({@link ReplicationConnection#status()}).
 *
 * @param state where the connection is in its life
 * @param paused whether socket reads are paused by the handler (backpressure)
 * @param lastReceivedLsn the highest WAL position seen in XLogData and keepalives
 * @param lastFlushedLsn the highest flushed position the handler sent in a standby status update
 * @param serverWalEnd the server's end of WAL, as of its last message
 * @param lastMessageAt when the last message arrived from the server, or {@code null}
 * @param reconnectAttempts connection attempts failed since the connection was last up (0 while connected; a lost
 *     session is none, a standby's retries are); the log numbers them the same way, from 1
 * @param lastError the last failure (a disconnect reason or a failed attempt), or {@code null}
 * @param pausedSince when the current pause began, or {@code null} when not paused
 * @param messagesReceived CopyData messages delivered to the handler so far
 * @param bytesReceived bytes of those messages
 * @param reconnects successful reconnects so far
 * @param backendPid the server process of the current session, or 0
 * @param serverVersion the server's {@code server_version}, or {@code null} before the first connect
 * @param authenticationMethod how the current session authenticated (e.g. {@code SCRAM-SHA-256-PLUS}), or {@code null}
 * @param tls whether the current session runs over TLS
 * @param walSenderTimeout the server's {@code wal_sender_timeout} ({@link Duration#ZERO} when off), or {@code null}
 *     before the first connect
 * @param server the server of the host list the current session runs on, or {@code null} when not connected
 * @param lastErrorNonTransient whether {@code lastError} is one that retrying alone cannot end (a wrong password, a
 *     missing publication: see {@link NonTransientReplicationException}); the connection then retries at its longest
 *     backoff, and recovers by itself once the cause is fixed
 * @param waitingFor what a running command that waits on the server without a timeout waits for (e.g. {@code
 *     CREATE_REPLICATION_SLOT}, for the transactions that hold an xid, and which sessions those are), or {@code null}
 */
public record ConnectionStatus(ConnectionState state, boolean paused, Lsn lastReceivedLsn, Lsn lastFlushedLsn,
                               Lsn serverWalEnd, Instant lastMessageAt, int reconnectAttempts, Throwable lastError,
                               Instant pausedSince, long messagesReceived, long bytesReceived, long reconnects,
                               int backendPid, String serverVersion, String authenticationMethod, boolean tls,
                               Duration walSenderTimeout, Endpoint server, boolean lastErrorNonTransient,
                               String waitingFor) {

    /** Bytes of WAL the server has that this client has not flushed; 0 when unknown. */
    public long lagBytes() {
        if (serverWalEnd.isZero() || lastFlushedLsn.isZero()) {
            return 0L;
        }
        return Math.max(0L, serverWalEnd.minus(lastFlushedLsn));
    }
}
