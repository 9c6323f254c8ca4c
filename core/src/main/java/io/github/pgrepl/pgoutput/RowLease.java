package io.github.pgrepl.pgoutput;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A reusable buffer that borrowed {@link Row}s read their tuple from ({@link PgOutputHandler.Builder#borrowedRows}),
 * and its generation: a row remembers the generation it was made under, and stops reading once the lease was given
 * back ({@link #expire}), before the buffer can hold another tuple.
 *
 * <p>The bytes are written only by the connection's thread (decoding), the generation only by the thread that ends
 * the row's lifetime (the listener's, or the connection's for an event nobody got). The lease reaches the connection's
 * thread again only through a queue (the listener worker's spare batches), so every write of its bytes comes after
 * the expiry that made the old rows stale.
 */
final class RowLease {

    private static final VarHandle GENERATION;

    static {
        try {
            GENERATION = MethodHandles.lookup().findVarHandle(RowLease.class, "generation", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The buffer; replaced by a larger one when a tuple does not fit, never shrunk while pooled. */
    byte[] bytes;
    /** Accessed through {@link #GENERATION}: acquire reads, release writes (a plain load and store on x86). */
    @SuppressWarnings("unused")
    private int generation;

    RowLease(int capacity) {
        this.bytes = new byte[capacity];
    }

    int generation() {
        return (int) GENERATION.getAcquire(this);
    }

    /** Ends the lifetime of the rows made under the current generation: from now on they refuse to read. */
    void expire() {
        GENERATION.setRelease(this, (int) GENERATION.getAcquire(this) + 1);
    }
}
