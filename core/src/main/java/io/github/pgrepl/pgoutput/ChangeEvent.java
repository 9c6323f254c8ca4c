package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.internal.PgType;
import io.github.pgrepl.pgoutput.internal.Strings;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One decoded pgoutput message. The records follow the PostgreSQL documentation's "Logical
 * Replication Message Formats", protocol versions 1 to 4, field by field.
 *
 * <p>Conventions: LSNs are {@link Lsn}; server timestamps are {@link Instant}s (the wire counts
 * microseconds from 2000-01-01); transaction ids are unsigned 32-bit values in a {@code long}, and
 * the {@code xid} of a change is 0 unless it was sent inside a streamed transaction (between
 * {@link StreamStart} and {@link StreamStop}). Events hold no reference to the buffer they were
 * decoded from. {@code toString()} is bounded whatever the data.
 */
public sealed interface ChangeEvent {

    /** Start of a transaction ({@code B}). */
    record Begin(Lsn finalLsn, Instant commitTime, long xid) implements ChangeEvent {
    }

    /** End of a transaction ({@code C}); {@code flags} is currently always 0. */
    record Commit(int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime) implements ChangeEvent {
    }

    /** The transaction was replicated from another node ({@code O}), named by its origin. */
    record Origin(Lsn commitLsn, String name) implements ChangeEvent {
    }

    /**
     * A table's description ({@code R}), sent before the first change to it and again after its
     * definition changes. {@code namespace} is {@code pg_catalog} where the wire sends an empty
     * string for it. {@code replicaIdentity} is the character {@code d} (default: primary key),
     * {@code n} (nothing), {@code f} (full) or {@code i} (an index).
     */
    record Relation(long xid, int oid, String namespace, String name, int replicaIdentity, List<Column> columns)
            implements ChangeEvent {

        public Relation {
            columns = List.copyOf(columns);
        }

        /** One column; {@code key} when it is part of the replica identity. */
        public record Column(boolean key, String name, int typeOid, int typeModifier) {

            @Override
            public String toString() {
                return name + ' ' + PgType.describe(typeOid) + (key ? " key" : "");
            }
        }

        /** {@code namespace.name}, unquoted. */
        public String qualifiedName() {
            return namespace + '.' + name;
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder("Relation[").append(qualifiedName())
                    .append(" oid=").append(Integer.toUnsignedString(oid))
                    .append(" replicaIdentity=").append((char) replicaIdentity);
            if (xid != 0) {
                out.append(" xid=").append(xid);
            }
            out.append(" columns=[");
            int shown = Math.min(columns.size(), 32);
            for (int i = 0; i < shown; i++) {
                out.append(i == 0 ? "" : ", ").append(Strings.abbreviate(columns.get(i).toString(), 96));
            }
            if (shown < columns.size()) {
                out.append(", ... ").append(columns.size() - shown).append(" more");
            }
            return out.append("]]").toString();
        }
    }

    /** A data type's name ({@code Y}), sent before a column of a non-built-in type is used. */
    record TypeInfo(long xid, int oid, String namespace, String name) implements ChangeEvent {
    }

    /** A row inserted into {@code relation}. */
    record Insert(Relation relation, Row newRow, long xid) implements ChangeEvent {

        @Override
        public String toString() {
            return "Insert[" + relation.qualifiedName() + (xid != 0 ? " xid=" + xid : "") + " new=" + newRow + ']';
        }
    }

    /**
     * A row updated in {@code relation}. {@code oldKey} ({@code K}: the replica identity columns,
     * others null) is present when the key changed; {@code oldRow} ({@code O}) is present under
     * {@code REPLICA IDENTITY FULL}. Both are {@code null} otherwise. Columns of {@code newRow}
     * that hold a TOASTed value that did not change may be {@linkplain Row#isUnchangedToast(int)
     * unchanged TOAST}: even under {@code REPLICA IDENTITY FULL} such a value arrives in
     * {@code oldRow} only, so read it there.
     */
    record Update(Relation relation, Row oldKey, Row oldRow, Row newRow, long xid) implements ChangeEvent {

        @Override
        public String toString() {
            return "Update[" + relation.qualifiedName() + (xid != 0 ? " xid=" + xid : "")
                    + (oldKey != null ? " oldKey=" + oldKey : "") + (oldRow != null ? " old=" + oldRow : "")
                    + " new=" + newRow + ']';
        }
    }

    /** A row deleted from {@code relation}: exactly one of {@code oldKey} and {@code oldRow} is set. */
    record Delete(Relation relation, Row oldKey, Row oldRow, long xid) implements ChangeEvent {

        @Override
        public String toString() {
            return "Delete[" + relation.qualifiedName() + (xid != 0 ? " xid=" + xid : "")
                    + (oldKey != null ? " oldKey=" + oldKey : "") + (oldRow != null ? " old=" + oldRow : "") + ']';
        }
    }

    /** {@code TRUNCATE} of one or more relations ({@code T}). */
    record Truncate(List<Relation> relations, boolean cascade, boolean restartIdentity, long xid)
            implements ChangeEvent {

        public Truncate {
            relations = List.copyOf(relations);
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder("Truncate[");
            int shown = Math.min(relations.size(), 16);
            for (int i = 0; i < shown; i++) {
                out.append(i == 0 ? "" : ", ").append(relations.get(i).qualifiedName());
            }
            if (shown < relations.size()) {
                out.append(", ... ").append(relations.size() - shown).append(" more");
            }
            return out.append(" cascade=").append(cascade).append(" restartIdentity=").append(restartIdentity)
                    .append(xid != 0 ? " xid=" + xid : "").append(']').toString();
        }
    }

    /**
     * A message from {@code pg_logical_emit_message} ({@code M}). {@code content} is copied in and
     * out, so the event stays immutable.
     */
    record LogicalMessage(boolean transactional, Lsn lsn, String prefix, byte[] content, long xid)
            implements ChangeEvent {

        public LogicalMessage {
            content = content.clone();
        }

        @Override
        public byte[] content() {
            return content.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof LogicalMessage that && transactional == that.transactional
                    && lsn.equals(that.lsn) && prefix.equals(that.prefix) && Arrays.equals(content, that.content)
                    && xid == that.xid;
        }

        @Override
        public int hashCode() {
            return Objects.hash(transactional, lsn, prefix, Arrays.hashCode(content), xid);
        }

        @Override
        public String toString() {
            return "LogicalMessage[transactional=" + transactional + " lsn=" + lsn + " prefix="
                    + Strings.abbreviate(prefix, 64) + " content=" + content.length + " bytes"
                    + (xid != 0 ? " xid=" + xid : "") + ']';
        }
    }

    /**
     * A snapshot starts reading {@code table}: {@link Read}s of its rows follow. An initial snapshot sends it before
     * the stream starts; an incremental one inside the high watermark's transaction of its first chunk. After an
     * interrupted snapshot it comes again for the tables it reads again.
     */
    record SnapshotStarted(Relation table) implements ChangeEvent {

        @Override
        public String toString() {
            return "SnapshotStarted[" + table.qualifiedName() + ']';
        }
    }

    /**
     * A row of {@code relation} as a snapshot read it: not a change, the row as it was at the snapshot's position in
     * the stream. Its columns are those the stream sends (the publication's column list), its values converted as
     * {@link Insert}'s are.
     */
    record Read(Relation relation, Row row) implements ChangeEvent {

        @Override
        public String toString() {
            return "Read[" + relation.qualifiedName() + " row=" + row + ']';
        }
    }

    /** A snapshot has read every row of {@code table}: {@code rows} in all (across restarts of an incremental one). */
    record SnapshotCompleted(Relation table, long rows) implements ChangeEvent {

        @Override
        public String toString() {
            return "SnapshotCompleted[" + table.qualifiedName() + " rows=" + rows + ']';
        }
    }

    /** Start of a segment of a streamed, still in-progress transaction ({@code S}, protocol 2+). */
    record StreamStart(long xid, boolean firstSegment) implements ChangeEvent {
    }

    /** End of a segment of a streamed transaction ({@code E}, protocol 2+). */
    record StreamStop() implements ChangeEvent {
    }

    /** A streamed transaction committed ({@code c}, protocol 2+). */
    record StreamCommit(long xid, int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime) implements ChangeEvent {
    }

    /**
     * A streamed transaction, or its subtransaction {@code subXid}, aborted ({@code A}, protocol
     * 2+). {@code abortLsn} and {@code abortTime} are sent only with protocol 4 and
     * {@code streaming 'parallel'}, and are {@code null} otherwise.
     */
    record StreamAbort(long xid, long subXid, Lsn abortLsn, Instant abortTime) implements ChangeEvent {
    }

    /** Start of a prepared (two-phase) transaction ({@code b}, protocol 3+). */
    record BeginPrepare(Lsn prepareLsn, Lsn endLsn, Instant prepareTime, long xid, String gid)
            implements ChangeEvent {
    }

    /** {@code PREPARE TRANSACTION} ({@code P}, protocol 3+). */
    record Prepare(int flags, Lsn prepareLsn, Lsn endLsn, Instant prepareTime, long xid, String gid)
            implements ChangeEvent {
    }

    /** {@code COMMIT PREPARED} ({@code K}, protocol 3+). */
    record CommitPrepared(int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime, long xid, String gid)
            implements ChangeEvent {
    }

    /** {@code ROLLBACK PREPARED} ({@code r}, protocol 3+). */
    record RollbackPrepared(int flags, Lsn prepareEndLsn, Lsn rollbackEndLsn, Instant prepareTime,
            Instant rollbackTime, long xid, String gid) implements ChangeEvent {
    }

    /** A streamed transaction was prepared ({@code p}, protocol 3+). */
    record StreamPrepare(int flags, Lsn prepareLsn, Lsn endLsn, Instant prepareTime, long xid, String gid)
            implements ChangeEvent {
    }
}
