package io.github.pgrepl;

import static io.github.pgrepl.internal.protocol.CopyDataLayout.KEEPALIVE_LENGTH;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.KEEPALIVE_REPLY_REQUESTED;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.KEEPALIVE_SERVER_TIME;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.KEEPALIVE_WAL_END;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.PRIMARY_KEEPALIVE;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.STANDBY_STATUS_UPDATE;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.XLOG_DATA;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.XLOG_DATA_SERVER_TIME;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.XLOG_DATA_WAL_END;
import static io.github.pgrepl.internal.protocol.CopyDataLayout.XLOG_DATA_WAL_START;

import io.github.pgrepl.internal.protocol.CopyDataLayout;

import java.nio.ByteBuffer;
import java.time.Instant;

/** Wire helpers for the CopyData payloads of a replication stream. */
public final class ReplicationMessages {

    /** Seconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z. */
    private static final long PG_EPOCH_SECONDS = 946_684_800L;

    /** Length of a standby status update: 'r', three LSNs, a clock and the reply flag. */
    public static final int STANDBY_STATUS_UPDATE_LENGTH = CopyDataLayout.STATUS_LENGTH;

    /** Length of an XLogData's header ('w', WAL start, WAL end, server clock): the plugin's message follows it. */
    public static final int XLOG_DATA_HEADER_LENGTH = CopyDataLayout.XLOG_DATA_HEADER_LENGTH;

    private ReplicationMessages() {
    }

    /**
     * Parses one CopyData payload: {@code 'w'} → {@link XLogData} (its data a view of {@code copyData}),
     * {@code 'k'} → {@link PrimaryKeepalive}. The buffer's position is left unchanged.
     *
     * @throws IllegalArgumentException for any other type or a payload too short for its type
     */
    public static ReplicationMessage parse(ByteBuffer copyData) {
        int at = copyData.position();
        if (!copyData.hasRemaining()) {
            throw new IllegalArgumentException("Empty CopyData payload: expected a replication message");
        }
        byte type = copyData.get(at);
        switch (type) {
            case XLOG_DATA -> {
                requireLength(copyData, XLOG_DATA_HEADER_LENGTH, "XLogData");
                Lsn walStart = Lsn.of(copyData.getLong(at + XLOG_DATA_WAL_START));
                Lsn walEnd = Lsn.of(copyData.getLong(at + XLOG_DATA_WAL_END));
                Instant time = fromPgMicros(copyData.getLong(at + XLOG_DATA_SERVER_TIME));
                ByteBuffer data = copyData.duplicate().position(at + XLOG_DATA_HEADER_LENGTH).slice();
                return new XLogData(walStart, walEnd, time, data);
            }
            case PRIMARY_KEEPALIVE -> {
                requireLength(copyData, KEEPALIVE_LENGTH, "primary keepalive");
                return new PrimaryKeepalive(Lsn.of(copyData.getLong(at + KEEPALIVE_WAL_END)),
                        fromPgMicros(copyData.getLong(at + KEEPALIVE_SERVER_TIME)), copyData.get(at + KEEPALIVE_REPLY_REQUESTED) != 0);
            }
            default -> throw new IllegalArgumentException("Unknown replication message type '" + (char) type
                    + "' (0x" + Integer.toHexString(type & 0xFF) + "): expected 'w' or 'k'; is this a START_REPLICATION stream?");
        }
    }

    /**
     * Whether {@code copyData} (from its position) is an XLogData: then the plugin's message starts
     * {@link #XLOG_DATA_HEADER_LENGTH} bytes in, which a handler can decode in place without {@link #parse}.
     */
    public static boolean isXLogData(ByteBuffer copyData) {
        return copyData.remaining() >= XLOG_DATA_HEADER_LENGTH && copyData.get(copyData.position()) == XLOG_DATA;
    }

    private static void requireLength(ByteBuffer buffer, int length, String what) {
        if (buffer.remaining() < length) {
            throw new IllegalArgumentException("Truncated " + what + ": " + buffer.remaining() + " bytes, expected at least " + length);
        }
    }

    /**
     * A standby status update ({@code 'r'}), stamped with the current time: the positions written,
     * flushed and applied by this client. The server confirms the slot up to {@code flushed}.
     */
    public static byte[] standbyStatusUpdate(Lsn written, Lsn flushed, Lsn applied, boolean replyRequested) {
        ByteBuffer out = ByteBuffer.allocate(STANDBY_STATUS_UPDATE_LENGTH);
        // in the order of CopyDataLayout's STATUS_* offsets
        out.put(STANDBY_STATUS_UPDATE)
                .putLong(written.value())
                .putLong(flushed.value())
                .putLong(applied.value())
                .putLong(toPgMicros(Instant.now()))
                .put((byte) (replyRequested ? 1 : 0));
        return out.array();
    }

    /** Microseconds since 2000-01-01 (the protocol's clock) to an {@link Instant}. */
    public static Instant fromPgMicros(long micros) {
        return Instant.ofEpochSecond(PG_EPOCH_SECONDS + Math.floorDiv(micros, 1_000_000L),
                Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** An {@link Instant} to microseconds since 2000-01-01. */
    public static long toPgMicros(Instant instant) {
        return (instant.getEpochSecond() - PG_EPOCH_SECONDS) * 1_000_000L + instant.getNano() / 1_000L;
    }
}
