package io.github.pgrepl;

/** A CopyData message of a {@code START_REPLICATION} stream; see {@link ReplicationMessages#parse}. */
public sealed interface ReplicationMessage permits XLogData, PrimaryKeepalive {
}
