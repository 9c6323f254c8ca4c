package io.github.pgrepl;

/** Where a {@link ReplicationConnection} is in its life. */
public enum ConnectionState {
    /** The first connection attempt is under way. */
    CONNECTING,
    /** Authenticated and idle or running a query. */
    CONNECTED,
    /** A replication or COPY stream is running (paused or not). */
    STREAMING,
    /** The connection was lost; a reconnect is scheduled or under way. */
    RECONNECTING,
    /**
     * Another consumer holds what this one needs (its replication slot is active for another process):
     * waiting, retrying with backoff, to take over when it is free. The high-availability mode.
     */
    STANDBY,
    /** Not connected and not trying (no auto-reconnect, or the first attempt failed). */
    DISCONNECTED,
    /** Closed by {@link ReplicationConnection#close()}; final. */
    CLOSED
}
