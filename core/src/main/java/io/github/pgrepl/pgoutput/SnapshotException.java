package io.github.pgrepl.pgoutput;

import io.github.pgrepl.ReplicationException;

/** A snapshot that cannot start (bad input, one already running) or that failed; the message says why and what to do. */
public class SnapshotException extends ReplicationException {

    private static final long serialVersionUID = 1L;

    /** Why, for callers that map it (the actuator endpoint answers 409 for {@link #RUNNING}, 400 for bad input). */
    public enum Reason {
        /** A table that does not exist. */
        UNKNOWN_TABLE,
        /** A table that no publication of the handler publishes. */
        NOT_PUBLISHED,
        /** A table without a primary key or unique not-null key, which incremental snapshots read in key order. */
        NO_KEY,
        /** A snapshot runs already: one at a time. */
        RUNNING,
        /** The handler cannot take one now (not started, closed, or still setting up). */
        NOT_READY,
        /** The snapshot started and failed. */
        FAILED
    }

    private final Reason reason;

    public SnapshotException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SnapshotException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
