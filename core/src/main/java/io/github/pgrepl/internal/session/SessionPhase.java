package io.github.pgrepl.internal.session;

/** Where a session is on the wire, from the end of startup to its close. */
public enum SessionPhase {
    /** Ready for a query (after startup, or after a query's or stream's ReadyForQuery). */
    READY,
    /** A query (or a stream not yet answered with CopyBoth/CopyOut) waits for its answer. */
    QUERY,
    /** A CopyBoth or CopyOut stream runs: CopyData goes to the listener. */
    STREAMING,
    /** The stream ended (CopyDone or an error); its ReadyForQuery has not come yet. */
    STREAM_ENDING,
    /** Terminated: the socket is closed or closing, and the session reports nothing more. */
    CLOSED
}
