package io.github.pgrepl.pgoutput;

/** Whether a {@link PgOutputHandler} reads the rows that exist before its slot. */
public enum SnapshotMode {

    /** No initial snapshot: the stream starts at the slot's position (incremental snapshots still work on demand). */
    NEVER,

    /**
     * When the handler creates the slot, it reads every table of the snapshot set as of the slot's consistent point,
     * delivers the rows as {@link ChangeEvent.Read}s, then streams from that point: no gap, no overlap. A slot that
     * already exists streams from its position.
     */
    INITIAL,

    /** As {@link #INITIAL}, then stops: the slot stays at the consistent point, for a later start to stream from. */
    INITIAL_ONLY
}
