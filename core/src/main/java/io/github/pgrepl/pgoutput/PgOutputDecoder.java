package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.internal.OidMap;
import io.github.pgrepl.pgoutput.internal.PgDateTime;
import io.github.pgrepl.pgoutput.internal.TypeResolver;
import io.github.pgrepl.pgoutput.internal.WireReader;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decodes the payloads of pgoutput's XLogData messages into {@link ChangeEvent}s.
 *
 * <p>One decoder per replication connection, used from one thread: it keeps the state the
 * protocol needs across messages, namely the relations described so far (Insert, Update and
 * Delete name their table only by OID) and whether a streamed transaction's segment is open
 * (inside one, changes carry their transaction id).
 *
 * <p>The buffer passed to {@link #decode(ByteBuffer)} is read only during the call: events copy
 * what they keep (a {@link PgOutputHandler} with borrowed rows has them copied into buffers it reuses). Malformed input fails with a {@link DecodeException} naming the message type
 * and byte offset, and the decoder's state is then as before the call.
 */
public final class PgOutputDecoder {

    public static final int MIN_PROTOCOL_VERSION = 1;
    public static final int MAX_PROTOCOL_VERSION = 4;

    /** Streaming of in-progress transactions, and the xid field inside streams. */
    private static final int STREAMING_VERSION = 2;
    /** Two-phase commit messages. */
    private static final int TWO_PHASE_VERSION = 3;
    /** Stream Abort's abort LSN and time, under {@code streaming 'parallel'}. */
    private static final int PARALLEL_STREAMING_VERSION = 4;

    private final int protocolVersion;
    private final TypeResolver types;
    /** Where borrowed rows' buffers come from ({@link PgOutputHandler.Builder#borrowedRows}); {@code null}: owned rows. */
    private final RowLeases leases;
    private final OidMap<RowSchema> relations = new OidMap<>();
    /** Reads every message in turn: confined to the decoding thread, as the decoder is. */
    private final WireReader reader = new WireReader();
    private boolean inStream;
    /** The open transaction's Begin and its commit time as sent, whose values its Commit repeats; or {@code null}. */
    private ChangeEvent.Begin lastBegin;
    private long lastBeginMicros;

    /**
     * @param protocolVersion the {@code proto_version} sent in START_REPLICATION, 1 to 4
     */
    public PgOutputDecoder(int protocolVersion) {
        this(protocolVersion, TypeResolver.BUILT_IN);
    }

    /** @param types where domains and enums resolve to, from the catalog */
    PgOutputDecoder(int protocolVersion, TypeResolver types) {
        this(protocolVersion, types, null);
    }

    /**
     * @param leases where the tuples of borrowed rows go, or {@code null} for rows that own their tuple; the caller
     *     ends each event's rows' lifetime ({@link RowLeases#release}, or the listener worker)
     */
    PgOutputDecoder(int protocolVersion, TypeResolver types, RowLeases leases) {
        this.types = types;
        this.leases = leases;
        if (protocolVersion < MIN_PROTOCOL_VERSION || protocolVersion > MAX_PROTOCOL_VERSION) {
            throw new IllegalArgumentException("pgoutput protocol version " + protocolVersion + " is not supported; use "
                    + MIN_PROTOCOL_VERSION + " to " + MAX_PROTOCOL_VERSION);
        }
        this.protocolVersion = protocolVersion;
    }

    public int protocolVersion() {
        return protocolVersion;
    }

    /** True between a Stream Start and its Stream Stop. */
    public boolean inStream() {
        return inStream;
    }

    /** The relation last described for this OID, or {@code null}. */
    public Relation relation(int oid) {
        RowSchema schema = relations.get(oid);
        return schema == null ? null : schema.relation();
    }

    /**
     * Forgets all relations and any open stream segment. Call it when the connection is made
     * again: the server resends Relation messages on a new connection.
     */
    public void reset() {
        relations.clear();
        inStream = false;
        lastBegin = null;
    }

    /**
     * Decodes one message, from the buffer's position (its type byte) to its limit. The buffer's
     * position is not changed.
     *
     * @throws DecodeException when the bytes are not a well-formed message of this protocol version
     */
    public ChangeEvent decode(ByteBuffer message) {
        Objects.requireNonNull(message, "message");
        if (!message.hasRemaining()) {
            throw new DecodeException("Malformed pgoutput message at byte 0: the payload is empty, expected a message type");
        }
        byte type = message.get(message.position());
        if (leases == null) {
            try {
                return decode(type, message);
            } finally {
                reader.finish();
            }
        }
        boolean decoded = false;
        try {
            ChangeEvent event = decode(type, message);
            decoded = true;
            return event;
        } finally {
            reader.finish();
            if (decoded) {
                leases.decoded();
            } else {
                leases.decodeFailed(); // an Update whose new tuple was malformed: its old one's lease comes back
            }
        }
    }

    private ChangeEvent decode(byte type, ByteBuffer message) {
        WireReader reader = this.reader;
        switch (type) {
            case 'B':
                return begin(reader.start(message, "Begin ('B')"));
            case 'C':
                return commit(reader.start(message, "Commit ('C')"));
            case 'O':
                return origin(reader.start(message, "Origin ('O')"));
            case 'R':
                return relation(reader.start(message, "Relation ('R')"));
            case 'Y':
                return type(reader.start(message, "Type ('Y')"));
            case 'I':
                return insert(reader.start(message, "Insert ('I')"), "Insert ('I')");
            case 'U':
                return update(reader.start(message, "Update ('U')"), "Update ('U')");
            case 'D':
                return delete(reader.start(message, "Delete ('D')"), "Delete ('D')");
            case 'T':
                return truncate(reader.start(message, "Truncate ('T')"));
            case 'M':
                return logicalMessage(reader.start(message, "Message ('M')"));
            case 'S':
                return streamStart(reader.start(message, "Stream Start ('S')"));
            case 'E':
                return streamStop(reader.start(message, "Stream Stop ('E')"));
            case 'c':
                return streamCommit(reader.start(message, "Stream Commit ('c')"));
            case 'A':
                return streamAbort(reader.start(message, "Stream Abort ('A')"));
            case 'b':
                return beginPrepare(reader.start(message, "Begin Prepare ('b')"));
            case 'P':
                return prepare(reader.start(message, "Prepare ('P')"));
            case 'K':
                return commitPrepared(reader.start(message, "Commit Prepared ('K')"));
            case 'r':
                return rollbackPrepared(reader.start(message, "Rollback Prepared ('r')"));
            case 'p':
                return streamPrepare(reader.start(message, "Stream Prepare ('p')"));
            default:
                throw new DecodeException("Malformed pgoutput message at byte 0: unknown message type "
                        + describeByte(type) + "; is the slot's output plugin pgoutput?");
        }
    }

    private ChangeEvent begin(WireReader in) {
        Lsn finalLsn = lsn(in, "final LSN");
        long commitMicros = in.readLong("commit time");
        long xid = xid(in, "xid");
        in.expectEnd();
        lastBegin = new ChangeEvent.Begin(finalLsn, PgDateTime.instant(commitMicros), xid);
        lastBeginMicros = commitMicros;
        return lastBegin;
    }

    private ChangeEvent commit(WireReader in) {
        int flags = in.readByte("flags") & 0xFF;
        long commitLsn = in.readLong("commit LSN");
        Lsn endLsn = lsn(in, "end LSN");
        long commitTime = in.readLong("commit time");
        in.expectEnd();
        // The Begin said the same commit LSN and time: its values serve again (they are immutable), two objects less.
        Lsn lsn = lastBegin != null && lastBegin.finalLsn().value() == commitLsn ? lastBegin.finalLsn() : Lsn.of(commitLsn);
        Instant time = lastBegin != null && lastBeginMicros == commitTime ? lastBegin.commitTime()
                : PgDateTime.instant(commitTime);
        lastBegin = null;
        return new ChangeEvent.Commit(flags, lsn, endLsn, time);
    }

    private static ChangeEvent origin(WireReader in) {
        Lsn commitLsn = lsn(in, "origin commit LSN");
        String name = in.readString("origin name");
        in.expectEnd();
        return new ChangeEvent.Origin(commitLsn, name);
    }

    private ChangeEvent relation(WireReader in) {
        long xid = streamXid(in);
        int oid = in.readInt("relation OID");
        String namespace = namespace(in.readString("namespace"));
        String name = in.readString("relation name");
        int replicaIdentity = in.readByte("replica identity") & 0xFF;
        int count = in.readShort("column count");
        // A column takes at least 10 bytes (flags, empty name, type, modifier): check before allocating.
        if (count < 0 || count > in.remaining() / 10) {
            throw in.error("column count " + count + " does not fit in the " + in.remaining() + " remaining bytes");
        }
        List<Relation.Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean key = (in.readByte("column flags") & 1) != 0;
            String columnName = in.readString("column name");
            int typeOid = in.readInt("column type OID");
            int typeModifier = in.readInt("column type modifier");
            columns.add(new Relation.Column(key, columnName, typeOid, typeModifier));
        }
        in.expectEnd();
        Relation relation = new Relation(xid, oid, namespace, name, replicaIdentity, columns);
        relations.put(oid, new RowSchema(relation, types));
        return relation;
    }

    private ChangeEvent type(WireReader in) {
        long xid = streamXid(in);
        int oid = in.readInt("type OID");
        String namespace = namespace(in.readString("namespace"));
        String name = in.readString("type name");
        in.expectEnd();
        return new ChangeEvent.TypeInfo(xid, oid, namespace, name);
    }

    private ChangeEvent insert(WireReader in, String messageName) {
        long xid = streamXid(in);
        RowSchema schema = schema(in);
        expectTupleTag(in, 'N', "'N' (new tuple)");
        Row newRow = TupleReader.read(in, schema, messageName, leases);
        in.expectEnd();
        return new ChangeEvent.Insert(schema.relation(), newRow, xid);
    }

    private ChangeEvent update(WireReader in, String messageName) {
        long xid = streamXid(in);
        RowSchema schema = schema(in);
        Row oldKey = null;
        Row oldRow = null;
        byte tag = in.readByte("tuple tag");
        if (tag == 'K') {
            oldKey = TupleReader.read(in, schema, messageName, leases);
            tag = in.readByte("tuple tag");
        } else if (tag == 'O') {
            oldRow = TupleReader.read(in, schema, messageName, leases);
            tag = in.readByte("tuple tag");
        }
        if (tag != 'N') {
            throw tagError(in, tag, oldKey == null && oldRow == null ? "'K', 'O' or 'N'" : "'N' (new tuple)");
        }
        Row newRow = TupleReader.read(in, schema, messageName, leases);
        in.expectEnd();
        return new ChangeEvent.Update(schema.relation(), oldKey, oldRow, newRow, xid);
    }

    private ChangeEvent delete(WireReader in, String messageName) {
        long xid = streamXid(in);
        RowSchema schema = schema(in);
        byte tag = in.readByte("tuple tag");
        if (tag != 'K' && tag != 'O') {
            throw tagError(in, tag, "'K' (old key) or 'O' (old tuple)");
        }
        Row old = TupleReader.read(in, schema, messageName, leases);
        in.expectEnd();
        return new ChangeEvent.Delete(schema.relation(), tag == 'K' ? old : null, tag == 'O' ? old : null, xid);
    }

    private ChangeEvent truncate(WireReader in) {
        long xid = streamXid(in);
        int count = in.readInt("relation count");
        int options = in.readByte("options");
        // Four bytes per OID: check before allocating.
        if (count < 0 || count > in.remaining() / 4) {
            throw in.error("relation count " + count + " does not fit in the " + in.remaining() + " remaining bytes");
        }
        List<Relation> truncated = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            truncated.add(schema(in).relation());
        }
        in.expectEnd();
        return new ChangeEvent.Truncate(truncated, (options & 1) != 0, (options & 2) != 0, xid);
    }

    private ChangeEvent logicalMessage(WireReader in) {
        long xid = streamXid(in);
        boolean transactional = (in.readByte("flags") & 1) != 0;
        Lsn lsn = lsn(in, "message LSN");
        String prefix = in.readString("prefix");
        int length = in.readInt("content length");
        byte[] content = in.readBytes(length, "content");
        in.expectEnd();
        return new ChangeEvent.LogicalMessage(transactional, lsn, prefix, content, xid);
    }

    private ChangeEvent streamStart(WireReader in) {
        requireVersion(in, STREAMING_VERSION);
        if (inStream) {
            throw in.error("a stream segment is already open; the previous Stream Start had no Stream Stop");
        }
        long xid = xid(in, "xid");
        byte first = in.readByte("first segment flag");
        in.expectEnd();
        inStream = true;
        return new ChangeEvent.StreamStart(xid, first == 1);
    }

    private ChangeEvent streamStop(WireReader in) {
        requireVersion(in, STREAMING_VERSION);
        if (!inStream) {
            throw in.error("no stream segment is open");
        }
        in.expectEnd();
        inStream = false;
        return new ChangeEvent.StreamStop();
    }

    private ChangeEvent streamCommit(WireReader in) {
        requireVersion(in, STREAMING_VERSION);
        long xid = xid(in, "xid");
        int flags = in.readByte("flags") & 0xFF;
        Lsn commitLsn = lsn(in, "commit LSN");
        Lsn endLsn = lsn(in, "end LSN");
        Instant commitTime = time(in, "commit time");
        in.expectEnd();
        return new ChangeEvent.StreamCommit(xid, flags, commitLsn, endLsn, commitTime);
    }

    private ChangeEvent streamAbort(WireReader in) {
        requireVersion(in, STREAMING_VERSION);
        long xid = xid(in, "xid");
        long subXid = xid(in, "subtransaction xid");
        Lsn abortLsn = null;
        Instant abortTime = null;
        // Version 4 adds the two fields only under streaming 'parallel', which the decoder need
        // not be told: the message ends either after the xids or after the two fields.
        if (protocolVersion >= PARALLEL_STREAMING_VERSION && in.remaining() > 0) {
            abortLsn = lsn(in, "abort LSN");
            abortTime = time(in, "abort time");
        }
        in.expectEnd();
        return new ChangeEvent.StreamAbort(xid, subXid, abortLsn, abortTime);
    }

    private ChangeEvent beginPrepare(WireReader in) {
        requireVersion(in, TWO_PHASE_VERSION);
        Lsn prepareLsn = lsn(in, "prepare LSN");
        Lsn endLsn = lsn(in, "end LSN");
        Instant prepareTime = time(in, "prepare time");
        long xid = xid(in, "xid");
        String gid = in.readString("gid");
        in.expectEnd();
        return new ChangeEvent.BeginPrepare(prepareLsn, endLsn, prepareTime, xid, gid);
    }

    private ChangeEvent prepare(WireReader in) {
        requireVersion(in, TWO_PHASE_VERSION);
        int flags = in.readByte("flags") & 0xFF;
        Lsn prepareLsn = lsn(in, "prepare LSN");
        Lsn endLsn = lsn(in, "end LSN");
        Instant prepareTime = time(in, "prepare time");
        long xid = xid(in, "xid");
        String gid = in.readString("gid");
        in.expectEnd();
        return new ChangeEvent.Prepare(flags, prepareLsn, endLsn, prepareTime, xid, gid);
    }

    private ChangeEvent commitPrepared(WireReader in) {
        requireVersion(in, TWO_PHASE_VERSION);
        int flags = in.readByte("flags") & 0xFF;
        Lsn commitLsn = lsn(in, "commit LSN");
        Lsn endLsn = lsn(in, "end LSN");
        Instant commitTime = time(in, "commit time");
        long xid = xid(in, "xid");
        String gid = in.readString("gid");
        in.expectEnd();
        return new ChangeEvent.CommitPrepared(flags, commitLsn, endLsn, commitTime, xid, gid);
    }

    private ChangeEvent rollbackPrepared(WireReader in) {
        requireVersion(in, TWO_PHASE_VERSION);
        int flags = in.readByte("flags") & 0xFF;
        Lsn prepareEndLsn = lsn(in, "prepare end LSN");
        Lsn rollbackEndLsn = lsn(in, "rollback end LSN");
        Instant prepareTime = time(in, "prepare time");
        Instant rollbackTime = time(in, "rollback time");
        long xid = xid(in, "xid");
        String gid = in.readString("gid");
        in.expectEnd();
        return new ChangeEvent.RollbackPrepared(flags, prepareEndLsn, rollbackEndLsn, prepareTime, rollbackTime, xid,
                gid);
    }

    private ChangeEvent streamPrepare(WireReader in) {
        requireVersion(in, TWO_PHASE_VERSION);
        int flags = in.readByte("flags") & 0xFF;
        Lsn prepareLsn = lsn(in, "prepare LSN");
        Lsn endLsn = lsn(in, "end LSN");
        Instant prepareTime = time(in, "prepare time");
        long xid = xid(in, "xid");
        String gid = in.readString("gid");
        in.expectEnd();
        return new ChangeEvent.StreamPrepare(flags, prepareLsn, endLsn, prepareTime, xid, gid);
    }

    /** Inside a stream segment, changes and descriptions start with their transaction's xid. */
    private long streamXid(WireReader in) {
        return inStream ? xid(in, "xid") : 0L;
    }

    private RowSchema schema(WireReader in) {
        int oid = in.readInt("relation OID");
        RowSchema schema = relations.get(oid);
        if (schema == null) {
            throw in.error("relation OID " + Integer.toUnsignedString(oid) + " was not described by a Relation"
                    + " message on this connection; was reset() called without reconnecting, or a message lost?");
        }
        return schema;
    }

    private void requireVersion(WireReader in, int version) {
        if (protocolVersion < version) {
            throw in.error("this message needs protocol version " + version + " or later, but the decoder was"
                    + " created for version " + protocolVersion);
        }
    }

    private static void expectTupleTag(WireReader in, char expected, String description) {
        byte tag = in.readByte("tuple tag");
        if (tag != expected) {
            throw tagError(in, tag, description);
        }
    }

    private static DecodeException tagError(WireReader in, byte tag, String expected) {
        return in.error("tuple tag " + describeByte(tag) + " where " + expected + " was expected");
    }

    private static Lsn lsn(WireReader in, String field) {
        return Lsn.of(in.readLong(field));
    }

    private static Instant time(WireReader in, String field) {
        return PgDateTime.instant(in.readLong(field));
    }

    private static long xid(WireReader in, String field) {
        return Integer.toUnsignedLong(in.readInt(field));
    }

    /** The wire leaves the namespace empty for pg_catalog, to save bytes. */
    private static String namespace(String wire) {
        return wire.isEmpty() ? "pg_catalog" : wire;
    }

    private static String describeByte(byte value) {
        int b = value & 0xFF;
        String hex = "0x" + (b < 16 ? "0" : "") + Integer.toHexString(b);
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "' (" + hex + ")" : hex;
    }
}
