package io.github.pgrepl.pgoutput.internal.snapshot;

/**
 * A message between the snapshot sessions and the handler they work for, through the connections' mailboxes: the
 * handler hands every one it gets to {@link Snapshots}.
 */
public interface SnapshotSignal {
}
