package io.github.pgrepl.pgoutput;

import io.github.pgrepl.NonTransientReplicationException;

/**
 * The replication slot cannot be streamed, and retrying will not change that: it was invalidated (the server
 * removed WAL or catalog rows it needed), it disappeared (dropped, or lost in a failover that did not synchronize
 * it), or the server cannot have the slot asked for (failover slots before PostgreSQL 17). The message names the
 * cause and the fix; a {@link PgOutputHandler} stops its connection with it instead of reconnecting.
 *
 * <p>A {@link NonTransientReplicationException}, as everything retrying cannot fix; unlike the others it is not
 * retried at all: a new slot would stream from now on and hide that the changes in between are lost to this consumer,
 * so a person decides (re-snapshot, create the slot again).
 */
public class ReplicationSlotException extends NonTransientReplicationException {

    private static final long serialVersionUID = 1L;

    private final String slot;

    public ReplicationSlotException(String slot, String message) {
        super(message);
        this.slot = slot;
    }

    /** The slot's name. */
    public String slot() {
        return slot;
    }
}
