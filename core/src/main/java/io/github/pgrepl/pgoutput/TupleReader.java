package io.github.pgrepl.pgoutput;

import io.github.pgrepl.pgoutput.internal.WireReader;

/**
 * Reads a {@code TupleData}: an int16 column count, then per column a kind byte ({@code n} null,
 * {@code u} unchanged TOAST, {@code t} text, {@code b} binary) and, for {@code t} and {@code b},
 * an int32 length and the value. The structure is checked in one pass, then the tuple's bytes are
 * copied once, in one array of their exact size, into the {@link Row}, which converts values only when asked; or, with
 * {@linkplain PgOutputHandler.Builder#borrowedRows borrowed rows}, into a pooled buffer the row borrows.
 */
final class TupleReader {

    private TupleReader() {
    }

    /** @param leases where borrowed rows' buffers come from, or {@code null} for rows of their own */
    static Row read(WireReader in, RowSchema schema, String messageName, RowLeases leases) {
        int count = in.readShort("tuple column count");
        if (count != schema.size()) {
            throw in.error("tuple has " + count + " columns but the Relation message for "
                    + schema.relation().qualifiedName() + " (OID " + Integer.toUnsignedString(schema.relation().oid())
                    + ") described " + schema.size());
        }
        // Every column takes at least its kind byte: this bounds the array by the message size.
        if (count > in.remaining()) {
            throw in.error("truncated: " + count + " columns need at least " + count + " bytes, "
                    + in.remaining() + " remain");
        }
        int from = in.offset();
        // Field names below are constants: building them per column would cost more than the read. Where each
        // column starts is not kept: the Row finds it again if it is read (many rows never are).
        for (int i = 0; i < count; i++) {
            byte kind = in.readByte("a column's kind");
            switch (kind) {
                case 'n':
                case 'u':
                    break;
                case 't':
                case 'b':
                    int length = in.readInt("a column's length");
                    in.skip(length, "a column's value");
                    break;
                default:
                    throw in.error("unknown kind 0x" + Integer.toHexString(kind & 0xFF) + " of column " + i
                            + "; expected n, u, t or b");
            }
        }
        int to = in.offset();
        if (leases == null) {
            return new Row(schema, in.copy(from, to), null, messageName, from);
        }
        RowLease lease = leases.take(to - from);
        in.copyTo(from, to, lease.bytes);
        Row row = new Row(schema, lease, messageName, from);
        lease.lendTo(row);
        return row;
    }
}
