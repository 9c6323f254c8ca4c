package io.github.pgrepl.pgoutput;

import java.util.Arrays;

/**
 * The pool of {@link RowLease}s of one handler with {@link PgOutputHandler.Builder#borrowedRows borrowed rows}, confined
 * to the connection's thread: the decoder takes a lease per tuple, and leases come back (expired) with the listener
 * worker's spare batches, or at once for an event no listener got.
 *
 * <p>Bounded: at most {@value #MAX_POOLED} leases are kept, each with at most {@value #MAX_KEPT_BYTES} bytes (a lease
 * grown past it for a large tuple gets a small buffer again when it comes back), so an idle handler holds at most a few
 * megabytes, about {@code MAX_POOLED × 128} bytes for rows of a few columns.
 */
final class RowLeases {

    static final int MAX_POOLED = 4096;
    static final int MAX_KEPT_BYTES = 2048;
    /** The smallest buffer made: tuples of a few columns vary in size, and one buffer should fit most of them. */
    private static final int MIN_BYTES = 128;

    private RowLease[] pooled = new RowLease[64];
    private int count;
    /** Leases taken during the decode in progress, given back if it fails; see {@link #decoded}. */
    private final RowLease[] taken = new RowLease[3];
    private int takenCount;
    private final RowLease[] scratch = new RowLease[3];
    /** Leases made because none was pooled: a test's probe of reuse, and how the pool's size settles. */
    private long misses;

    /** A lease whose buffer holds at least {@code length} bytes, from the pool when it has one. */
    RowLease take(int length) {
        RowLease lease;
        if (count > 0) {
            lease = pooled[--count];
            pooled[count] = null;
            if (lease.bytes.length < length) {
                lease.bytes = new byte[capacityFor(length)];
            }
        } else {
            misses++;
            lease = new RowLease(capacityFor(length));
        }
        taken[takenCount++] = lease;
        return lease;
    }

    /** The decode that took leases succeeded: they belong to its event now. */
    void decoded() {
        for (int i = 0; i < takenCount; i++) {
            taken[i] = null;
        }
        takenCount = 0;
    }

    /** The decode that took leases failed: no row of it reaches anyone, its leases come back. */
    void decodeFailed() {
        for (int i = 0; i < takenCount; i++) {
            taken[i].expire();
            giveBack(taken[i]);
            taken[i] = null;
        }
        takenCount = 0;
    }

    /** Ends the lifetime of an event's borrowed rows that no listener got (on the connection's thread). */
    void release(ChangeEvent event) {
        int found = leasesOf(event, scratch, 0);
        for (int i = 0; i < found; i++) {
            scratch[i].expire();
            giveBack(scratch[i]);
            scratch[i] = null;
        }
    }

    /** Takes back an expired lease. */
    void giveBack(RowLease lease) {
        if (count == MAX_POOLED) {
            return; // enough pooled: this one is garbage
        }
        if (lease.bytes.length > MAX_KEPT_BYTES) {
            lease.bytes = new byte[MIN_BYTES];
        }
        if (count == pooled.length) {
            pooled = Arrays.copyOf(pooled, Math.min(MAX_POOLED, count * 2));
        }
        pooled[count++] = lease;
    }

    long misses() {
        return misses;
    }

    int pooled() {
        return count;
    }

    /**
     * Puts the leases of {@code event}'s borrowed rows into {@code into} from {@code at}, returns the index after the
     * last; {@code into} has room for three more (an Update's old key or row and new row, at most).
     */
    static int leasesOf(ChangeEvent event, RowLease[] into, int at) {
        if (event instanceof ChangeEvent.Insert insert) {
            return add(insert.newRow(), into, at);
        }
        if (event instanceof ChangeEvent.Update update) {
            return add(update.newRow(), into, add(update.oldRow(), into, add(update.oldKey(), into, at)));
        }
        if (event instanceof ChangeEvent.Delete delete) {
            return add(delete.oldRow(), into, add(delete.oldKey(), into, at));
        }
        return at;
    }

    private static int add(Row row, RowLease[] into, int at) {
        RowLease lease = row == null ? null : row.lease();
        if (lease == null) {
            return at;
        }
        into[at] = lease;
        return at + 1;
    }

    private static int capacityFor(int length) {
        if (length <= MIN_BYTES) {
            return MIN_BYTES;
        }
        if (length > MAX_KEPT_BYTES) {
            return length; // not kept once it comes back: exactly what it needs
        }
        return Integer.highestOneBit(length - 1) << 1;
    }
}
