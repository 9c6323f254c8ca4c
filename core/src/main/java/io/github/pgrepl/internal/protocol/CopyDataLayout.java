package io.github.pgrepl.internal.protocol;

/**
 * Where the fields of a replication stream's CopyData payloads lie (PostgreSQL's "Streaming Replication
 * Protocol": XLogData, primary keepalive, standby status update), in bytes from the payload's first. The one
 * home of these offsets: {@link io.github.pgrepl.ReplicationMessages} parses and builds with them, a session
 * tracks positions with them, and the connection reads the flushed position of the acks it sends.
 */
public final class CopyDataLayout {

    /** XLogData: {@code 'w'}, WAL start, WAL end, server clock, then the output plugin's message. */
    public static final byte XLOG_DATA = 'w';
    public static final int XLOG_DATA_WAL_START = 1;
    public static final int XLOG_DATA_WAL_END = 9;
    public static final int XLOG_DATA_SERVER_TIME = 17;
    /** Where the output plugin's message starts. */
    public static final int XLOG_DATA_HEADER_LENGTH = 25;

    /** Primary keepalive: {@code 'k'}, WAL end, server clock, reply requested. */
    public static final byte PRIMARY_KEEPALIVE = 'k';
    public static final int KEEPALIVE_WAL_END = 1;
    public static final int KEEPALIVE_SERVER_TIME = 9;
    public static final int KEEPALIVE_REPLY_REQUESTED = 17;
    public static final int KEEPALIVE_LENGTH = 18;

    /** Standby status update: {@code 'r'}, positions written, flushed and applied, client clock, reply requested. */
    public static final byte STANDBY_STATUS_UPDATE = 'r';
    public static final int STATUS_WRITTEN = 1;
    public static final int STATUS_FLUSHED = 9;
    public static final int STATUS_APPLIED = 17;
    public static final int STATUS_CLOCK = 25;
    public static final int STATUS_REPLY_REQUESTED = 33;
    public static final int STATUS_LENGTH = 34;

    private CopyDataLayout() {
    }

    /** Whether {@code payload} is a whole standby status update (what {@link #STATUS_FLUSHED} may be read from). */
    public static boolean isStandbyStatusUpdate(byte[] payload) {
        return payload.length == STATUS_LENGTH && payload[0] == STANDBY_STATUS_UPDATE;
    }
}
