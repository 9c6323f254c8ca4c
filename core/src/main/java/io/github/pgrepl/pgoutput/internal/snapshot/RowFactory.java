package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;

/**
 * Makes the {@link Row}s of one relation from tuples in pgoutput's layout (per column a kind byte {@code n},
 * {@code t} or {@code b}, then for {@code t} and {@code b} an int32 length and the value): what {@code pgoutput}
 * gives this package, so that a snapshot's rows read exactly as the stream's do.
 */
public interface RowFactory {

    /** The relation every row belongs to. */
    ChangeEvent.Relation relation();

    /**
     * @param tuple the tuple's bytes, kept by the row (not copied)
     * @param starts where each column's kind byte is in {@code tuple}
     */
    Row row(byte[] tuple, int[] starts);

    /** Makes the factories, one per relation. */
    interface Source {
        RowFactory forRelation(ChangeEvent.Relation relation);

        /**
         * Whether values of the type {@code typeOid} read the same in binary as in text; {@code false} for a type
         * pgrepl cannot print from binary (it reads as {@code \x} hex), whose keys cannot be compared across sessions.
         */
        boolean knowsBinary(int typeOid);
    }
}
