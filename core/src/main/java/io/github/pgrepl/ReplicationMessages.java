package io.github.pgrepl;

import java.nio.ByteBuffer;
import java.time.Instant;

/** Wire helpers for the CopyData payloads of a replication stream. */
public final class ReplicationMessages {

    /** Seconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z. */
    private static final long PG_EPOCH_SECONDS = 946_684_800L;

    /** Length of a standby status update: 'r', three LSNs, a clock and the reply flag. */
    public static final int STANDBY_STATUS_UPDATE_LENGTH = 34;

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
            case 'w' -> {
                requireLength(copyData, 25, "XLogData");
                Lsn walStart = Lsn.of(copyData.getLong(at + 1));
                Lsn walEnd = Lsn.of(copyData.getLong(at + 9));
                Instant time = fromPgMicros(copyData.getLong(at + 17));
                ByteBuffer data = copyData.duplicate().position(at + 25).slice();
                return new XLogData(walStart, walEnd, time, data);
            }
            case 'k' -> {
                requireLength(copyData, 18, "primary keepalive");
                return new PrimaryKeepalive(Lsn.of(copyData.getLong(at + 1)), fromPgMicros(copyData.getLong(at + 9)),
                        copyData.get(at + 17) != 0);
            }
            default -> throw new IllegalArgumentException("Unknown replication message type '" + (char) type
                    + "' (0x" + Integer.toHexString(type & 0xFF) + "): expected 'w' or 'k'; is this a START_REPLICATION stream?");
        }
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
        out.put((byte) 'r')
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
