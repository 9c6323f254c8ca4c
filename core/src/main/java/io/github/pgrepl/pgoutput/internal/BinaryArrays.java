package io.github.pgrepl.pgoutput.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code array_send}: int32 dimension count, int32 has-nulls flag, int32 element type OID, an
 * (int32 size, int32 lower bound) pair per dimension, then each element as an int32 length
 * ({@code -1} for NULL) and that many bytes. A one-dimensional array becomes a {@code List}; each
 * further dimension nests one more level. Lower bounds are not kept.
 */
public final class BinaryArrays {

    /** PostgreSQL's MAXDIM. */
    static final int MAX_DIMENSIONS = 6;

    private BinaryArrays() {
    }

    static List<Object> decode(PgType arrayType, byte[] data, int offset, int length, TypeResolver types) {
        return decode(arrayType, arrayType.typeName(), data, offset, length, types);
    }

    /**
     * An array of a type pgrepl does not know, as {@code array_send} sent it (the header names the element type):
     * nested lists of element texts, as text mode gives for such a column. Elements of a type pgrepl cannot print
     * from binary are {@code \x} hex.
     */
    public static List<Object> decodeTexts(byte[] data, int offset, int length, TypeResolver types) {
        return TextFormatter.elementTexts(decode(null, "array", data, offset, length, types));
    }

    /** @param arrayType the expected array type, or {@code null} to take the element type from the header */
    private static List<Object> decode(PgType arrayType, String what, byte[] data, int offset, int length, TypeResolver types) {
        Reader in = new Reader(data, offset, length);
        int dimensions = in.int32("dimension count");
        int flags = in.int32("flags");
        int elementOid = in.int32("element type");
        if (dimensions < 0 || dimensions > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("array has " + dimensions + " dimensions, not 0 to " + MAX_DIMENSIONS);
        }
        if (flags != 0 && flags != 1) {
            throw new IllegalArgumentException("array flags " + flags + " are neither 0 nor 1");
        }
        PgType element = types.resolve(elementOid); // a domain's or an enum's OID when the column is an array of them
        if (arrayType != null && element != arrayType.element()) {
            throw new IllegalArgumentException(what + " value has elements of " + PgType.describe(elementOid));
        }
        if (element != null && element.isArray()) {
            throw new IllegalArgumentException(what + " value has array elements (" + PgType.describe(elementOid) + ")");
        }
        int[] sizes = new int[dimensions];
        long total = dimensions == 0 ? 0 : 1;
        for (int d = 0; d < dimensions; d++) {
            sizes[d] = in.int32("dimension size");
            in.int32("lower bound");
            if (sizes[d] < 0) {
                throw new IllegalArgumentException("array dimension " + (d + 1) + " has negative size " + sizes[d]);
            }
            total *= sizes[d];
            // Each element takes at least its 4-byte length: this bounds every allocation below.
            if (total > in.remaining() / 4) {
                throw new IllegalArgumentException("array claims " + total + " elements but has "
                        + in.remaining() + " bytes left");
            }
        }
        List<Object> result = dimensions == 0 ? List.of() : build(in, element, sizes, 0, types);
        if (in.remaining() != 0) {
            throw new IllegalArgumentException("array has " + in.remaining() + " bytes after its last element");
        }
        return result;
    }

    private static List<Object> build(Reader in, PgType element, int[] sizes, int dimension, TypeResolver types) {
        int size = sizes[dimension];
        List<Object> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            if (dimension + 1 < sizes.length) {
                list.add(build(in, element, sizes, dimension + 1, types));
                continue;
            }
            int length = in.int32("element length");
            if (length == -1) {
                list.add(null);
            } else if (length < 0 || length > in.remaining()) {
                throw new IllegalArgumentException("array element length " + length + " with "
                        + in.remaining() + " bytes left");
            } else {
                list.add(element == null ? TextFormatter.hex(in.data, in.position, length)
                        : BinaryValues.decode(element, in.data, in.position, length, types));
                in.position += length;
            }
        }
        return Collections.unmodifiableList(list);
    }

    private static final class Reader {
        final byte[] data;
        final int end;
        int position;

        Reader(byte[] data, int offset, int length) {
            this.data = data;
            this.position = offset;
            this.end = offset + length;
        }

        int remaining() {
            return end - position;
        }

        int int32(String field) {
            if (remaining() < 4) {
                throw new IllegalArgumentException("array truncated in its " + field);
            }
            int value = BinaryValues.int32(data, position);
            position += 4;
            return value;
        }
    }
}
