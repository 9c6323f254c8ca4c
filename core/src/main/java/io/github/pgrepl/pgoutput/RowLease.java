package io.github.pgrepl.pgoutput;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A reusable buffer that borrowed {@link Row}s read their tuple from ({@link PgOutputHandler.Builder#borrowedRows}),
 * and the one row it is lent to: a row reads only while the lease is lent to it, and stops once the lease expired
 * ({@link #expire}), before the buffer can hold another tuple.
 *
 * <p>The bytes are written only by the connection's thread (decoding, then {@link #lendTo}), the expiry by the thread
 * that ends the row's lifetime (the listener's, or the connection's for an event nobody got). The lease reaches the
 * connection's thread again only through a queue (the listener worker's spare batches), so every write of its bytes
 * comes after the expiry that made the old row stale.
 */
final class RowLease {

    private static final VarHandle BORROWER;

    static {
        try {
            BORROWER = MethodHandles.lookup().findVarHandle(RowLease.class, "borrower", Row.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The buffer; replaced by a larger one when a tuple does not fit, never shrunk while pooled. */
    byte[] bytes;
    /** The row reading the buffer, or {@code null}; through {@link #BORROWER}: acquire reads, release writes. */
    @SuppressWarnings("unused")
    private Row borrower;

    RowLease(int capacity) {
        this.bytes = new byte[capacity];
    }

    /** Lends the buffer, which holds {@code row}'s tuple now, to {@code row}. */
    void lendTo(Row row) {
        BORROWER.setRelease(this, row);
    }

    boolean isLentTo(Row row) {
        return BORROWER.getAcquire(this) == row;
    }

    /** Ends the lifetime of the row it was lent to: from now on that row refuses to read. */
    void expire() {
        BORROWER.setRelease(this, (Row) null);
    }
}
