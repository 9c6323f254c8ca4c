package io.github.pgrepl.internal.session;

import io.github.pgrepl.internal.protocol.CopyDataLayout;
import io.github.pgrepl.internal.protocol.FrameInbox;

/**
 * What the sessions of one connection received, for its status: CopyData messages and bytes, the highest
 * WAL position seen and the server's WAL end, and when the last message arrived. It outlives its sessions
 * (a reconnect counts on). The counts and positions are written on the event loop once per message and
 * published to other threads once per batch ({@link #publish}); read them on the loop for the current values.
 */
public final class ReceiveStats {

    private long messages;
    private long bytes;
    private long receivedLsn;
    private long walEnd;

    private volatile long publishedMessages;
    private volatile long publishedBytes;
    private volatile long publishedReceivedLsn;
    private volatile long publishedWalEnd;
    private volatile long lastMessageAtMillis;

    void copyData(int length) {
        messages++;
        bytes += length;
    }

    /** A position from an XLogData or keepalive header; the received position never goes back. */
    void position(long lsn, long serverWalEnd) {
        if (Long.compareUnsigned(lsn, receivedLsn) > 0) {
            receivedLsn = lsn;
        }
        walEnd = serverWalEnd;
    }

    /** Keeps the positions current from the header of the XLogData or keepalive the inbox holds ({@code length} bytes). */
    void trackPositions(FrameInbox inbox, int length) {
        if (length == 0) {
            return;
        }
        byte kind = inbox.bodyByte(0);
        if (kind == CopyDataLayout.XLOG_DATA && length >= CopyDataLayout.XLOG_DATA_HEADER_LENGTH) {
            position(inbox.bodyLong(CopyDataLayout.XLOG_DATA_WAL_START), inbox.bodyLong(CopyDataLayout.XLOG_DATA_WAL_END));
        } else if (kind == CopyDataLayout.PRIMARY_KEEPALIVE && length >= CopyDataLayout.KEEPALIVE_LENGTH) {
            long end = inbox.bodyLong(CopyDataLayout.KEEPALIVE_WAL_END);
            position(end, end);
        }
    }

    void messageArrived(long nowMillis) {
        lastMessageAtMillis = nowMillis;
    }

    /** Makes the counts and positions of the batch just delivered visible to other threads. */
    void publish() {
        publishedMessages = messages;
        publishedBytes = bytes;
        publishedReceivedLsn = receivedLsn;
        publishedWalEnd = walEnd;
    }

    /** @param onLoop whether the caller runs on the connection's event loop (then the values are current) */
    public long messages(boolean onLoop) {
        return onLoop ? messages : publishedMessages;
    }

    public long bytes(boolean onLoop) {
        return onLoop ? bytes : publishedBytes;
    }

    public long receivedLsn(boolean onLoop) {
        return onLoop ? receivedLsn : publishedReceivedLsn;
    }

    public long walEnd(boolean onLoop) {
        return onLoop ? walEnd : publishedWalEnd;
    }

    /** When the last socket read of a ready session happened (epoch millis), or 0. */
    public long lastMessageAtMillis() {
        return lastMessageAtMillis;
    }
}
