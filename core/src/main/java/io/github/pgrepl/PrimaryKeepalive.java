package io.github.pgrepl;

import java.time.Instant;

/**
 * A primary keepalive ({@code 'k'}). When {@code replyRequested}, the server wants a status update
 * now, or it disconnects when {@code wal_sender_timeout} runs out.
 */
public record PrimaryKeepalive(Lsn walEnd, Instant serverTime, boolean replyRequested) implements ReplicationMessage {
}
