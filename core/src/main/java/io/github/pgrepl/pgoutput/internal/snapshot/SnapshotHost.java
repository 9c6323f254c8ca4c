package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.ChangeEvent;

import java.util.List;

/**
 * What the snapshot machinery needs from the handler it works for ({@code PgOutputHandler}): its connection (to
 * send itself messages), the listener's queue, and how the server's rows are read. Called on the handler's
 * connection thread only.
 */
public interface SnapshotHost {

    /** The handler's connection: snapshot sessions send their messages to it. */
    ReplicationConnection connection();

    /**
     * Queues an event for the listener, for the next {@link #flush}; {@code true} when the queue is now full, and
     * whoever feeds it should wait for {@link Snapshots#queueDrained()}.
     */
    boolean offer(ChangeEvent event, int bytes);

    /** Hands what was offered to the listener's thread. */
    void flush();

    /** Whether the listener has processed everything offered so far. */
    boolean listenerIdle();

    /** Rows of the server's types (domains, enums), as the stream's are read. */
    RowFactory.Source rows();

    /** {@code server_version_num} of the server, once checked. */
    int serverVersionNum();

    /** The publications streamed. */
    List<String> publications();

    /** Whether values are read in binary. */
    boolean binary();

    /**
     * Settings for a snapshot's own session: the handler's, as a plain (not replication) connection that does not
     * reconnect by itself unless {@code reconnect}; {@code purpose} names it in the connection's name.
     */
    default ConnectionConfig sessionConfig(String purpose, boolean reconnect) {
        ConnectionConfig config = connection().config();
        return config.toBuilder().name(config.name() + "-" + purpose).parameter("replication", "false")
                .syncConnect(false).autoReconnect(reconnect).build();
    }
}
