package io.github.pgrepl;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * WAL data ({@code 'w'}): for logical replication, one message of the output plugin.
 *
 * @param walStart the WAL position of the data
 * @param walEnd the server's current end of WAL
 * @param serverTime the server's clock when it sent the message
 * @param data the plugin's bytes: a view of the CopyData buffer, valid only as long as that buffer is
 */
public record XLogData(Lsn walStart, Lsn walEnd, Instant serverTime, ByteBuffer data) implements ReplicationMessage {
}
