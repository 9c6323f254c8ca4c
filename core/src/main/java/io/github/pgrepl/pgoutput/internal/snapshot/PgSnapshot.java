package io.github.pgrepl.pgoutput.internal.snapshot;

import java.util.Arrays;

/**
 * A transaction snapshot as {@code pg_current_snapshot()} prints it ({@code xmin:xmax:xip,...}, 64-bit transaction
 * ids): which transactions a chunk's SELECT saw. A transaction is visible when it ended before the snapshot was
 * taken: below {@code xmin}, or below {@code xmax} and not in progress ({@code xip}). Immutable.
 */
public final class PgSnapshot {

    private final long xmin;
    private final long xmax;
    private final long[] inProgress;

    private PgSnapshot(long xmin, long xmax, long[] inProgress) {
        this.xmin = xmin;
        this.xmax = xmax;
        this.inProgress = inProgress;
    }

    /** Parses {@code pg_current_snapshot()}'s text. */
    public static PgSnapshot parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("Not a pg_snapshot: '" + text + "'");
        }
        long[] xip = parts[2].isEmpty() ? new long[0]
                : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseUnsignedLong).sorted().toArray();
        return new PgSnapshot(Long.parseUnsignedLong(parts[0]), Long.parseUnsignedLong(parts[1]), xip);
    }

    /**
     * Whether the transaction {@code xid} (32 bits, as pgoutput sends it; a recent one, within 2^31 of the snapshot's
     * {@code xmax}) had committed when the snapshot was taken, so that its changes are in what the snapshot read.
     */
    public boolean sees(long xid) {
        long full = widen(xid);
        return full < xmin || (full < xmax && Arrays.binarySearch(inProgress, full) < 0);
    }

    /** The 64-bit id of a 32-bit {@code xid}, by its distance to {@code xmax}, as PostgreSQL widens one. */
    private long widen(long xid) {
        int distance = (int) (xid - (xmax & 0xFFFF_FFFFL));
        return xmax + distance;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder().append(xmin).append(':').append(xmax).append(':');
        for (int i = 0; i < inProgress.length; i++) {
            out.append(i == 0 ? "" : ",").append(inProgress[i]);
        }
        return out.toString();
    }
}
